package api_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
)

// ExampleWithCallEvents counts what each call did: here a list retried
// once after a 503, and a run with its token usage.
func ExampleWithCallEvents() {
	fake, err := makeagentstest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer fake.Close()
	client, err := fake.Client(api.WithTeamID(1), api.WithCallEvents(func(ctx context.Context, e *api.CallEvent) {
		fmt.Printf("%s: status %d, %d attempt(s)", e.Operation, e.Status, e.Attempts)
		for _, r := range e.Retries {
			fmt.Printf(", retried after %s %d", r.Reason, r.Status)
		}
		if e.Usage != nil {
			fmt.Printf(", %d tokens in, %d out", e.Usage.PromptTokens, e.Usage.CompletionTokens)
		}
		fmt.Println()
	}))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	fake.FailNext(1, http.StatusServiceUnavailable, 0)
	if _, err := client.ListAgents(ctx); err != nil {
		fmt.Println(err)
		return
	}
	agent, err := client.CreateAgent(ctx, api.CreateAgentRequest{Name: "Helper", SystemPrompt: "Be brief.",
		MakeConnectionID: fake.ConnectionID(1), DefaultModel: "gpt-4o"})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := client.RunAgent(ctx, agent.ID, api.NewRunRequest("Hello")); err != nil {
		fmt.Println(err)
	}
	// Output:
	// listAgents: status 200, 2 attempt(s), retried after status 503
	// createAgent: status 201, 1 attempt(s)
	// runAgent: status 200, 1 attempt(s), 7 tokens in, 20 out
}

// ExampleWithMiddleware sees every attempt of a call, as sent, and its
// answer.
func ExampleWithMiddleware() {
	fake, err := makeagentstest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer fake.Close()
	attempts := func(req *http.Request, next api.MiddlewareNext) (*http.Response, error) {
		resp, err := next(req)
		if err == nil {
			fmt.Println(req.Method, req.URL.Path, resp.StatusCode)
		}
		return resp, err
	}
	client, err := fake.Client(api.WithTeamID(1), api.WithMiddleware(attempts))
	if err != nil {
		fmt.Println(err)
		return
	}
	fake.FailNext(1, http.StatusBadGateway, 0)
	if _, err := client.ListAgents(context.Background()); err != nil {
		fmt.Println(err)
	}
	// Output:
	// GET /api/v2/ai-agents/v1/agents 502
	// GET /api/v2/ai-agents/v1/agents 200
}
