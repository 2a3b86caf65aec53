package api

import (
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/makeagents/makeagents-go/internal/redact"
)

// DefaultResponseHeaderTimeout is how long the default transport waits for
// the response headers after sending a request. A non-streaming run answers
// only when the agent is done: its LLM calls plus any scenario tools, and a
// single Make scenario step may itself run for up to 600 s (callers in the
// wild set 240 s "for large generations"). Ten minutes covers that with room
// to spare and still frees a connection a dead server holds forever. A
// stream sends its headers before the first event, so the timeout never cuts
// a stream once it flows. Use a context deadline for a tighter bound per call.
const DefaultResponseHeaderTimeout = 10 * time.Minute

// Dial and TLS bounds of the default transport: a zone that does not answer
// the handshake within these is down, and failing fast lets the retry layer
// (which retries dial failures for every method) try again.
const (
	DefaultDialTimeout         = 30 * time.Second
	DefaultTLSHandshakeTimeout = 10 * time.Second
)

// newDefaultHTTPClient is the HTTP client at the bottom of New's stack. It
// has no Timeout: a whole-request timeout would cut long runs and streams.
// Bounds are per phase instead (dial, TLS, response headers), plus the
// caller's context.
func newDefaultHTTPClient() *http.Client {
	return &http.Client{Transport: DefaultTransport(), CheckRedirect: noRedirects}
}

// DefaultTransport returns a new transport with the bounds New uses by
// default (DefaultDialTimeout, DefaultTLSHandshakeTimeout,
// DefaultResponseHeaderTimeout, proxies from the environment). Wrap it when
// you bring your own client with WithHTTPClient (middleware, recording) and
// want to keep those bounds.
func DefaultTransport() *http.Transport {
	dialer := &net.Dialer{Timeout: DefaultDialTimeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   DefaultTLSHandshakeTimeout,
		ExpectContinueTimeout: 1 * time.Second,
		ResponseHeaderTimeout: DefaultResponseHeaderTimeout,
	}
}

// buildStack assembles New's doers, outermost first:
// validation → headers (auth, User-Agent) → retry + *APIError → logging →
// bounds (header timeout, body size and idle, redaction) → bottom.
func buildStack(s *settings, base *url.URL, bottom HttpRequestDoer) HttpRequestDoer {
	red := redact.New(s.token)
	now := s.now
	if now == nil {
		now = time.Now
	}
	sleep := s.sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	jitter := s.jitter
	if jitter == nil {
		jitter = defaultJitter
	}

	var doer HttpRequestDoer = &boundDoer{
		next:             withoutRedirects(bottom),
		basePath:         base.EscapedPath(),
		red:              red,
		maxBody:          s.maxBody,
		bodyIdle:         s.bodyIdle,
		headerTimeout:    s.headerTimeout,
		runHeaderTimeout: s.runHeaderTimeout,
	}
	if s.logger != nil {
		doer = &logDoer{next: doer, logger: s.logger, logBodies: s.logBodies, red: red, now: now}
	}
	// validateDoer hands a private copy of each request down: the layers
	// below it change that copy instead of making their own.
	doer = &retryDoer{next: doer, policy: s.retry.withDefaults(), red: red, sleep: sleep, jitter: jitter, now: now, basePath: base.EscapedPath(), owned: true}
	h := &headerDoer{next: doer, userAgent: DefaultUserAgent, owned: true}
	if s.userAgent != "" {
		h.userAgent = s.userAgent
	}
	if s.token != "" {
		h.authorization = s.authScheme + " " + s.token
	}
	return &validateDoer{next: h, basePath: base.EscapedPath(), teamID: s.teamID}
}
