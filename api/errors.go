package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MaxErrorBodyBytes bounds how much of an error response body is read and
// kept in APIError.Body. Make's error bodies are a few hundred bytes; the
// bound protects against a proxy answering with a huge page.
const MaxErrorBodyBytes = 64 << 10

// APIError is the error returned for every non-2xx response from Make.
// Use errors.As to reach it:
//
//	var apiErr *api.APIError
//	if errors.As(err, &apiErr) && apiErr.Code == "IM005" { ... }
//
// It never holds request headers or the query string, so printing it can
// not leak the API token.
type APIError struct {
	// StatusCode is the HTTP status, e.g. 404.
	StatusCode int
	// Code is Make's error code: SC<status> (e.g. "SC403") or IM001..IM102.
	Code string
	// Message is Make's short error name, e.g. "Permission denied".
	Message string
	// Detail is Make's longer explanation as one readable string, e.g.
	// "Access denied.". Make sends detail either as a string or as a list of
	// strings; a list is joined with "; " here and kept whole in Details.
	Detail string
	// Details is the detail as a list: one element for a string detail, every
	// element for a list. Nil when Make sent none.
	Details []string
	// SubErrors lists underlying problems (e.g. one per invalid field).
	SubErrors []SubError
	// Body is the raw response body, at most MaxErrorBodyBytes of it.
	Body []byte
	// Method and Path identify the request (Path has no query string).
	Method string
	Path   string
	// RetryAfter is the server's Retry-After delay, 0 when none was sent.
	RetryAfter time.Duration
	// Header holds the response headers (never the request's). For a 3xx,
	// Location is cut to its origin (see RedirectOrigin).
	Header http.Header
	// RedirectOrigin is, for a 3xx, the scheme://host the server redirected
	// to (never its path or query, which may carry credentials). The SDK
	// never follows a redirect: Make's API does not redirect, and following
	// would send the token, or a run body, to another origin.
	RedirectOrigin string
	// Attempts is how many times the request was sent before this answer
	// was final (1: it was not retried). 0 for an APIError not made by a
	// Client (NewAPIError).
	Attempts int
	// Stopped says what the retry policy did with a status a retry could
	// help (429, and 408/5xx for GET and DELETE), e.g. "gave up after 4
	// attempts (3 retries, RetryPolicy.MaxRetries)" or "not retried: the
	// request may have reached Make, and sending it again could run it
	// twice". "" when a retry could not help (a 4xx other than 408/429).
	Stopped string
}

// Error reports the request, the status, Make's message and detail (each
// phrase once), and what the retry policy did.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("makeagents: ")
	if e.Method != "" {
		b.WriteString(e.Method + " " + e.Path + ": ")
	}
	b.WriteString(e.summary())
	if e.Stopped != "" {
		b.WriteString("; " + e.Stopped)
	}
	return b.String()
}

// summary is the answer without the request: the status, Make's words
// and code.
func (e *APIError) summary() string {
	// Each phrase once: Make's message is often the status text again
	// ("Too Many Requests"), its detail often repeats the message, and
	// sub-errors repeat the detail. A phrase contained in one already said
	// (the status text first), or in a longer one said after it, is
	// dropped.
	type phrase struct {
		text string
		sep  string // what comes before it
	}
	var all []phrase
	if m := strings.TrimSpace(e.Message); m != "" {
		all = append(all, phrase{m, ": "})
	}
	for i, d := range e.Details {
		sep := "; "
		if i == 0 {
			sep = ": "
		}
		all = append(all, phrase{strings.TrimSpace(d), sep})
	}
	for _, se := range e.SubErrors {
		all = append(all, phrase{strings.TrimSpace(se.Message), "; "})
	}
	status := http.StatusText(e.StatusCode)
	said := []string{status}
	var b strings.Builder
	fmt.Fprintf(&b, "%d", e.StatusCode)
	if status != "" {
		b.WriteString(" " + status)
	}
	first := true
	for i, p := range all {
		contains := func(x string) bool { return containsPhrase(x, p.text) }
		longerLater := slices.ContainsFunc(all[i+1:], func(x phrase) bool { return contains(x.text) && !samePhrase(x.text, p.text) })
		if p.text == "" || longerLater || slices.ContainsFunc(said, contains) {
			continue
		}
		if first {
			p.sep = ": "
			first = false
		}
		b.WriteString(p.sep + p.text)
		said = append(said, p.text)
	}
	if e.Code != "" {
		b.WriteString(" (" + e.Code + ")")
	}
	if e.StatusCode == http.StatusNotFound && e.Code == "" {
		// Make's 404s carry a code; one without is from something else at
		// the base URL, most often a base URL without /api/v2.
		b.WriteString(": not a Make error; is the base URL right? It ends in /api/v2, e.g. https://eu1.make.com/api/v2")
	}
	if e.StatusCode >= 300 && e.StatusCode < 400 {
		to := e.RedirectOrigin
		if to == "" {
			to = "an unnamed location"
		}
		b.WriteString(": redirect to " + to + " not followed")
	}
	return b.String()
}

