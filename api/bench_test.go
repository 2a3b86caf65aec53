package api

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/time/rate"
)

// BenchmarkStack measures what New's pipeline (validation, headers, retry
// bookkeeping, bounds, classification; no logger) adds to a call, against
// the bare generated client, all over an in-memory doer so the network does
// not drown the difference; "front" is the same call through Client's
// typed method.
func BenchmarkStack(b *testing.B) {
	doer := rtDoer(func(r *http.Request) (*http.Response, error) {
		if r.Body != nil {
			_, _ = io.Copy(io.Discard, r.Body)
			_ = r.Body.Close()
		}
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(`{"id":"` + testAgent + `"}`)), Request: r}, nil
	})
	bare := NewUnvalidatedClient("https://eu1.make.com/api/v2", doer)
	stacked, err := New(WithoutEnvironment(), WithToken(testToken), WithTeamID(1), WithHTTPClient(doer))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []struct {
		name string
		c    *ClientWithResponses
	}{{"bare", bare}, {"stack", stacked.Generated()}} {
		b.Run("get/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.c.GetAgentWithResponse(ctx, testAgent, &GetAgentParams{TeamID: 1}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("run/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.c.RunAgentWithResponse(ctx, testAgent, &RunAgentParams{TeamID: 1}, runBody()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("get/front", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := stacked.GetAgent(ctx, testAgent); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("run/front", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := stacked.RunAgent(ctx, testAgent, runBody()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkHooks measures what the hooks cost per call: none set (the
// pipeline records no event and builds no middleware chain: compare with
// BenchmarkStack's run/front), a no-op middleware, a no-op call-event
// listener, and a rate limit that never waits (rate.Inf), over the same
// in-memory doer.
func BenchmarkHooks(b *testing.B) {
	doer := rtDoer(func(r *http.Request) (*http.Response, error) {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(`{"response":"hi","threadId":"t","executionSteps":[],"tokenUsageSummary":{"promptTokens":1,"completionTokens":2,"totalTokens":3}}`)), Request: r}, nil
	})
	ctx := context.Background()
	for _, c := range []struct {
		name string
		opts []Option
	}{
		{"none", nil},
		{"middleware", []Option{WithMiddleware(func(r *http.Request, next MiddlewareNext) (*http.Response, error) { return next(r) })}},
		{"events", []Option{WithCallEvents(func(context.Context, *CallEvent) {})}},
		{"ratelimit", []Option{WithRateLimiter(rate.NewLimiter(rate.Inf, 1))}},
	} {
		client, err := New(append([]Option{WithoutEnvironment(), WithToken(testToken), WithTeamID(1), WithHTTPClient(doer)}, c.opts...)...)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("run/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := client.RunAgent(ctx, testAgent, runBody()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
