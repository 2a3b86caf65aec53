package otelmakeagents_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
	"github.com/makeagents/makeagents-go/otelmakeagents"
)

// A token passed by mistake as an agent id (Make's tokens are UUIDs, so it
// passes validation) is in the request's path: no span attribute, event or
// status of the exported span may carry it, a retry's included.
func TestSpanNeverCarriesTheToken(t *testing.T) {
	const token = "7d3c2b1a-0f9e-4d8c-b7a6-5e4f3a2b1c0d"
	fake := makeagentstest.NewServer(t, makeagentstest.WithToken(token))
	exporter := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	client, err := fake.Client(api.WithTeamID(1), otelmakeagents.WithTracing(otelmakeagents.WithTracerProvider(tp)))
	if err != nil {
		t.Fatal(err)
	}
	fake.FailNext(1, http.StatusServiceUnavailable, 0)
	if _, err := client.GetAgent(context.Background(), token); err == nil {
		t.Fatal("getting an agent named by the token succeeded")
	}
	spans := exporter.GetSpans().Snapshots()
	if len(spans) != 1 || len(spans[0].Events()) != 1 {
		t.Fatalf("%d spans, want one with one retry event", len(spans))
	}
	s := spans[0]
	texts := []string{s.Name(), s.Status().Description, fmt.Sprint(s.Attributes()), fmt.Sprint(s.Events())}
	for _, text := range texts {
		if strings.Contains(text, token) {
			t.Errorf("the span holds the token: %s", strings.ReplaceAll(text, token, "<TOKEN>"))
		}
	}
}
