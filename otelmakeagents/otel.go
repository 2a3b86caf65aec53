// Package otelmakeagents records the calls of an api.Client with
// OpenTelemetry: one span per call, named and described after
// OpenTelemetry's GenAI and HTTP semantic conventions, with one span event
// per retry (WithTracing), and the GenAI client metrics: call duration and
// token usage, plus retries and rate-limit waits (WithMetrics).
//
//	client, err := api.New(otelmakeagents.WithTracing(), otelmakeagents.WithMetrics())
//	res, err := client.RunAgent(ctx, agentID, api.NewRunRequest("hi")) // one "invoke_agent" span, a child of ctx's
//
// It stands above package api and is its own package so that a program
// that does not import it has no OpenTelemetry module in its build.
//
// A span is recorded when its call ends (api.WithCallEvents), with the
// call's real start and end times and the caller's context as its parent:
//
//   - name: "invoke_agent" for a run or a stream, "create_agent" for a
//     create, else the HTTP method and route ("GET /ai-agents/v1/agents");
//     kind client.
//   - gen_ai.operation.name (invoke_agent, create_agent, or the operation
//     id for Make's other operations), gen_ai.provider.name ("make"),
//     gen_ai.agent.id, gen_ai.conversation.id (a run's thread),
//     gen_ai.usage.input_tokens and gen_ai.usage.output_tokens (a run's
//     usage; a stream's is not known to the client).
//   - http.request.method, url.template, http.response.status_code,
//     http.request.resend_count (retries), server.address, server.port,
//     error.type (the HTTP status of an API error, or one of validation,
//     unexpected_response, timeout, canceled, no_token, body_too_large,
//     redirect, _OTHER) and an error status with the error's text, which
//     never holds the token.
//   - makeagents.operation.id, makeagents.team.id, makeagents.attempts,
//     makeagents.rate_limit.wait (seconds spent waiting for the rate
//     limit or a 429's pause).
//   - one "makeagents.retry" event per retry, at the time the attempt
//     failed: makeagents.retry.attempt, makeagents.retry.reason
//     (rate_limited, status, connection), http.response.status_code,
//     makeagents.retry.wait (seconds).
//
// Request and response bodies, headers and messages are never recorded.
package otelmakeagents

import (
	"context"
	"errors"
	"net"
	"strconv"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/makeagents/makeagents-go/api"
)

// ScopeName is the instrumentation scope of the spans.
const ScopeName = "github.com/makeagents/makeagents-go/otelmakeagents"

// ProviderName is the gen_ai.provider.name of every span: the client
// speaks to Make, whatever model the agent's connection uses.
const ProviderName = "make"

// Option configures WithTracing and WithMetrics.
type Option func(*config)

type config struct {
	provider trace.TracerProvider
	meters   metric.MeterProvider
}

// WithTracerProvider records the spans with tp instead of the global
// provider (otel.GetTracerProvider at the time WithTracing is called).
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) {
		if tp != nil {
			c.provider = tp
		}
	}
}

// WithTracing is an api.Option that records one span per call of the
// client (see the package documentation).
func WithTracing(opts ...Option) api.Option {
	c := config{}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.provider == nil {
		c.provider = otel.GetTracerProvider()
	}
	tracer := c.provider.Tracer(ScopeName, trace.WithInstrumentationVersion(api.Version))
	return api.WithCallEvents(func(ctx context.Context, e *api.CallEvent) { record(ctx, tracer, e) })
}

