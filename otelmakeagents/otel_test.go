package otelmakeagents_test

import (
	"context"
	"net/http"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
	"github.com/makeagents/makeagents-go/otelmakeagents"
	"github.com/makeagents/makeagents-go/sse"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		m[kv.Key] = kv.Value
	}
	return m
}

// One span per call, after the GenAI and HTTP conventions: a create, a run
// retried after a 429 (its token usage, one event for the retry), a stream,
// a list retried after a 503, and a failed get; each a child of the
// caller's span.
func TestOneSpanPerCall(t *testing.T) {
	fake := makeagentstest.NewServer(t)
	exporter := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	client, err := fake.Client(api.WithTeamID(1), otelmakeagents.WithTracing(otelmakeagents.WithTracerProvider(tp)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, parent := tp.Tracer("test").Start(context.Background(), "caller")

	created, err := client.CreateAgent(ctx, api.CreateAgentRequest{Name: "traced", SystemPrompt: "p",
		MakeConnectionID: fake.ConnectionID(1), DefaultModel: "gpt-4o"})
	if err != nil {
		t.Fatal(err)
	}
	fake.FailNext(1, http.StatusTooManyRequests, 0)
	res, err := client.RunAgent(ctx, created.ID, api.NewRunRequest("hello"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := sse.Run(ctx, client, created.ID, api.NewRunRequest("stream it"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sse.Collect(st); err != nil {
		t.Fatal(err)
	}
	_ = st.Close()
	fake.FailNext(1, http.StatusServiceUnavailable, 0)
	if _, err := client.ListAgents(ctx); err != nil {
		t.Fatal(err)
	}
	_, getErr := client.GetAgent(ctx, "00000000-0000-4000-8000-000000000000")
	if getErr == nil {
		t.Fatal("getting an agent that does not exist succeeded")
	}
	parent.End()

	spans := exporter.GetSpans().Snapshots()
	if len(spans) != 6 {
		for _, s := range spans {
			t.Log(s.Name(), s.Attributes())
		}
		t.Fatalf("%d spans, want 5 calls and the caller's", len(spans))
	}
	byName := map[string][]sdktrace.ReadOnlySpan{}
	for _, s := range spans[:5] {
		byName[s.Name()] = append(byName[s.Name()], s)
		if s.Parent().SpanID() != parent.SpanContext().SpanID() || s.SpanKind() != trace.SpanKindClient {
			t.Errorf("span %q: parent %v kind %v, want the caller's span and client", s.Name(), s.Parent().SpanID(), s.SpanKind())
		}
		a := attrs(s)
		if a["gen_ai.provider.name"].AsString() != "make" || a["server.address"].AsString() != "127.0.0.1" || a["server.port"].AsInt64() == 0 {
			t.Errorf("span %q: provider %v server %v:%v", s.Name(), a["gen_ai.provider.name"], a["server.address"], a["server.port"])
		}
		if !s.EndTime().After(s.StartTime()) {
			t.Errorf("span %q: start %v end %v", s.Name(), s.StartTime(), s.EndTime())
		}
	}
	retries := func(s sdktrace.ReadOnlySpan) []sdktrace.Event {
		var out []sdktrace.Event
		for _, e := range s.Events() {
			if e.Name == "makeagents.retry" {
				out = append(out, e)
			}
		}
		return out
	}

	if got := byName["create_agent"]; len(got) != 1 || attrs(got[0])["gen_ai.agent.id"].AsString() != created.ID ||
		attrs(got[0])["http.response.status_code"].AsInt64() != 201 || attrs(got[0])["gen_ai.operation.name"].AsString() != "create_agent" {
		t.Errorf("create span: %+v", got)
	}

	invokes := byName["invoke_agent"]
	if len(invokes) != 2 {
		t.Fatalf("%d invoke_agent spans, want the run and the stream", len(invokes))
	}
	run, stream := invokes[0], invokes[1]
	if attrs(run)["makeagents.operation.id"].AsString() != "runAgent" {
		run, stream = stream, run
	}
	a := attrs(run)
	u := res.TokenUsageSummary
	if a["gen_ai.operation.name"].AsString() != "invoke_agent" || a["gen_ai.agent.id"].AsString() != created.ID ||
		a["gen_ai.usage.input_tokens"].AsInt64() != u.PromptTokens || a["gen_ai.usage.output_tokens"].AsInt64() != u.CompletionTokens ||
		u.PromptTokens == 0 || a["gen_ai.conversation.id"].AsString() != res.ThreadID ||
		a["http.response.status_code"].AsInt64() != 200 || a["http.request.resend_count"].AsInt64() != 1 || a["makeagents.attempts"].AsInt64() != 2 {
		t.Errorf("run span attributes: %v (usage %d/%d)", run.Attributes(), u.PromptTokens, u.CompletionTokens)
	}
	if ev := retries(run); len(ev) != 1 {
		t.Errorf("run span: %d retry events, want 1", len(ev))
	} else {
		ea := map[attribute.Key]attribute.Value{}
		for _, kv := range ev[0].Attributes {
			ea[kv.Key] = kv.Value
		}
		if ea["makeagents.retry.reason"].AsString() != "rate_limited" || ea["http.response.status_code"].AsInt64() != 429 || ea["makeagents.retry.attempt"].AsInt64() != 1 {
			t.Errorf("retry event: %v", ev[0].Attributes)
		}
	}
	if a := attrs(stream); a["makeagents.operation.id"].AsString() != "runAgentStream" || a["gen_ai.agent.id"].AsString() != created.ID || len(retries(stream)) != 0 {
		t.Errorf("stream span: %v", stream.Attributes())
	}

	if got := byName["GET /ai-agents/v1/agents"]; len(got) != 1 || len(retries(got[0])) != 1 || attrs(got[0])["http.response.status_code"].AsInt64() != 200 {
		t.Errorf("list span (one retry after a 503): %+v", got)
	}
	get := byName["GET /ai-agents/v1/agents/{agentId}"]
	if len(get) != 1 {
		t.Fatalf("get spans: %d", len(get))
	}
	if a := attrs(get[0]); a["error.type"].AsString() != "404" || a["http.response.status_code"].AsInt64() != 404 ||
		get[0].Status().Code != codes.Error || get[0].Status().Description != getErr.Error() {
		t.Errorf("failed get: attributes %v status %+v", get[0].Attributes(), get[0].Status())
	}
}