// phraseKey is a phrase as samePhrase and containsPhrase compare it: lower
// case, without the punctuation that ends a sentence.
func phraseKey(s string) string {
	return strings.ToLower(strings.TrimRight(strings.TrimSpace(s), ".!;: "))
}

func samePhrase(a, b string) bool { return phraseKey(a) == phraseKey(b) }

// containsPhrase reports whether text says phrase already.
func containsPhrase(text, phrase string) bool {
	p := phraseKey(phrase)
	return p != "" && strings.Contains(phraseKey(text), p)
}

// NewAPIError builds an APIError from a non-2xx response. It reads at most
// MaxErrorBodyBytes of the body and closes it. A body that is not Make's
// JSON error shape (an HTML proxy page, say) is kept raw in Body.
func NewAPIError(resp *http.Response) *APIError {
	return newAPIError(resp, time.Now(), redactor{})
}

// newAPIError is NewAPIError with the clock and the token redactor of the
// client: the body and headers are redacted before anything is parsed from
// them, so no field of the error can carry an echoed token.
func newAPIError(resp *http.Response, now time.Time, red redactor) *APIError {
	e := &APIError{
		StatusCode: resp.StatusCode,
		Header:     resp.Header.Clone(),
	}
	red.Header(e.Header)
	e.RetryAfter = ParseRetryAfter(e.Header.Get("Retry-After"), now)
	if req := resp.Request; req != nil {
		e.Method = req.Method
		if req.URL != nil {
			e.Path = req.URL.EscapedPath()
		}
	}
	if e.StatusCode >= 300 && e.StatusCode < 400 {
		if loc := e.Header.Get("Location"); loc != "" {
			var base *url.URL
			if resp.Request != nil {
				base = resp.Request.URL
			}
			e.RedirectOrigin = redirectOrigin(base, loc, red)
			e.Header.Set("Location", e.RedirectOrigin)
		}
	}
	if resp.Body != nil {
		e.Body = readCut(resp.Body, MaxErrorBodyBytes, red)
		_ = resp.Body.Close()
	}
	var body Error
	if json.Unmarshal(e.Body, &body) == nil {
		e.Message = red.String(body.Message)
		for _, line := range body.Detail.Lines() {
			e.Details = append(e.Details, red.String(line))
		}
		if e.Details != nil {
			e.Detail = strings.Join(e.Details, "; ")
		}
		e.Code = red.String(body.Code)
		if body.Suberrors != nil {
			e.SubErrors = body.Suberrors
			for i := range e.SubErrors {
				e.SubErrors[i].Message = red.String(e.SubErrors[i].Message)
			}
		}
	}
	return e
}

// readCut reads at most n bytes of r, redacted: the window read is longer
// by the token's length, so a token that begins before the cut is read
// whole and redacted, and a tail that begins the token is removed.
func readCut(r io.Reader, n int, red redactor) []byte {
	w := red.Window(n)
	b, _ := io.ReadAll(io.LimitReader(r, int64(w)+1))
	b, _ = red.CutBytes(b, n, len(b) > w)
	return b
}

