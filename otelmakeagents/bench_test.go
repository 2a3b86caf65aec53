package otelmakeagents_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/otelmakeagents"
)

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// BenchmarkTracing measures what a span per call costs on a run: without
// tracing, with a no-op TracerProvider, and with the SDK recording into
// memory (the cost of the SDK itself, before any exporter's network),
// over an in-memory doer so the network does not drown the difference.
func BenchmarkTracing(b *testing.B) {
	doer := doerFunc(func(r *http.Request) (*http.Response, error) {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(`{"response":"hi","threadId":"t","executionSteps":[],"tokenUsageSummary":{"promptTokens":1,"completionTokens":2,"totalTokens":3}}`)), Request: r}, nil
	})
	sdk := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(tracetest.NewNoopExporter())))
	b.Cleanup(func() { _ = sdk.Shutdown(context.Background()) })
	ctx := context.Background()
	body := api.NewRunRequest("hello")
	for _, c := range []struct {
		name string
		opts []api.Option
	}{
		{"none", nil},
		{"noop", []api.Option{otelmakeagents.WithTracing(otelmakeagents.WithTracerProvider(noop.NewTracerProvider()))}},
		{"sdk", []api.Option{otelmakeagents.WithTracing(otelmakeagents.WithTracerProvider(sdk))}},
	} {
		client, err := api.New(append([]api.Option{api.WithoutEnvironment(), api.WithToken("t"), api.WithTeamID(1), api.WithHTTPClient(doer)}, c.opts...)...)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("run/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := client.RunAgent(ctx, "3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
