package makeagentstest_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
)

func scenarioRequests(s *makeagentstest.Server) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Operation == "listScenarios" {
			n++
		}
	}
	return n
}

// The scenario iterator walks every page (23 scenarios: 10, 10, 3 at the
// default page size, so 3 requests), and a loop that breaks early stops
// the requests at the page it was on.
func TestScenarioIteratorPages(t *testing.T) {
	s := makeagentstest.NewServer(t)
	c, err := s.Client(api.WithTeamID(team))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var ids []int64
	for sc, err := range c.Scenarios(ctx, api.ScenarioQuery{}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, sc.ID)
	}
	if len(ids) != 23 || ids[0] != 123 || ids[22] != 101 || scenarioRequests(s) != 3 {
		t.Fatalf("walked %d scenarios %v in %d requests; want 23 (123 down to 101) in 3", len(ids), ids, scenarioRequests(s))
	}
	slices.Sort(ids)
	if len(slices.Compact(ids)) != 23 {
		t.Errorf("a scenario came twice: %v", ids)
	}

	s.ResetRequests()
	n := 0
	for _, err := range c.Scenarios(ctx, api.ScenarioQuery{}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 12 { // on the second page
			break
		}
	}
	if got := scenarioRequests(s); got != 2 {
		t.Errorf("breaking on the 12th scenario made %d requests, want 2", got)
	}

	// Tools only, 3 to a page: 8 tools, 3 pages (3, 3, 2).
	s.ResetRequests()
	var tools []api.Scenario
	for sc, err := range c.Scenarios(ctx, api.ScenarioQuery{Type: api.ScenarioTypeTool, Limit: 3}) {
		if err != nil {
			t.Fatal(err)
		}
		tools = append(tools, sc)
	}
	if len(tools) != 8 || scenarioRequests(s) != 3 {
		t.Errorf("%d tools in %d requests, want 8 in 3", len(tools), scenarioRequests(s))
	}
	for _, sc := range tools {
		if sc.Type != "tool" {
			t.Errorf("not a tool: %+v", sc)
		}
	}

	// A cancelled context yields its error once and sends nothing.
	s.ResetRequests()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	var errs []error
	for _, err := range c.Scenarios(cancelled, api.ScenarioQuery{}) {
		errs = append(errs, err)
	}
	if len(errs) != 1 || !errors.Is(errs[0], context.Canceled) || scenarioRequests(s) != 0 {
		t.Errorf("cancelled: %v, %d requests", errs, scenarioRequests(s))
	}
}

// Each provider's usable connections are the one the fake ties to it; the
// other apps' connections are listed, not offered to a provider.
func TestProviderConnections(t *testing.T) {
	s := makeagentstest.NewServer(t)
	c, err := s.Client(api.WithTeamID(team))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	all, err := c.ListConnections(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(s.Providers())+2 || !slices.IsSortedFunc(all, func(a, b api.Connection) int {
		if a.Name < b.Name {
			return -1
		}
		return 1
	}) {
		t.Errorf("connections = %+v", all)
	}
	for _, p := range s.Providers() {
		got, err := c.ProviderConnections(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != s.ConnectionID(p.ID) || got[0].AccountName != p.AccountName {
			t.Errorf("provider %d (%s): connections %+v, want the one with id %d", p.ID, p.AccountName, got, s.ConnectionID(p.ID))
		}
	}
}

// WithScopes sets what current-authorization reports and what the fake
// enforces: an operation needing a scope the token lacks gets Make's 403.
func TestFakeScopes(t *testing.T) {
	s := makeagentstest.NewServer(t, makeagentstest.WithScopes("ai-agents:read", "connections:read"), makeagentstest.WithTeam(team))
	c, err := s.Client(api.WithTeamID(team))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	auth, err := c.CurrentAuthorization(ctx) // teamless: WithTeam does not apply
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(auth.Scope, []string{"ai-agents:read", "connections:read"}) {
		t.Errorf("scopes = %q", auth.Scope)
	}
	if missing, err := api.MissingScopes(auth.Scope, api.OpCreateAgent, api.OpRunAgent, api.OpListScenarios); err != nil || !slices.Equal(missing, []string{"ai-agents:write", "scenarios:read"}) {
		t.Errorf("missing = %q, %v", missing, err)
	}
	if _, err := c.ListAgents(ctx); err != nil {
		t.Errorf("list with ai-agents:read: %v", err)
	}
	_, err = c.CreateAgent(ctx, api.CreateAgentRequest{Name: "n", MakeConnectionID: s.ConnectionID(1), DefaultModel: "gpt-4o", SystemPrompt: "p"})
	var apiErr *api.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusForbidden {
		t.Errorf("create without ai-agents:write: %v, want 403", err)
	}
	if got := makeagentstest.AllScopes; len(makeagentstest.NewServer(t).Scopes()) != len(got) {
		t.Errorf("default scopes differ from AllScopes")
	}
}
