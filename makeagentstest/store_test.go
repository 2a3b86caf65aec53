package makeagentstest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
)

var fixedNow = time.Date(2025, 6, 26, 1, 42, 30, 80_000_000, time.FixedZone("", -6*3600))

func fixedClock() time.Time { return fixedNow }

// TestAllSevenOperations drives every operation through the generated client
// over loopback, in the order a user would: create, get, list, update, run,
// stream, delete.
func TestAllSevenOperations(t *testing.T) {
	s := makeagentstest.NewServer(t, makeagentstest.WithClock(fixedClock))
	c := newClient(t, s)
	ctx := context.Background()

	created, err := c.CreateAgentWithResponse(ctx, &api.CreateAgentParams{TeamID: team}, api.CreateAgentRequest{
		Name: "Example Agent", TeamID: team, MakeConnectionID: 1001, DefaultModel: "gpt-4o",
		SystemPrompt: "You are a helpful assistant.",
	})
	if err != nil {
		t.Fatal(err)
	}
	if created.StatusCode() != http.StatusCreated {
		t.Fatalf("create: status %d, want 201; body %s", created.StatusCode(), created.Body)
	}
	// Like Make's published example, the new id is under agentId only.
	if strings.Contains(string(created.Body), `"id"`) {
		t.Fatalf("create: want the id under agentId only, got %s", created.Body)
	}
	id := created.JSON201.ID
	if err := api.ValidateAgentID(id); err != nil {
		t.Fatalf("create: id %q: %v", id, err)
	}
	if got := created.JSON201.Name; got != "Example Agent" {
		t.Errorf("create: name %q", got)
	}

	got, err := c.GetAgentWithResponse(ctx, id, &api.GetAgentParams{TeamID: team})
	if err != nil {
		t.Fatal(err)
	}
	if got.StatusCode() != http.StatusOK {
		t.Fatalf("get: status %d; body %s", got.StatusCode(), got.Body)
	}
	a := got.JSON200
	if a.ID != id || a.Name != "Example Agent" || a.TeamID != team || a.SystemPrompt != "You are a helpful assistant." ||
		a.DefaultModel != "gpt-4o" || a.MakeConnectionID == 0 || a.MakeConnectionID != 1001 {
		t.Errorf("get: agent does not match what was created: %s", got.Body)
	}
	if !a.CreatedAt.Equal(fixedNow) {
		t.Errorf("get: createdAt %v, want the server clock %v", a.CreatedAt, fixedNow)
	}

	list, err := c.ListAgentsWithResponse(ctx, &api.ListAgentsParams{TeamID: team})
	if err != nil {
		t.Fatal(err)
	}
	if list.StatusCode() != http.StatusOK || !strings.HasPrefix(string(list.Body), "[") {
		t.Fatalf("list: status %d, body %s: want 200 and a JSON array", list.StatusCode(), list.Body)
	}
	if n := len(*list.JSON200); n != 1 || (*list.JSON200)[0].ID != id {
		t.Fatalf("list: %s, want the one agent", list.Body)
	}

	newName := "Renamed Agent"
	upd, err := c.UpdateAgentWithResponse(ctx, id, &api.UpdateAgentParams{TeamID: team}, api.UpdateAgentRequest{Name: &newName})
	if err != nil {
		t.Fatal(err)
	}
	if upd.StatusCode() != http.StatusNoContent || len(upd.Body) != 0 {
		t.Fatalf("update: status %d, body %q; want 204 and no body", upd.StatusCode(), upd.Body)
	}
	after := s.Agents(team)[0]
	if after.Name != newName || after.SystemPrompt != "You are a helpful assistant." || after.DefaultModel != "gpt-4o" {
		t.Errorf("update changed more than the name: %+v", after)
	}

	run, err := c.RunAgentWithResponse(ctx, id, &api.RunAgentParams{TeamID: team}, api.RunAgentRequest{
		Messages: []api.Message{{Role: api.MessageRoleUser, Content: "hello there"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if run.StatusCode() != http.StatusOK || run.JSON200 == nil {
		t.Fatalf("run: status %d, body %s", run.StatusCode(), run.Body)
	}
	if answer := run.JSON200.Response; answer != makeagentstest.Answer(newName, "hello there") {
		t.Errorf("run: response %q", run.JSON200.Response)
	}

	// The stream through the generated client's raw call (never
	// ClientWithResponses, which reads the whole body).
	resp, err := c.RunAgentStream(ctx, id, &api.RunAgentStreamParams{TeamID: team}, api.RunAgentRequest{
		Messages: []api.Message{{Role: api.MessageRoleUser, Content: "stream please"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	events, rest, err := readAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil || len(rest) != 0 || len(events) != 3 {
		t.Fatalf("stream: %d events, rest %q, err %v; want 3 events and a clean end", len(events), rest, err)
	}
	if last := decodeStep(t, events[2].Data); last.Content != makeagentstest.Answer(newName, "stream please") {
		t.Errorf("stream: last step %q", last.Content)
	}

	del, err := c.DeleteAgentWithResponse(ctx, id, &api.DeleteAgentParams{TeamID: team})
	if err != nil {
		t.Fatal(err)
	}
	if del.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete: status %d", del.StatusCode())
	}
	if n := len(s.Agents(team)); n != 0 {
		t.Errorf("after delete the server still has %d agents", n)
	}

	var ops []string
	for _, r := range s.Requests() {
		ops = append(ops, r.Operation)
	}
	want := "createAgent getAgent listAgents updateAgent runAgent runAgentStream deleteAgent"
	if strings.Join(ops, " ") != want {
		t.Errorf("request log operations %v, want %s", ops, want)
	}
}

// TestUnknownAgentIs404 covers every operation that addresses one agent.
func TestUnknownAgentIs404(t *testing.T) {
	s := makeagentstest.NewServer(t)
	c := newClient(t, s)
	ctx := context.Background()
	missing := "b504aa93-0752-4bf8-887e-c2c717d525bf"
	name := "x"
	msgs := api.RunAgentRequest{Messages: []api.Message{{Role: api.MessageRoleUser, Content: "hi"}}}

	get, _ := c.GetAgentWithResponse(ctx, missing, &api.GetAgentParams{TeamID: team})
	upd, _ := c.UpdateAgentWithResponse(ctx, missing, &api.UpdateAgentParams{TeamID: team}, api.UpdateAgentRequest{Name: &name})
	del, _ := c.DeleteAgentWithResponse(ctx, missing, &api.DeleteAgentParams{TeamID: team})
	run, _ := c.RunAgentWithResponse(ctx, missing, &api.RunAgentParams{TeamID: team}, msgs)
	stream := streamRequest(ctx, t, s, missing, runBody)
	for name, status := range map[string]int{
		"get": get.StatusCode(), "update": upd.StatusCode(), "delete": del.StatusCode(),
		"run": run.StatusCode(), "stream": stream.StatusCode,
	} {
		if status != http.StatusNotFound {
			t.Errorf("%s of an unknown agent: status %d, want 404", name, status)
		}
	}
	if e := errorBody(t, get.Body); e.Code != "SC404" {
		t.Errorf("404 body %s", get.Body)
	}
	if ct := stream.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("stream 404 content type %q: errors before a stream starts are JSON", ct)
	}
}

// TestAgentsArePerTeam: an agent of team 1 is invisible to team 2.
func TestAgentsArePerTeam(t *testing.T) {
	s := makeagentstest.NewServer(t)
	c := newClient(t, s)
	id := createAgent(t, c, "one", "p")
	ctx := context.Background()

	list, _ := c.ListAgentsWithResponse(ctx, &api.ListAgentsParams{TeamID: 2})
	if string(list.Body) != "[]\n" {
		t.Errorf("team 2 list body %q, want an empty array", list.Body)
	}
	get, _ := c.GetAgentWithResponse(ctx, id, &api.GetAgentParams{TeamID: 2})
	if get.StatusCode() != http.StatusNotFound {
		t.Errorf("team 2 get of team 1's agent: status %d, want 404", get.StatusCode())
	}
	del, _ := c.DeleteAgentWithResponse(ctx, id, &api.DeleteAgentParams{TeamID: 2})
	if del.StatusCode() != http.StatusNotFound || len(s.Agents(team)) != 1 {
		t.Errorf("team 2 delete of team 1's agent: status %d, team 1 has %d agents", del.StatusCode(), len(s.Agents(team)))
	}
}

// TestUpdateOnlyFieldsSent: PATCH leaves every field it was not sent alone,
// including nested configuration, and replaces lists it was sent.
func TestUpdateOnlyFieldsSent(t *testing.T) {
	s := makeagentstest.NewServer(t)
	c := newClient(t, s)
	mode := api.ApprovalModeAutoRun
	seeded := s.AddAgent(team, api.Agent{
		Name: "seed", SystemPrompt: "p1", DefaultModel: "m1",
		InvocationConfig: api.AgentInvocationConfig{RecursionLimit: 300},
		Scenarios:        []api.ScenarioTool{{MakeScenarioID: 1, ApprovalMode: mode}},
		MCPConfigs:       []api.AgentMCPConfig{{MCPConnectionID: 5, Name: "mcp", ToolIds: []string{"t"}}},
	})
	ctx := context.Background()
	prompt := "p2"
	scenarios := []api.ScenarioTool{{MakeScenarioID: 2}, {MakeScenarioID: 3}}
	res, err := c.UpdateAgentWithResponse(ctx, seeded.ID, &api.UpdateAgentParams{TeamID: team},
		api.UpdateAgentRequest{SystemPrompt: &prompt, Scenarios: &scenarios})
	if err != nil || res.StatusCode() != http.StatusNoContent {
		t.Fatalf("update: %v, status %d, body %s", err, res.StatusCode(), res.Body)
	}
	a := s.Agents(team)[0]
	if a.Name != "seed" || a.DefaultModel != "m1" || a.InvocationConfig.RecursionLimit != 300 || len(a.MCPConfigs) != 1 {
		t.Errorf("fields not sent changed: %+v", a)
	}
	if a.SystemPrompt != "p2" || len(a.Scenarios) != 2 || a.Scenarios[0].MakeScenarioID != 2 {
		t.Errorf("fields sent not applied: prompt %q, scenarios %+v", a.SystemPrompt, a.Scenarios)
	}
	// The previous configuration is kept, as get shows it.
	if len(a.PastConfigurations) != 1 || a.PastConfigurations[0].SystemPrompt != "p1" || a.PastConfigurations[0].Scenarios[0].MakeScenarioID != 1 {
		t.Errorf("pastConfigurations = %+v", a.PastConfigurations)
	}
	// An empty list clears; an absent one is left alone.
	res, err = c.UpdateAgentWithResponse(ctx, seeded.ID, &api.UpdateAgentParams{TeamID: team},
		api.UpdateAgentRequest{MCPConfigs: &[]api.MCPConfig{}})
	if err != nil || res.StatusCode() != http.StatusNoContent {
		t.Fatalf("clearing update: %v, status %d, body %s", err, res.StatusCode(), res.Body)
	}
	if a := s.Agents(team)[0]; len(a.MCPConfigs) != 0 || len(a.Scenarios) != 2 {
		t.Errorf("after clearing mcpConfigs: mcp %+v scenarios %+v", a.MCPConfigs, a.Scenarios)
	}
}

// TestAddAgentSeedsAndFills: AddAgent fills what a server would and the
// agent is then served by the API like a created one.
func TestAddAgentSeedsAndFills(t *testing.T) {
	s := makeagentstest.NewServer(t, makeagentstest.WithClock(fixedClock))
	a := s.AddAgent(7, api.Agent{Name: "seeded", SystemPrompt: "p", DefaultModel: "m"})
	if api.ValidateAgentID(a.ID) != nil || a.TeamID != 7 || !a.CreatedAt.Equal(fixedNow) || a.Scenarios == nil {
		t.Fatalf("AddAgent did not fill id, team, createdAt and scenarios: %+v", a)
	}
	again := s.AddAgent(7, api.Agent{ID: a.ID, Name: "replaced", SystemPrompt: "p", DefaultModel: "m"})
	if got := s.Agents(7); len(got) != 1 || got[0].Name != "replaced" || again.ID != a.ID {
		t.Fatalf("AddAgent with an existing id should replace it: %+v", got)
	}
	c := newClient(t, s)
	res, err := c.GetAgentWithResponse(context.Background(), a.ID, &api.GetAgentParams{TeamID: 7})
	if err != nil || res.StatusCode() != http.StatusOK || res.JSON200.Name != "replaced" {
		t.Fatalf("get of a seeded agent: %v %d %s", err, res.StatusCode(), res.Body)
	}
	// Agents returns copies: changing one does not change the server.
	s.Agents(7)[0].Name = "mutated"
	if s.Agents(7)[0].Name != "replaced" {
		t.Error("Agents exposes the server's own state")
	}
}

// TestCreateTeamMismatchRejected: teamId differs between query and body.
func TestCreateTeamMismatchRejected(t *testing.T) {
	s := makeagentstest.NewServer(t)
	c := newClient(t, s)
	res, err := c.CreateAgentWithResponse(context.Background(), &api.CreateAgentParams{TeamID: 1}, api.CreateAgentRequest{
		Name: "n", TeamID: 2, MakeConnectionID: 1001, DefaultModel: "gpt-4.1-mini", SystemPrompt: "p",
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode() != http.StatusBadRequest || errorBody(t, res.Body).Code != "IM005" {
		t.Fatalf("status %d body %s, want 400 IM005", res.StatusCode(), res.Body)
	}
	if len(s.Agents(1))+len(s.Agents(2)) != 0 {
		t.Error("a rejected create stored an agent")
	}
}

// TestIDsAreDeterministic: two servers given the same requests hand out
// the same agent ids, so tests can compare output byte for byte.
func TestIDsAreDeterministic(t *testing.T) {
	var ids [2][]string
	for i := range ids {
		s := makeagentstest.NewServer(t, makeagentstest.WithClock(fixedClock))
		c := newClient(t, s)
		for _, name := range []string{"a", "b"} {
			ids[i] = append(ids[i], createAgent(t, c, name, "p"))
		}
	}
	if strings.Join(ids[0], ",") != strings.Join(ids[1], ",") || ids[0][0] == ids[0][1] {
		t.Fatalf("ids %v and %v: want equal across servers and distinct within one", ids[0], ids[1])
	}
	b, _ := json.Marshal(ids[0])
	t.Logf("agent ids: %s", b)
}
