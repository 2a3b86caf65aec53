package api

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"time"
)

// RetryPolicy says how often and how patiently New's client retries. It only
// ever retries where repeating cannot do harm:
//
//   - every method, when the request provably never reached Make (the
//     connection could not be dialled: refused, unreachable, dial timeout),
//     and on 429 (Make rejected the request unprocessed);
//   - GET and DELETE also on 408, 500, 502, 503, 504 and on connection
//     errors after the request was sent (reset, EOF, header timeout).
//
// A POST (create, run, run/stream) or PATCH that may have reached Make is
// never sent again: not after a 5xx, not after a dropped connection. The
// caller gets the error and decides.
//
// The wait before retry n is BaseDelay*2^(n-1) with ±20% jitter, at most
// MaxDelay. A Retry-After header (seconds or HTTP-date) replaces that wait;
// if it asks for more than MaxRetryAfter the client does not retry and
// returns the *APIError (its RetryAfter says how long Make wants). Context
// cancellation aborts any wait. Zero delays take the defaults below.
type RetryPolicy struct {
	// MaxRetries is the number of retries after the first attempt; 0
	// disables retrying.
	MaxRetries int
	// BaseDelay is the wait before the first retry (default 500ms).
	BaseDelay time.Duration
	// MaxDelay caps the exponential backoff (default 8s).
	MaxDelay time.Duration
	// MaxRetryAfter is the longest Retry-After the client waits for
	// (default 60s: Make's rate-limit window is one minute).
	MaxRetryAfter time.Duration
}

// Defaults of RetryPolicy's zero-valued delays.
const (
	DefaultBaseDelay     = 500 * time.Millisecond
	DefaultMaxDelay      = 8 * time.Second
	DefaultMaxRetryAfter = 60 * time.Second
)

// defaultRetryPolicy is what New uses without WithRetry. It is a constant in
// spirit; DefaultRetryPolicy returns a copy.
var defaultRetryPolicy = RetryPolicy{
	MaxRetries:    2,
	BaseDelay:     DefaultBaseDelay,
	MaxDelay:      DefaultMaxDelay,
	MaxRetryAfter: DefaultMaxRetryAfter,
}

// DefaultRetryPolicy returns the policy New uses without WithRetry: 2
// retries, 0.5 s doubling, capped at 8 s, Retry-After honoured up to 60 s.
// Adjust the copy and pass it to WithRetry. (It is a function, not a
// variable, because assigning to a variable could not change New's default.)
func DefaultRetryPolicy() RetryPolicy { return defaultRetryPolicy }

// withDefaults fills zero delays.
func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.BaseDelay == 0 {
		p.BaseDelay = DefaultBaseDelay
	}
	if p.MaxDelay == 0 {
		p.MaxDelay = DefaultMaxDelay
	}
	if p.MaxRetryAfter == 0 {
		p.MaxRetryAfter = DefaultMaxRetryAfter
	}
	return p
}

// backoff is the wait before retry n (n >= 1); r in [0,1) is the jitter.
func (p RetryPolicy) backoff(n int, r float64) time.Duration {
	d := p.BaseDelay
	for i := 1; i < n && d < p.MaxDelay; i++ {
		d *= 2
	}
	d = time.Duration(float64(d) * (0.8 + 0.4*r))
	return min(d, p.MaxDelay)
}

// deletedResponse stands for the 204 an earlier DELETE attempt got from
// Make but could not deliver: its retry found the resource gone.
func deletedResponse(notFound *http.Response) *http.Response {
	return &http.Response{
		Status:     "204 No Content",
		StatusCode: http.StatusNoContent,
		Proto:      notFound.Proto,
		ProtoMajor: notFound.ProtoMajor,
		ProtoMinor: notFound.ProtoMinor,
		Header:     http.Header{},
		Body:       http.NoBody,
		Request:    notFound.Request,
	}
}

// makeReplayable makes sure every attempt can send the same body: requests
// built by the generated code already have GetBody; others are buffered up
// to maxBufferedBody. It reports false when the body is too large to hold,
// in which case the request is sent once, streaming, and never retried (an
// upload never gets here: the pipeline knows it is streamed).
func makeReplayable(r *http.Request) bool {
	if r.Body == nil || r.Body == http.NoBody || r.GetBody != nil {
		return true
	}
	orig := r.Body
	b, err := io.ReadAll(io.LimitReader(orig, maxBufferedBody+1))
	if err != nil || len(b) > maxBufferedBody {
		// Send what was read followed by the rest, exactly once; a read
		// error resurfaces when the transport reads the body.
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(b), errReader{err}, orig), orig}
		return false
	}
	_ = orig.Close()
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	r.ContentLength = int64(len(b))
	return true
}

// errReader returns err (or EOF when nil) on every read.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	return 0, io.EOF
}

// retryableStatus: 429 means Make did not process the request, whatever the
// method; the others may mean it did, so only idempotent methods repeat.
func retryableStatus(method string, status int) bool {
	if status == http.StatusTooManyRequests {
		return true
	}
	if !idempotent(method) {
		return false
	}
	switch status {
	case http.StatusRequestTimeout, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

func idempotent(method string) bool {
	return method == http.MethodGet || method == http.MethodDelete || method == http.MethodHead
}

// retryableTransportError classifies an error from the HTTP client. The
// caller has already ruled out its own context ending; net/http's header
// timeout also matches context.DeadlineExceeded, so errors.Is on the error
// cannot tell them apart.
func retryableTransportError(method string, err error, gotConn bool) bool {
	if permanentError(err) {
		return false
	}
	if idempotent(method) {
		return true
	}
	return neverSent(err, gotConn)
}

// neverSent reports whether the request provably never reached the server:
// no connection was handed to it and the error comes from dialling (or from
// the proxy CONNECT), which happens before a byte of the request is written.
// Both are required, so a doer that hides the trace still cannot make a POST
// look unsent.
func neverSent(err error, gotConn bool) bool {
	if gotConn {
		return false
	}
	var op *net.OpError
	return errors.As(err, &op) && (op.Op == "dial" || op.Op == "proxyconnect")
}

// permanentError: retrying cannot help (bad certificate, unknown host).
func permanentError(err error) bool {
	var (
		certErr     *tls.CertificateVerificationError
		unknownAuth x509.UnknownAuthorityError
		hostErr     x509.HostnameError
		invalidErr  x509.CertificateInvalidError
		dnsErr      *net.DNSError
	)
	switch {
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr), errors.As(err, &invalidErr):
		return true
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return true
	}
	return false
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func defaultJitter() float64 { return rand.Float64() }
