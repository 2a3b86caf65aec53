package makeagentstest_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
)

// sdkClient is the SDK's own client on the fake, with no retries so a test
// sees each answer as the fake gave it.
func sdkClient(t *testing.T, s *makeagentstest.Server) *api.Client {
	t.Helper()
	c, err := s.Client(api.WithTeamID(team), api.WithRetry(api.RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Contexts are stored per agent: created from a text or an upload, listed,
// shown in the agent, cited by its runs, deleted with it.
func TestContextsLifecycle(t *testing.T) {
	s := makeagentstest.NewServer(t)
	c := sdkClient(t, s)
	ctx := context.Background()
	a := s.AddAgent(team, api.Agent{Name: "kb", SystemPrompt: "p", DefaultModel: "m"})
	other := s.AddAgent(team, api.Agent{Name: "other", SystemPrompt: "p", DefaultModel: "m"})

	res, err := c.Generated().CreateContextWithResponse(ctx, nil, api.CreateTextContextRequest{
		AgentID: a.ID, Name: "Opening hours", Content: "The shop opens at 9 o'clock.\nIt closes at 18 o'clock.", Autosave: "false",
	})
	if err != nil || res.StatusCode() != http.StatusCreated || len(res.Body) != 0 {
		t.Fatalf("text context: %v %d %q", err, res.StatusCode(), res.Body)
	}
	err = c.UploadContext(ctx, a.ID, "prices.csv", strings.NewReader("item,price\ncoffee,3\n"))
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	list, err := c.Generated().ListContextsWithResponse(ctx, &api.ListContextsParams{AgentID: a.ID})
	if err != nil {
		t.Fatal(err)
	}
	got := *list.JSON200
	if len(got) != 2 || got[0].DocumentName != "Opening hours" || !got[0].IsTemporary || got[0].Metadata["type"] != "text" ||
		got[1].DocumentName != "prices.csv" || got[1].IsTemporary || got[1].Metadata["size"] != 20.0 ||
		got[1].Metadata["contentType"] != "text/csv; charset=utf-8" || got[1].Metadata["type"] != "csv" {
		t.Fatalf("contexts = %+v", got)
	}
	if agent, _ := c.Generated().GetAgentWithResponse(ctx, a.ID, nil); len(agent.JSON200.Contexts) != 2 || agent.JSON200.Contexts[1].ID != got[1].ID {
		t.Errorf("the agent does not show its contexts: %s", agent.Body)
	}
	if others, _ := c.Generated().ListContextsWithResponse(ctx, &api.ListContextsParams{AgentID: other.ID}); len(*others.JSON200) != 0 {
		t.Errorf("another agent has contexts: %s", others.Body)
	}

	// The deterministic agent cites what it knows, through a rag tool call.
	run, err := c.Generated().RunAgentWithResponse(ctx, a.ID, nil, api.RunAgentRequest{Messages: []api.Message{{Role: api.MessageRoleUser, Content: "When does it close?"}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := makeagentstest.Citation("Opening hours", "It closes at 18 o'clock."); !strings.HasSuffix(run.JSON200.Response, want) {
		t.Errorf("answer %q does not end with %q", run.JSON200.Response, want)
	}
	var rag *api.ToolCall
	for _, st := range run.JSON200.ExecutionSteps {
		for i := range st.ToolCalls {
			rag = &st.ToolCalls[i]
		}
	}
	if rag == nil || rag.ToolType != api.ToolTypeRag || rag.Arguments["query"] != "close" {
		t.Errorf("no rag tool call: %s", run.Body)
	}
	coffee, _ := c.Generated().RunAgentWithResponse(ctx, a.ID, nil, api.RunAgentRequest{Messages: []api.Message{{Role: api.MessageRoleUser, Content: "coffee?"}}})
	if !strings.Contains(coffee.JSON200.Response, makeagentstest.Citation("prices.csv", "coffee,3")) {
		t.Errorf("the uploaded file is not cited: %q", coffee.JSON200.Response)
	}
	plain, _ := c.Generated().RunAgentWithResponse(ctx, a.ID, nil, api.RunAgentRequest{Messages: []api.Message{{Role: api.MessageRoleUser, Content: "hello"}}})
	if plain.JSON200.Response != makeagentstest.Answer("kb", "hello") {
		t.Errorf("a message naming nothing known was answered from knowledge: %q", plain.JSON200.Response)
	}

	del, err := c.Generated().DeleteContextWithResponse(ctx, got[0].ID, nil)
	if err != nil || del.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete: %v", err)
	}
	if left := s.Agents(team)[0].Contexts; len(left) != 1 || left[0].ID != got[1].ID {
		t.Errorf("after delete: %+v", left)
	}
	if _, err := c.Generated().DeleteContextWithResponse(ctx, got[0].ID, nil); !api.IsNotFound(err) {
		t.Errorf("deleting it again: %v, want 404", err)
	}
	if _, err := c.Generated().CreateContextWithResponse(ctx, nil, api.CreateTextContextRequest{AgentID: "123e4567-e89b-12d3-a456-426614174000"}); err == nil {
		t.Error("a context for an unknown agent was accepted")
	}
}

// The catalogue: providers, one provider as Make's array, its models; the
// provider id is not the connection id, and an agent on a provider's
// connection reports that provider.
func TestProvidersCatalogue(t *testing.T) {
	s := makeagentstest.NewServer(t)
	c := sdkClient(t, s)
	ctx := context.Background()
	list, err := c.Generated().ListLLMProvidersWithResponse(ctx, nil)
	if err != nil || len(*list.JSON200) < 2 {
		t.Fatalf("providers: %v", err)
	}
	p := (*list.JSON200)[0]
	one, err := c.Generated().GetLLMProviderWithResponse(ctx, p.ID, nil)
	if err != nil || !strings.HasPrefix(string(one.Body), "[") || len(*one.JSON200) != 1 || (*one.JSON200)[0].Provider != p.Provider {
		t.Fatalf("get provider: %v %s", err, one.Body)
	}
	models, err := c.Generated().ListLLMProviderModelsWithResponse(ctx, p.ID, nil)
	if err != nil || len(*models.JSON200) == 0 || (*models.JSON200)[0].Provider != p.Provider {
		t.Fatalf("models: %v", err)
	}
	if _, err := c.Generated().ListLLMProviderModelsWithResponse(ctx, 999, nil); !api.IsNotFound(err) {
		t.Errorf("unknown provider: %v, want 404", err)
	}
	conn := s.ConnectionID(p.ID)
	if conn == 0 || conn == p.ID {
		t.Fatalf("connection %d for provider %d: want a distinct id", conn, p.ID)
	}
	created, err := c.Generated().CreateAgentWithResponse(ctx, nil, api.CreateAgentRequest{Name: "n", MakeConnectionID: conn, DefaultModel: (*models.JSON200)[0].Model, SystemPrompt: "p"})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := c.Generated().GetAgentWithResponse(ctx, created.JSON201.ID, nil)
	a := got.JSON200
	if a.LLMProviderID != p.ID || a.MakeConnectionType != p.AccountName || a.MakeConnectionID != conn {
		t.Errorf("agent on provider %d: %s", p.ID, got.Body)
	}
	listed, _ := c.Generated().ListAgentsWithResponse(ctx, nil)
	if (*listed.JSON200)[0].LLMProviderID != 0 {
		t.Errorf("list shows get-only fields: %s", listed.Body)
	}
}

// Injected failures apply to the new operations too.
func TestFaultsOnContexts(t *testing.T) {
	s := makeagentstest.NewServer(t)
	c := sdkClient(t, s)
	a := s.AddAgent(team, api.Agent{Name: "kb", SystemPrompt: "p", DefaultModel: "m"})
	s.FailNext(1, http.StatusBadGateway, 0)
	err := c.UploadContext(context.Background(), a.ID, "a.txt", strings.NewReader("x"))
	var apiErr *api.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadGateway {
		t.Fatalf("err = %v, want the injected 502", err)
	}
	if len(s.Agents(team)[0].Contexts) != 0 {
		t.Error("the failed upload stored a context")
	}
}
