package otelmakeagents_test

import (
	"context"
	"fmt"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
	"github.com/makeagents/makeagents-go/otelmakeagents"
)

// ExampleWithTracing records a run as an invoke_agent span. In a program,
// WithTracing() alone uses the global TracerProvider your exporter set up.
func ExampleWithTracing() {
	exporter := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	defer func() { _ = tp.Shutdown(context.Background()) }()

	fake, err := makeagentstest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer fake.Close()
	client, err := fake.Client(api.WithTeamID(1), otelmakeagents.WithTracing(otelmakeagents.WithTracerProvider(tp)))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	agent, err := client.CreateAgent(ctx, api.CreateAgentRequest{Name: "Helper", SystemPrompt: "Be brief.",
		MakeConnectionID: fake.ConnectionID(1), DefaultModel: "gpt-4o"})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := client.RunAgent(ctx, agent.ID, api.NewRunRequest("Hello")); err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range exporter.GetSpans() {
		fmt.Print(s.Name)
		for _, kv := range s.Attributes {
			switch kv.Key {
			case "gen_ai.operation.name", "http.response.status_code", "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens":
				fmt.Printf(" %s=%s", kv.Key, kv.Value.String())
			}
		}
		fmt.Println()
	}
	// Output:
	// create_agent gen_ai.operation.name=create_agent http.response.status_code=201
	// invoke_agent gen_ai.operation.name=invoke_agent http.response.status_code=200 gen_ai.usage.input_tokens=7 gen_ai.usage.output_tokens=20
}
