package otelmakeagents_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
	"github.com/makeagents/makeagents-go/otelmakeagents"
)

// The metrics a dashboard needs: each call's duration by operation and
// status, a run's tokens by type, retries by reason.
func TestMetrics(t *testing.T) {
	fake := makeagentstest.NewServer(t)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	client, err := fake.Client(api.WithTeamID(1), otelmakeagents.WithMetrics(otelmakeagents.WithMeterProvider(mp)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	created, err := client.CreateAgent(ctx, api.CreateAgentRequest{Name: "metered", SystemPrompt: "p",
		MakeConnectionID: fake.ConnectionID(1), DefaultModel: "gpt-4o"})
	if err != nil {
		t.Fatal(err)
	}
	var usage api.TokenUsage
	for range 3 {
		res, err := client.RunAgent(ctx, created.ID, api.NewRunRequest("hello"))
		if err != nil {
			t.Fatal(err)
		}
		usage = usage.Add(res.TokenUsageSummary)
	}
	fake.FailNext(1, http.StatusTooManyRequests, 0)
	if _, err := client.ListAgents(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := client.GetAgent(ctx, "00000000-0000-4000-8000-000000000000"); err == nil {
		t.Fatal("a missing agent was found")
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]metricdata.Aggregation{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			got[m.Name] = m.Data
		}
	}
	durations, ok := got["gen_ai.client.operation.duration"].(metricdata.Histogram[float64])
	if !ok {
		t.Fatalf("no duration histogram: %v", got)
	}
	counts := map[string]uint64{}
	for _, dp := range durations.DataPoints {
		op, _ := dp.Attributes.Value("gen_ai.operation.name")
		status, _ := dp.Attributes.Value("http.response.status_code")
		errType, _ := dp.Attributes.Value("error.type")
		counts[op.AsString()+" "+status.String()+" "+errType.AsString()] += dp.Count
	}
	want := map[string]uint64{"create_agent 201 ": 1, "invoke_agent 200 ": 3, "listAgents 200 ": 1, "getAgent 404 404": 1}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("durations %q: %d, want %d (all: %v)", k, counts[k], n, counts)
		}
	}
	tokens, ok := got["gen_ai.client.token.usage"].(metricdata.Histogram[int64])
	if !ok {
		t.Fatalf("no token histogram: %v", got)
	}
	sums := map[string]int64{}
	for _, dp := range tokens.DataPoints {
		typ, _ := dp.Attributes.Value("gen_ai.token.type")
		sums[typ.AsString()] += dp.Sum
		if dp.Count != 3 {
			t.Errorf("%s tokens recorded %d times, want once per run", typ.AsString(), dp.Count)
		}
	}
	if sums["input"] != usage.PromptTokens || sums["output"] != usage.CompletionTokens || usage.PromptTokens == 0 {
		t.Errorf("token sums %v, want input %d output %d", sums, usage.PromptTokens, usage.CompletionTokens)
	}
	retries, ok := got["makeagents.client.retries"].(metricdata.Sum[int64])
	if !ok || len(retries.DataPoints) != 1 || retries.DataPoints[0].Value != 1 ||
		!retries.DataPoints[0].Attributes.HasValue("makeagents.retry.reason") {
		t.Errorf("retries: %+v", got["makeagents.client.retries"])
	} else if v, _ := retries.DataPoints[0].Attributes.Value(attribute.Key("makeagents.retry.reason")); v.AsString() != "rate_limited" {
		t.Errorf("retry reason %q", v.AsString())
	}
}

// refusingMeter is a custom MeterProvider whose meter refuses every
// instrument, with the nil instruments a careless implementation returns.
type refusingMeter struct{ noop.Meter }

func (refusingMeter) Float64Histogram(string, ...metric.Float64HistogramOption) (metric.Float64Histogram, error) {
	return nil, errors.New("refused")
}
func (refusingMeter) Int64Histogram(string, ...metric.Int64HistogramOption) (metric.Int64Histogram, error) {
	return nil, errors.New("refused")
}
func (refusingMeter) Int64Counter(string, ...metric.Int64CounterOption) (metric.Int64Counter, error) {
	return nil, errors.New("refused")
}

type refusingProvider struct{ noop.MeterProvider }

func (refusingProvider) Meter(string, ...metric.MeterOption) metric.Meter { return refusingMeter{} }

// A MeterProvider that cannot make the instruments neither panics nor
// breaks the client: the errors go to OpenTelemetry's handler and calls,
// runs and retries go on unrecorded.
func TestMetricsWithARefusingMeterProvider(t *testing.T) {
	var handled []error
	previous := otel.GetErrorHandler()
	t.Cleanup(func() { otel.SetErrorHandler(previous) })
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { handled = append(handled, err) }))
	fake := makeagentstest.NewServer(t)
	client, err := fake.Client(api.WithTeamID(1), otelmakeagents.WithMetrics(otelmakeagents.WithMeterProvider(refusingProvider{})))
	if err != nil {
		t.Fatal(err)
	}
	if len(handled) != 4 {
		t.Errorf("%d errors handed to otel.Handle, want one per instrument (4): %v", len(handled), handled)
	}
	ctx := context.Background()
	created, err := client.CreateAgent(ctx, api.CreateAgentRequest{Name: "unmetered", SystemPrompt: "p",
		MakeConnectionID: fake.ConnectionID(1), DefaultModel: "gpt-4o"})
	if err != nil {
		t.Fatal(err)
	}
	fake.FailNext(1, http.StatusTooManyRequests, 0)
	if _, err := client.RunAgent(ctx, created.ID, api.NewRunRequest("hello")); err != nil {
		t.Fatal(err)
	}
}