// redirectOrigin resolves a Location against the request URL and returns
// its origin, or "" when it does not parse.
func redirectOrigin(base *url.URL, loc string, red redactor) string {
	u, err := url.Parse(loc)
	if err != nil {
		return ""
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if u.Host == "" {
		return ""
	}
	o, _ := red.Cut(origin(u), 200, false)
	return o
}

// UnexpectedResponseError is returned for a 2xx response that is not the
// documented status with a JSON body (a proxy's HTML page, a 200 where 201
// is documented, no Content-Type): the typed result (JSON200, JSON201)
// would be nil, so the call fails instead, and a nil result never comes
// with a nil error. The raw body is kept.
type UnexpectedResponseError struct {
	// StatusCode is the status received; WantStatus the documented one.
	StatusCode int
	WantStatus int
	// ContentType is the Content-Type received ("" when absent).
	ContentType string
	// Body is the raw body, at most MaxErrorBodyBytes of it.
	Body []byte
	// Method and Path identify the request (Path has no query string).
	Method string
	Path   string
	// Header holds the response headers.
	Header http.Header
	// Reason, when set, says why a response of the documented status and
	// content type is not what the operation documents: its body is null,
	// does not decode, or lacks a required field (Err then is the decoding
	// error, e.g. a *MissingFieldError).
	Reason string
	Err    error
}

// Unwrap returns the decoding error, if any.
func (e *UnexpectedResponseError) Unwrap() error { return e.Err }

func (e *UnexpectedResponseError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("makeagents: %s %s: unexpected response: %d %s: %s (%d bytes)",
			e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode), e.Reason, len(e.Body))
	}
	ct := e.ContentType
	if ct == "" {
		ct = "none"
	}
	if len(ct) > 100 {
		ct = ct[:100] + "..."
	}
	return fmt.Sprintf("makeagents: %s %s: unexpected response: %d %s with content type %q (%d bytes); want %d and JSON",
		e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode), ct, len(e.Body), e.WantStatus)
}

// newUnexpectedResponseError reads (a bounded part of) the body of a 2xx
// response that is not what op documents, closes it and describes it.
func newUnexpectedResponseError(op *operation, resp *http.Response, red redactor) *UnexpectedResponseError {
	ct := resp.Header.Get("Content-Type")
	e := &UnexpectedResponseError{
		StatusCode: resp.StatusCode, WantStatus: op.status, ContentType: red.String(ct),
		Header: resp.Header.Clone(),
	}
	if req := resp.Request; req != nil && req.URL != nil {
		e.Method, e.Path = req.Method, req.URL.EscapedPath()
	}
	red.Header(e.Header)
	if resp.Body != nil {
		e.Body = readCut(resp.Body, MaxErrorBodyBytes, red)
		_ = resp.Body.Close()
	}
	return e
}

// ParseRetryAfter reads a Retry-After header value (delay-seconds or an
// HTTP-date, RFC 9110 §10.2.3). It returns 0 when the value is empty,
// malformed or in the past.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if allDigits(v) {
		// However many digits: a value too large for an int64 is still a
		// delay, the longest there is, not garbage to be retried at once.
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), maxRetryAfter)
	}
	return 0
}

// maxRetryAfter caps what ParseRetryAfter returns, for delays and dates alike.
const maxRetryAfter = 24 * time.Hour

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// IsNotFound reports whether err is an APIError with status 404.
//
// A 404 without Make's error code is not one: it comes from something
// else at the base URL (a base URL without /api/v2, say), not from Make
// saying the resource does not exist.
func IsNotFound(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.StatusCode == http.StatusNotFound && e.Code != ""
}

// IsUnauthorized reports whether err is an APIError with status 401.
func IsUnauthorized(err error) bool { return hasStatus(err, http.StatusUnauthorized) }

// IsForbidden reports whether err is an APIError with status 403.
func IsForbidden(err error) bool { return hasStatus(err, http.StatusForbidden) }

// IsRateLimited reports whether err is an APIError with status 429.
func IsRateLimited(err error) bool { return hasStatus(err, http.StatusTooManyRequests) }

func hasStatus(err error, status int) bool {
	var e *APIError
	return errors.As(err, &e) && e.StatusCode == status
}

// errPrefix starts every error message of the module, once.
const errPrefix = "makeagents: "

// errorf is fmt.Errorf for the SDK's errors: the message starts with
// "makeagents: " exactly once, however many of the SDK's errors it wraps
// (their own prefixes are dropped from the text, not from the chain:
// errors.Is and errors.As see every wrapped error).
func errorf(format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &prefixedError{msg: errPrefix + strings.ReplaceAll(err.Error(), errPrefix, ""), err: err}
}

// prefixedError is an errorf error: its text, and the errors it wraps.
type prefixedError struct {
	msg string
	err error
}

func (e *prefixedError) Error() string { return e.msg }

func (e *prefixedError) Unwrap() []error {
	switch u := e.err.(type) {
	case interface{ Unwrap() []error }:
		return u.Unwrap()
	case interface{ Unwrap() error }:
		if w := u.Unwrap(); w != nil {
			return []error{w}
		}
	}
	return nil
}

// ErrNoToken is wrapped by the error of every call made without a token:
// Make would answer 401, so nothing is sent. Set MAKE_API_TOKEN or pass
// WithToken (or WithOAuthToken) to New.
var ErrNoToken = errors.New("makeagents: no API token; set MAKE_API_TOKEN or pass api.WithToken to api.New")
