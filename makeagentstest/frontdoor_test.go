package makeagentstest_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
	"github.com/makeagents/makeagents-go/sse"
)

// TestFrontDoorEveryOperation walks every method of api.Client against
// the fake, with discovery instead of hard-coded ids: providers -> models
// -> create -> get, list, update -> knowledge (text and file) -> run ->
// stream -> delete.
func TestFrontDoorEveryOperation(t *testing.T) {
	s := makeagentstest.NewServer(t)
	c, err := s.Client(api.WithTeamID(team))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	providers, err := c.ListLLMProviders(ctx)
	if err != nil || len(providers) == 0 {
		t.Fatalf("providers %v, err %v", providers, err)
	}
	p := providers[0]
	details, err := c.GetLLMProvider(ctx, p.ID)
	if err != nil || len(details) != 1 || details[0].ID != p.ID {
		t.Fatalf("provider %d: %+v, err %v", p.ID, details, err)
	}
	models, err := c.ListLLMProviderModels(ctx, p.ID)
	if err != nil || len(models) == 0 {
		t.Fatalf("models %v, err %v", models, err)
	}

	created, err := c.CreateAgent(ctx, api.CreateAgentRequest{
		Name: "Front door", SystemPrompt: "Be brief.", MakeConnectionID: s.ConnectionID(p.ID), DefaultModel: string(models[0].Model),
	})
	if err != nil || created.ID == "" || created.TeamID != team {
		t.Fatalf("create: %+v, err %v", created, err)
	}
	id := created.ID
	if err := c.UpdateAgent(ctx, id, api.UpdateAgentRequest{Name: new("Renamed")}); err != nil {
		t.Fatal(err)
	}
	agent, err := c.GetAgent(ctx, id)
	if err != nil || agent.Name != "Renamed" {
		t.Fatalf("get: %+v, err %v", agent, err)
	}
	agents, err := c.ListAgents(ctx)
	if err != nil || len(agents) != 1 || agents[0].ID != id {
		t.Fatalf("list: %+v, err %v", agents, err)
	}

	if err := c.AddTextContext(ctx, api.CreateTextContextRequest{AgentID: id, Name: "Hours", Content: "We open at 9."}); err != nil {
		t.Fatal(err)
	}
	if err := c.UploadContext(ctx, id, "prices.csv", strings.NewReader("coffee,3\n")); err != nil {
		t.Fatal(err)
	}
	contexts, err := c.ListContexts(ctx, id)
	if err != nil || len(contexts) != 2 {
		t.Fatalf("contexts %+v, err %v", contexts, err)
	}

	var raw *http.Response
	res, err := c.RunAgent(ctx, id, api.NewRunRequest("When do you open?"), api.CallResponseInto(&raw))
	if err != nil || res.Response == "" || raw == nil || raw.StatusCode != http.StatusOK {
		t.Fatalf("run: %+v, raw %v, err %v", res, raw, err)
	}
	stream, err := sse.Run(ctx, c, id, api.NewRunRequest("Hello!"), sse.WithCallOptions(api.ForTeam(team)))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, err := range stream.Steps() {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n == 0 || stream.Transcript().FinalAnswer() == "" {
		t.Errorf("stream: %d steps, answer %q", n, stream.Transcript().FinalAnswer())
	}

	for _, ctxItem := range contexts {
		if err := c.DeleteContext(ctx, ctxItem.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.DeleteAgent(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetAgent(ctx, id); !api.IsNotFound(err) {
		t.Errorf("get after delete: err = %v, want not found", err)
	}
}
