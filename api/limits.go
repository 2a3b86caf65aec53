package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Bounds on what a response may cost. Every one has an option; see the
// README's "Limits and safety".
const (
	// DefaultMaxBodyBytes bounds a success body (WithMaxBodyBytes), counted
	// after decompression: an agent list of thousands of agents is a few
	// megabytes, so 256 MiB only stops a broken or hostile server.
	DefaultMaxBodyBytes = 256 << 20
	// DefaultBodyIdleTimeout bounds the silence while a non-stream body is
	// read (WithBodyIdleTimeout): Make sends a body at once after its
	// headers, so a minute without a byte is a stalled connection.
	DefaultBodyIdleTimeout = time.Minute
	// DefaultHeaderTimeout bounds the wait for the response headers of
	// every operation except run and run/stream (WithHeaderTimeout).
	DefaultHeaderTimeout = 2 * time.Minute
	// DefaultRunHeaderTimeout bounds the wait for a non-streaming run's
	// response headers (WithRunHeaderTimeout). A run answers only when the
	// agent is done: its LLM calls plus any scenario tools, and a single
	// Make scenario step may itself run for up to 600 s (callers in the
	// wild set 240 s "for large generations"). Ten minutes covers that
	// with room to spare and still frees a connection a dead server holds
	// forever. A stream has no such bound: its headers come before the
	// first event; bound it with ctx and sse.WithIdleTimeout.
	DefaultRunHeaderTimeout = 10 * time.Minute
)

// Errors of a response that crossed a bound. Compare with errors.Is; the
// error returned wraps them with the request and the limit.
var (
	// ErrBodyTooLarge: the response body was larger than WithMaxBodyBytes.
	ErrBodyTooLarge = errors.New("response body larger than the limit")
	// ErrBodyIdle: no byte of the response body arrived for
	// WithBodyIdleTimeout.
	ErrBodyIdle = errors.New("response body stalled")
	// ErrHeaderTimeout: the response headers did not arrive within the
	// operation's header timeout (WithHeaderTimeout, WithRunHeaderTimeout).
	// It is not retried: a server that did not answer in minutes is not
	// asked again, so a call costs one header timeout, not three.
	ErrHeaderTimeout = errors.New("no response headers within the header timeout")
	// ErrRedirect: the HTTP client under the SDK followed a redirect,
	// which the SDK never does itself (see WithHTTPClient).
	ErrRedirect = errors.New("redirect followed by the HTTP client")
)

// Causes set on an attempt's context, to tell our own timeouts from the
// caller's cancellation.
var (
	errCauseHeaderTimeout = errors.New("header timeout")
	errCauseBodyIdle      = errors.New("body idle")
)

// noRedirects is the CheckRedirect of every *http.Client under the SDK:
// the 3xx itself is returned (and becomes an *APIError), so the token, a run
// body or a POST never goes to another origin or turns into a GET.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// withoutRedirects returns a doer that does not follow redirects: an
// *http.Client is copied with noRedirects (the caller's client is not
// changed); another doer is trusted, and a redirect it follows anyway is
// caught by the pipeline (see followed).
func withoutRedirects(d HttpRequestDoer) HttpRequestDoer {
	if hc, ok := d.(*http.Client); ok {
		c := *hc
		c.CheckRedirect = noRedirects
		return &c
	}
	return d
}

// followed reports whether the doer below followed a redirect: the
// response is for another URL or method than the request.
func followed(req *http.Request, resp *http.Response) bool {
	r := resp.Request
	if r == nil || r.URL == nil {
		return false
	}
	return r.Method != req.Method || r.URL.Scheme != req.URL.Scheme || r.URL.Host != req.URL.Host || r.URL.EscapedPath() != req.URL.EscapedPath()
}

// origin is scheme://host of u: never its user info, path or query, which
// may carry credentials of their own.
func origin(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// boundedBody is a response body with a maximum size and an idle bound
// (both off at 0). It owns the attempt's context and ends it on Close.
type boundedBody struct {
	rc     io.ReadCloser
	ctx    context.Context
	cancel context.CancelCauseFunc
	method string
	path   string
	max    int64
	idle   time.Duration
	n      int64
	timer  *time.Timer
	err    error
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.idle > 0 {
		// The clock only runs inside Read: a caller that is slow to read
		// is not the server's silence.
		if b.timer == nil {
			b.timer = time.AfterFunc(b.idle, func() { b.cancel(errCauseBodyIdle) })
		} else {
			b.timer.Reset(b.idle)
		}
	}
	n, err := b.rc.Read(p)
	if b.timer != nil && !b.timer.Stop() && err == nil && n == 0 {
		err = context.Cause(b.ctx)
	}
	b.n += int64(n)
	if b.max > 0 && b.n > b.max {
		n -= int(b.n - b.max)
		b.err = errorf("%s %s: %w of %d bytes (WithMaxBodyBytes)", b.method, b.path, ErrBodyTooLarge, b.max)
		b.cancel(b.err)
		return n, b.err
	}
	if err != nil && err != io.EOF && errors.Is(context.Cause(b.ctx), errCauseBodyIdle) {
		err = errorf("%s %s: %w: no byte for %s (WithBodyIdleTimeout)", b.method, b.path, ErrBodyIdle, b.idle)
	}
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

func (b *boundedBody) Close() error {
	if b.timer != nil {
		b.timer.Stop()
	}
	err := b.rc.Close()
	b.cancel(nil)
	return err
}
