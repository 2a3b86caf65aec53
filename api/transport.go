package api

import (
	"net"
	"net/http"
	"time"
)

// Dial and TLS bounds of the default transport: a zone that does not answer
// the handshake within these is down, and failing fast lets the pipeline
// (which retries dial failures for every method) try again.
const (
	DefaultDialTimeout         = 30 * time.Second
	DefaultTLSHandshakeTimeout = 10 * time.Second
)

// newDefaultHTTPClient is the HTTP client at the bottom of the pipeline. It
// has no Timeout: a whole-request timeout would cut long runs and streams.
// Bounds are per phase instead (dial and TLS here; the response headers and
// body in the pipeline, whatever the client), plus the caller's context.
func newDefaultHTTPClient() *http.Client {
	return &http.Client{Transport: DefaultTransport(), CheckRedirect: noRedirects}
}

// DefaultTransport returns a new transport with the bounds New uses by
// default (DefaultDialTimeout, DefaultTLSHandshakeTimeout, proxies from the
// environment). Wrap it when you bring your own client with WithHTTPClient
// (middleware, recording). The header timeouts (WithHeaderTimeout,
// WithRunHeaderTimeout) are the pipeline's, so they hold for any client.
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
	}
}
