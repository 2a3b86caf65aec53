package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
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
	// Header holds the response headers (never the request's).
	Header http.Header
}

// Error reports the request, the status and Make's message and detail.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("makeagents: ")
	if e.Method != "" {
		b.WriteString(e.Method + " " + e.Path + ": ")
	}
	fmt.Fprintf(&b, "%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Detail != "" && e.Detail != e.Message {
		b.WriteString(": " + e.Detail)
	}
	for _, s := range e.SubErrors {
		if s.Message != nil && *s.Message != "" {
			b.WriteString("; " + *s.Message)
		}
	}
	if e.Code != "" {
		b.WriteString(" (" + e.Code + ")")
	}
	return b.String()
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
	if resp.Body != nil {
		e.Body, _ = io.ReadAll(io.LimitReader(resp.Body, MaxErrorBodyBytes))
		_ = resp.Body.Close()
		e.Body = red.Bytes(e.Body)
	}
	var body Error
	if json.Unmarshal(e.Body, &body) == nil {
		e.Message = red.String(deref(body.Message))
		if body.Detail != nil {
			for _, line := range body.Detail.Lines() {
				e.Details = append(e.Details, red.String(line))
			}
			e.Detail = strings.Join(e.Details, "; ")
		}
		e.Code = red.String(deref(body.Code))
		if body.Suberrors != nil {
			e.SubErrors = body.Suberrors
			for i := range e.SubErrors {
				if m := e.SubErrors[i].Message; m != nil {
					e.SubErrors[i].Message = ptrTo(red.String(*m))
				}
			}
		}
	}
	return e
}

func ptrTo[T any](v T) *T { return &v }

// ParseRetryAfter reads a Retry-After header value (delay-seconds or an
// HTTP-date, RFC 9110 §10.2.3). It returns 0 when the value is empty,
// malformed or in the past.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, int64(24*time.Hour/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// IsNotFound reports whether err is an APIError with status 404.
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

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

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