// record turns one call's event into its span.
func record(ctx context.Context, tracer trace.Tracer, e *api.CallEvent) {
	opName, spanName := operationName(e)
	attrs := make([]attribute.KeyValue, 0, 20)
	attrs = append(attrs,
		attribute.String("gen_ai.operation.name", opName),
		attribute.String("gen_ai.provider.name", ProviderName),
		attribute.String("http.request.method", e.Method),
		attribute.String("url.template", e.Route),
		attribute.String("makeagents.operation.id", string(e.Operation)),
		attribute.Int("makeagents.attempts", e.Attempts),
	)
	if host, port, err := net.SplitHostPort(e.Server); err == nil {
		attrs = append(attrs, attribute.String("server.address", host))
		if p, err := strconv.Atoi(port); err == nil {
			attrs = append(attrs, attribute.Int("server.port", p))
		}
	}
	if e.AgentID != "" {
		attrs = append(attrs, attribute.String("gen_ai.agent.id", e.AgentID))
	}
	if e.ThreadID != "" {
		attrs = append(attrs, attribute.String("gen_ai.conversation.id", e.ThreadID))
	}
	if e.TeamID != 0 {
		attrs = append(attrs, attribute.Int64("makeagents.team.id", e.TeamID))
	}
	if e.Status != 0 {
		attrs = append(attrs, attribute.Int("http.response.status_code", e.Status))
	}
	if e.Attempts > 1 {
		attrs = append(attrs, attribute.Int("http.request.resend_count", e.Attempts-1))
	}
	if e.RateLimitWait > 0 {
		attrs = append(attrs, attribute.Float64("makeagents.rate_limit.wait", e.RateLimitWait.Seconds()))
	}
	if u := e.Usage; u != nil {
		attrs = append(attrs,
			attribute.Int64("gen_ai.usage.input_tokens", u.PromptTokens),
			attribute.Int64("gen_ai.usage.output_tokens", u.CompletionTokens))
	}
	if e.Err != nil {
		attrs = append(attrs, attribute.String("error.type", errorType(e.Err)))
	}
	_, span := tracer.Start(ctx, spanName, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithTimestamp(e.Start), trace.WithAttributes(attrs...))
	for _, r := range e.Retries {
		ev := []attribute.KeyValue{
			attribute.Int("makeagents.retry.attempt", r.Attempt),
			attribute.String("makeagents.retry.reason", r.Reason),
			attribute.Float64("makeagents.retry.wait", r.Wait.Seconds()),
		}
		if r.Status != 0 {
			ev = append(ev, attribute.Int("http.response.status_code", r.Status))
		}
		span.AddEvent("makeagents.retry", trace.WithTimestamp(r.At), trace.WithAttributes(ev...))
	}
	if e.Err != nil {
		span.SetStatus(codes.Error, e.Err.Error())
	}
	span.End(trace.WithTimestamp(e.Start.Add(e.Duration)))
}

// operationName is a call's gen_ai.operation.name and span name: the
// conventions' names where one applies, else Make's operation id and the
// HTTP convention's "{method} {route}".
func operationName(e *api.CallEvent) (op, span string) {
	switch e.Operation {
	case api.OpRunAgent, api.OpRunAgentStream:
		return "invoke_agent", "invoke_agent"
	case api.OpCreateAgent:
		return "create_agent", "create_agent"
	}
	if e.Operation == "" {
		return "_OTHER", e.Method
	}
	return string(e.Operation), e.Method + " " + e.Route
}

// errorType is a low-cardinality name of what ended a call, for
// error.type: the HTTP status of an API error, else the kind of failure.
func errorType(err error) string {
	var (
		apiErr *api.APIError
		valErr *api.ValidationError
		unexp  *api.UnexpectedResponseError
	)
	switch {
	case errors.As(err, &apiErr):
		return strconv.Itoa(apiErr.StatusCode)
	case errors.As(err, &valErr):
		return "validation"
	case errors.As(err, &unexp):
		return "unexpected_response"
	case errors.Is(err, api.ErrNoToken):
		return "no_token"
	case errors.Is(err, api.ErrHeaderTimeout), errors.Is(err, api.ErrBodyIdle), errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, api.ErrBodyTooLarge):
		return "body_too_large"
	case errors.Is(err, api.ErrRedirect):
		return "redirect"
	}
	return "_OTHER"
}
