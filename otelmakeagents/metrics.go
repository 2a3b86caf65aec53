package otelmakeagents

import (
	"context"
	"net"
	"strconv"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/makeagents/makeagents-go/api"
)

// WithMeterProvider records the metrics with mp instead of the global
// provider (otel.GetMeterProvider at the time WithMetrics is called).
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) {
		if mp != nil {
			c.meters = mp
		}
	}
}

// Bucket boundaries the GenAI conventions advise: seconds for a call's
// duration (runs take seconds to minutes), tokens for usage.
var (
	durationBuckets = []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92}
	tokenBuckets    = []float64{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864}
)

// WithMetrics is an api.Option that records, for every call of the client,
// the metrics of OpenTelemetry's GenAI conventions a dashboard is built on:
//
//   - gen_ai.client.operation.duration (histogram, s): every call, with
//     gen_ai.operation.name, gen_ai.provider.name, server.address,
//     server.port, http.response.status_code and, when it failed,
//     error.type (as on the spans);
//   - gen_ai.client.token.usage (histogram, {token}): a run's input and
//     output tokens, told apart by gen_ai.token.type (input, output);
//   - makeagents.client.retries (counter, {retry}): retries, by
//     makeagents.retry.reason (rate_limited, status, connection);
//   - makeagents.client.rate_limit.wait (histogram, s): the time calls
//     waited for the rate limit or a 429's pause, when they waited.
//
// A meter provider that cannot make one of these instruments does not stop
// the client: the error goes to OpenTelemetry's error handler (otel.Handle)
// and that instrument records nothing.
func WithMetrics(opts ...Option) api.Option {
	c := config{}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.meters == nil {
		c.meters = otel.GetMeterProvider()
	}
	m := c.meters.Meter(ScopeName, metric.WithInstrumentationVersion(api.Version))
	r := &recorder{
		duration: instrument[metric.Float64Histogram](noop.Float64Histogram{})(m.Float64Histogram("gen_ai.client.operation.duration", metric.WithUnit("s"),
			metric.WithDescription("Duration of a call to Make's AI Agents API, retries and waits included."),
			metric.WithExplicitBucketBoundaries(durationBuckets...))),
		tokens: instrument[metric.Int64Histogram](noop.Int64Histogram{})(m.Int64Histogram("gen_ai.client.token.usage", metric.WithUnit("{token}"),
			metric.WithDescription("Tokens used by a run, by gen_ai.token.type."),
			metric.WithExplicitBucketBoundaries(tokenBuckets...))),
		retries: instrument[metric.Int64Counter](noop.Int64Counter{})(m.Int64Counter("makeagents.client.retries", metric.WithUnit("{retry}"),
			metric.WithDescription("Retries of calls to Make's AI Agents API, by reason."))),
		waits: instrument[metric.Float64Histogram](noop.Float64Histogram{})(m.Float64Histogram("makeagents.client.rate_limit.wait", metric.WithUnit("s"),
			metric.WithDescription("Time a call waited for the client's rate limit or a 429's pause."),
			metric.WithExplicitBucketBoundaries(durationBuckets...))),
	}
	return api.WithCallEvents(r.record)
}

// instrument keeps what a meter made, or, when it failed, reports the error
// to OpenTelemetry's handler and records nothing through fallback: a
// custom MeterProvider's refusal is no reason to break the caller's client.
func instrument[T any](fallback T) func(v T, err error) T {
	return func(v T, err error) T {
		if err != nil {
			otel.Handle(err)
			return fallback
		}
		return v
	}
}

type recorder struct {
	duration metric.Float64Histogram
	tokens   metric.Int64Histogram
	retries  metric.Int64Counter
	waits    metric.Float64Histogram
}

func (r *recorder) record(ctx context.Context, e *api.CallEvent) {
	opName, _ := operationName(e)
	base := []attribute.KeyValue{
		attribute.String("gen_ai.operation.name", opName),
		attribute.String("gen_ai.provider.name", ProviderName),
	}
	if host, port, err := net.SplitHostPort(e.Server); err == nil {
		base = append(base, attribute.String("server.address", host))
		if p, err := strconv.Atoi(port); err == nil {
			base = append(base, attribute.Int("server.port", p))
		}
	}
	call := base
	if e.Status != 0 {
		call = append(call, attribute.Int("http.response.status_code", e.Status))
	}
	if e.Err != nil {
		call = append(call, attribute.String("error.type", errorType(e.Err)))
	}
	r.duration.Record(ctx, e.Duration.Seconds(), metric.WithAttributes(call...))
	if e.RateLimitWait > 0 {
		r.waits.Record(ctx, e.RateLimitWait.Seconds(), metric.WithAttributes(base...))
	}
	for _, rt := range e.Retries {
		r.retries.Add(ctx, 1, metric.WithAttributes(append(base[:len(base):len(base)], attribute.String("makeagents.retry.reason", rt.Reason))...))
	}
	if u := e.Usage; u != nil {
		r.tokens.Record(ctx, u.PromptTokens, metric.WithAttributes(append(base[:len(base):len(base)], attribute.String("gen_ai.token.type", "input"))...))
		r.tokens.Record(ctx, u.CompletionTokens, metric.WithAttributes(append(base[:len(base):len(base)], attribute.String("gen_ai.token.type", "output"))...))
	}
}
