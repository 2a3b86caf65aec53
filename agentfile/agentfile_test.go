package agentfile_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/makeagents/makeagents-go/agentfile"
	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const team = int64(7)

const twoAgents = `team: 7
agents:
  - name: Support bot
    systemPrompt: |
      You answer questions about orders.
      Be brief.
    provider: openAi
    model: gpt-4.1-mini
    scenarios: ["Tool 101: look up an order", 104]
    knowledge:
      - file: docs/faq.md
      - text: "Returns are free within 30 days."
        name: returns-policy
    llmConfig: {maxTokens: 2000}
    historyConfig: {iterationsFromHistoryCount: 4}
  - name: Sales bot
    systemPrompt: You sell.
    provider: anthropic
    model: claude-3-5-haiku-latest
    invocationConfig: {recursionLimit: 20}
    outputParserFormat:
      type: make-schema
      schema:
        - {name: answer, type: text, required: true}
`

// fixture starts a fake and writes an agent file (and its knowledge file)
// into a temporary directory.
func fixture(t *testing.T, text string) (*makeagentstest.Server, *api.Client, string) {
	t.Helper()
	s := makeagentstest.NewServer(t)
	hc := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	c, err := s.Client(api.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "docs", "faq.md"), "# FAQ\nOrders ship within two days.\n")
	path := filepath.Join(dir, "agents.yaml")
	write(t, path, text)
	return s, c, path
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func plan(t *testing.T, c *api.Client, path string, opts agentfile.PlanOptions) *agentfile.Changeset {
	t.Helper()
	f, err := agentfile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := agentfile.Plan(context.Background(), c, f, opts)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func apply(t *testing.T, c *api.Client, cs *agentfile.Changeset) *agentfile.Result {
	t.Helper()
	res, err := agentfile.Apply(context.Background(), c, cs, agentfile.ApplyOptions{})
	if err != nil {
		t.Fatalf("apply: %v (done %v, not done %v)", err, res.Done, res.NotDone)
	}
	return res
}

func text(t *testing.T, cs *agentfile.Changeset) string {
	t.Helper()
	var b strings.Builder
	if err := cs.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func writes(s *makeagentstest.Server) []string {
	var out []string
	for _, r := range s.Requests() {
		if r.Method != http.MethodGet {
			out = append(out, r.Method+" "+r.Operation)
		}
	}
	return out
}

// TestLifecycle is the "done when" against the fake: create two
// agents with knowledge and tools, converge, change one prompt, prune.
func TestLifecycle(t *testing.T) {
	s, c, path := fixture(t, twoAgents)

	cs := plan(t, c, path, agentfile.PlanOptions{})
	if got := cs.Counts(); got.Create != 2 || !cs.HasChanges() {
		t.Fatalf("first plan %+v, want 2 creates:\n%s", got, text(t, cs))
	}
	if len(writes(s)) != 0 {
		t.Fatalf("plan wrote: %v", writes(s))
	}
	res := apply(t, c, cs)
	if len(res.Done) != 6 { // 2 creates, 1 update (invocationConfig), 2 contexts... and Sales bot has none
		t.Logf("steps: %v", res.Done)
	}
	agents := s.Agents(team)
	if len(agents) != 2 {
		t.Fatalf("team has %d agents, want 2", len(agents))
	}
	support := agents[slices.IndexFunc(agents, func(a api.Agent) bool { return a.Name == "Support bot" })]
	if support.SystemPrompt != "You answer questions about orders.\nBe brief.\n" || support.DefaultModel != "gpt-4.1-mini" {
		t.Errorf("support bot: %+v", support)
	}
	var ids []int64
	for _, sc := range support.Scenarios {
		ids = append(ids, sc.MakeScenarioID)
	}
	if !slices.Equal(ids, []int64{101, 104}) {
		t.Errorf("scenarios %v, want [101 104]", ids)
	}
	var docs []string
	for _, k := range support.Contexts {
		docs = append(docs, k.DocumentName)
	}
	if len(docs) != 2 || !strings.HasPrefix(docs[0], "faq (") || !strings.HasSuffix(docs[0], ").md") || !strings.HasPrefix(docs[1], "returns-policy (") {
		t.Errorf("contexts %q, want faq (hash).md and returns-policy (hash)", docs)
	}
	sales := agents[slices.IndexFunc(agents, func(a api.Agent) bool { return a.Name == "Sales bot" })]
	if kind, _ := sales.OutputParser.Discriminator(); sales.InvocationConfig.RecursionLimit != 20 || kind != "make-schema" {
		t.Errorf("sales bot: recursion %d, parser %v", sales.InvocationConfig.RecursionLimit, sales.OutputParser)
	}

	// A second plan finds nothing to do.
	s.ResetRequests()
	cs = plan(t, c, path, agentfile.PlanOptions{})
	if cs.HasChanges() {
		t.Fatalf("second plan has changes:\n%s", text(t, cs))
	}
	if got := text(t, cs); !strings.Contains(got, "No changes") {
		t.Errorf("second plan text:\n%s", got)
	}
	res = apply(t, c, cs)
	if len(res.Done) != 0 || len(writes(s)) != 0 {
		t.Fatalf("second apply wrote %v", writes(s))
	}

	// One system prompt edited: one field, one update.
	write(t, path, strings.Replace(twoAgents, "You sell.", "You sell politely.", 1))
	cs = plan(t, c, path, agentfile.PlanOptions{})
	if got := cs.Counts(); got.Update != 1 || got.Unchanged != 1 {
		t.Fatalf("plan after edit %+v:\n%s", got, text(t, cs))
	}
	ch := cs.Agents[slices.IndexFunc(cs.Agents, func(a agentfile.AgentChange) bool { return a.Action == agentfile.Update })]
	if ch.Agent != "Sales bot" || len(ch.Fields) != 1 || ch.Fields[0].Field != "systemPrompt" || ch.Fields[0].Old != "You sell." || ch.Fields[0].New != "You sell politely." {
		t.Fatalf("update %+v, want Sales bot's systemPrompt only", ch)
	}
	if got := text(t, cs); !strings.Contains(got, `systemPrompt: "You sell." -> "You sell politely."`) {
		t.Errorf("plan text:\n%s", got)
	}
	s.ResetRequests()
	apply(t, c, cs)
	if got := writes(s); !slices.Equal(got, []string{"PATCH updateAgent"}) {
		t.Errorf("apply wrote %v, want one PATCH", got)
	}
	if cs := plan(t, c, path, agentfile.PlanOptions{}); cs.HasChanges() {
		t.Fatalf("plan after apply:\n%s", text(t, cs))
	}

	// Sales bot removed from the file: kept without prune, deleted with it.
	write(t, path, twoAgents[:strings.Index(twoAgents, "  - name: Sales bot")])
	cs = plan(t, c, path, agentfile.PlanOptions{})
	if cs.HasChanges() || cs.Counts().NotInFile != 1 {
		t.Fatalf("plan without prune:\n%s", text(t, cs))
	}
	apply(t, c, cs)
	if n := len(s.Agents(team)); n != 2 {
		t.Fatalf("apply without prune left %d agents, want 2", n)
	}
	cs = plan(t, c, path, agentfile.PlanOptions{Prune: true})
	if got := cs.Counts(); got.Delete != 1 {
		t.Fatalf("plan with prune %+v:\n%s", got, text(t, cs))
	}
	apply(t, c, cs)
	left := s.Agents(team)
	if len(left) != 1 || left[0].Name != "Support bot" {
		t.Fatalf("after prune: %v", left)
	}
	if cs := plan(t, c, path, agentfile.PlanOptions{Prune: true}); cs.HasChanges() {
		t.Fatalf("plan after prune:\n%s", text(t, cs))
	}
}

// TestExportThenPlan: a team exported as a file plans as unchanged, also
// for agents made outside any file (no hashes in their context names,
// approval modes, MCP configs, a make-schema parser).
func TestExportThenPlan(t *testing.T) {
	s, c, path := fixture(t, twoAgents)
	apply(t, c, plan(t, c, path, agentfile.PlanOptions{}))
	ctx := context.Background()
	created, err := c.CreateAgent(ctx, api.CreateAgentRequest{
		Name: "Hand made", MakeConnectionID: 1003, DefaultModel: "gemini-2.5-flash", SystemPrompt: "Made by hand.",
		Scenarios: []api.ScenarioTool{{MakeScenarioID: 107, ApprovalMode: "approval-required"}},
	}, api.ForTeam(team))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddTextContext(ctx, api.CreateTextContextRequest{AgentID: created.ID, Content: "Some notes.", Name: "notes"}, api.ForTeam(team)); err != nil {
		t.Fatal(err)
	}

	f, err := agentfile.Export(ctx, c, agentfile.ExportOptions{Team: team})
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.YAML("exported")
	if err != nil {
		t.Fatal(err)
	}
	exported := filepath.Join(filepath.Dir(path), "exported.yaml")
	write(t, exported, string(b))
	for _, want := range []string{"provider: openAi", "- 'Tool 101: look up an order'", "documentName: notes", "approvalMode: approval-required", "systemPrompt: |"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("export lacks %q:\n%s", want, b)
		}
	}
	if strings.Contains(string(b), "team:") {
		t.Errorf("export names a team; it should apply to any team:\n%s", b)
	}
	s.ResetRequests()
	cs := plan(t, c, exported, agentfile.PlanOptions{Team: team, Prune: true})
	if cs.HasChanges() {
		t.Fatalf("plan of the export has changes:\n%s\n%s", text(t, cs), b)
	}
	if n := cs.Counts().Unchanged; n != 3 {
		t.Errorf("%d unchanged, want 3", n)
	}

	// --name limits the export, and an unknown name lists what exists.
	f, err = agentfile.Export(ctx, c, agentfile.ExportOptions{Team: team, Names: []string{"Sales bot"}})
	if err != nil || len(f.Agents) != 1 || f.Agents[0].Name != "Sales bot" {
		t.Fatalf("export by name: %v %v", f, err)
	}
	_, err = agentfile.Export(ctx, c, agentfile.ExportOptions{Team: team, Names: []string{"Nobody"}})
	if err == nil || !strings.Contains(err.Error(), `"Nobody"`) || !strings.Contains(err.Error(), `"Hand made"`) {
		t.Errorf("export of an unknown name: %v", err)
	}
}

// TestUnknownNamesFailBeforeAnyWrite: a model or scenario the team does
// not have fails the plan, naming it and what the team has, and nothing is
// written.
func TestUnknownNamesFailBeforeAnyWrite(t *testing.T) {
	bad := strings.Replace(twoAgents, "model: gpt-4.1-mini", "model: gpt-9", 1)
	bad = strings.Replace(bad, `"Tool 101: look up an order"`, `"Tool 999: nothing"`, 1)
	bad = strings.Replace(bad, "provider: anthropic", "provider: mistral", 1)
	s, c, path := fixture(t, bad)
	f, err := agentfile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = agentfile.Plan(context.Background(), c, f, agentfile.PlanOptions{})
	var ne *agentfile.NameError
	if !errors.As(err, &ne) {
		t.Fatalf("plan: %v, want a *NameError", err)
	}
	msg := err.Error()
	for _, want := range []string{`agents.yaml:8: agent "Support bot": model "gpt-9"`, "gpt-4.1-mini", `agents.yaml:9: agent "Support bot": scenario "Tool 999: nothing"`, `agents.yaml:18: agent "Sales bot": provider "mistral"`, "o4-mini", `provider "mistral"`, "anthropic (providerId 2"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q: %s", want, msg)
		}
	}
	if got := writes(s); len(got) != 0 {
		t.Errorf("a failed plan wrote %v", got)
	}

	// The scenario alone (model fixed).
	write(t, path, strings.Replace(bad, "model: gpt-9", "model: gpt-4.1-mini", 1))
	f, _ = agentfile.Load(path)
	_, err = agentfile.Plan(context.Background(), c, f, agentfile.PlanOptions{})
	if err == nil || !strings.Contains(err.Error(), `scenario "Tool 999: nothing"`) || !strings.Contains(err.Error(), `"Tool 122: look up an order" (id 122)`) {
		t.Errorf("plan with an unknown scenario: %v", err)
	}
	if got := writes(s); len(got) != 0 {
		t.Errorf("a failed plan wrote %v", got)
	}
}

// TestKnowledgeEdits: a changed text replaces its context (the new one
// added, then the old deleted); a removed item is kept unless pruning.
func TestKnowledgeEdits(t *testing.T) {
	s, c, path := fixture(t, twoAgents)
	apply(t, c, plan(t, c, path, agentfile.PlanOptions{}))
	before := contextNames(s, "Support bot")

	write(t, path, strings.Replace(twoAgents, "free within 30 days", "free within 60 days", 1))
	cs := plan(t, c, path, agentfile.PlanOptions{})
	got := text(t, cs)
	if !strings.Contains(got, "knowledge: + returns-policy (") || !strings.Contains(got, "replaced: its content changed") {
		t.Fatalf("plan:\n%s", got)
	}
	s.ResetRequests()
	apply(t, c, cs)
	if w := writes(s); !slices.Equal(w, []string{"POST createContext", "DELETE deleteContext"}) {
		t.Errorf("writes %v, want the add before the delete", w)
	}
	after := contextNames(s, "Support bot")
	if len(after) != 2 || after[0] != before[0] || after[1] == before[1] || !strings.HasPrefix(after[1], "returns-policy (") {
		t.Errorf("contexts %q -> %q", before, after)
	}

	// The faq removed from the file: kept, then pruned.
	noFAQ := strings.Replace(twoAgents, "      - file: docs/faq.md\n", "", 1)
	noFAQ = strings.Replace(noFAQ, "30 days", "60 days", 1)
	write(t, path, noFAQ)
	cs = plan(t, c, path, agentfile.PlanOptions{})
	if cs.HasChanges() || !strings.Contains(text(t, cs), "kept: not in the file") {
		t.Fatalf("plan without prune:\n%s", text(t, cs))
	}
	cs = plan(t, c, path, agentfile.PlanOptions{Prune: true})
	apply(t, c, cs)
	if names := contextNames(s, "Support bot"); len(names) != 1 || !strings.HasPrefix(names[0], "returns-policy") {
		t.Errorf("after prune: %q", names)
	}
}

func contextNames(s *makeagentstest.Server, agent string) []string {
	var out []string
	for _, a := range s.Agents(team) {
		if a.Name == agent {
			for _, k := range a.Contexts {
				out = append(out, k.DocumentName)
			}
		}
	}
	return out
}

// TestPartialFailureConverges: a failure partway reports what was done and
// what was not; planning and applying again finishes the job without
// doing anything twice.
func TestPartialFailureConverges(t *testing.T) {
	s, c, path := fixture(t, twoAgents)
	cs := plan(t, c, path, agentfile.PlanOptions{})
	calls := 0
	s.ResetRequests()
	res, err := agentfile.Apply(context.Background(), c, cs, agentfile.ApplyOptions{OnStep: func(st agentfile.Step) {
		calls++
		if calls == 2 {
			// The next write (the second context) fails; a POST is
			// never retried, so one failure is enough.
			s.FailNext(1, http.StatusBadRequest, 0)
		}
	}})
	if err == nil || res.Failed == nil {
		t.Fatalf("apply: %v, want a failure", err)
	}
	if len(res.Done) != 2 || res.Failed.Op != "add context" || len(res.NotDone) == 0 {
		t.Fatalf("done %v, failed %v, not done %v", res.Done, res.Failed, res.NotDone)
	}
	if !strings.Contains(err.Error(), `add context "Support bot"`) {
		t.Errorf("error %v does not name the step", err)
	}
	cs = plan(t, c, path, agentfile.PlanOptions{})
	if got := cs.Counts(); got.Update != 1 || got.Create != 1 {
		t.Fatalf("plan after the failure %+v:\n%s", got, text(t, cs))
	}
	apply(t, c, cs)
	if cs := plan(t, c, path, agentfile.PlanOptions{}); cs.HasChanges() {
		t.Fatalf("not converged:\n%s", text(t, cs))
	}
	if n := len(s.Agents(team)); n != 2 {
		t.Errorf("%d agents, want 2", n)
	}
	if names := contextNames(s, "Support bot"); len(names) != 2 {
		t.Errorf("contexts %q, want 2", names)
	}
}

// TestDuplicateNamesInTeam: two agents of one name are an error naming
// both ids, never a guess, and no write.
func TestDuplicateNamesInTeam(t *testing.T) {
	s, c, path := fixture(t, twoAgents)
	a1 := s.AddAgent(team, api.Agent{Name: "Sales bot", SystemPrompt: "x", DefaultModel: "gpt-4o"})
	a2 := s.AddAgent(team, api.Agent{Name: "Sales bot", SystemPrompt: "y", DefaultModel: "gpt-4o"})
	f, _ := agentfile.Load(path)
	_, err := agentfile.Plan(context.Background(), c, f, agentfile.PlanOptions{})
	if err == nil || !strings.Contains(err.Error(), a1.ID) || !strings.Contains(err.Error(), a2.ID) || !strings.Contains(err.Error(), "2 agents named \"Sales bot\"") {
		t.Fatalf("plan: %v", err)
	}
	if _, err := agentfile.Export(context.Background(), c, agentfile.ExportOptions{Team: team}); err == nil {
		t.Error("export of a team with two agents of one name succeeded")
	}
	if w := writes(s); len(w) != 0 {
		t.Errorf("wrote %v", w)
	}
}

// TestConnectionChangeIsAReplace: Make cannot modify an agent's connection,
// so a provider change plans a replace, which Apply does only when allowed.
func TestConnectionChangeIsAReplace(t *testing.T) {
	s, c, path := fixture(t, twoAgents)
	apply(t, c, plan(t, c, path, agentfile.PlanOptions{}))
	changed := strings.Replace(twoAgents, "provider: anthropic\n    model: claude-3-5-haiku-latest", "provider: gemini\n    model: gemini-2.5-flash", 1)
	write(t, path, changed)
	cs := plan(t, c, path, agentfile.PlanOptions{})
	if cs.Counts().Replace != 1 || !strings.Contains(text(t, cs), "Make cannot change an agent's connection") {
		t.Fatalf("plan:\n%s", text(t, cs))
	}
	s.ResetRequests()
	_, err := agentfile.Apply(context.Background(), c, cs, agentfile.ApplyOptions{})
	if !errors.Is(err, agentfile.ErrReplaceNotAllowed) || len(writes(s)) != 0 {
		t.Fatalf("apply without AllowReplace: %v, wrote %v", err, writes(s))
	}
	if _, err := agentfile.Apply(context.Background(), c, cs, agentfile.ApplyOptions{AllowReplace: true}); err != nil {
		t.Fatal(err)
	}
	if cs := plan(t, c, path, agentfile.PlanOptions{}); cs.HasChanges() {
		t.Fatalf("after replace:\n%s", text(t, cs))
	}
}

// TestProviderWithSeveralConnections: when a provider has several
// connections the file must name one (by name or id); export names it.
// The fake has one connection per provider, so a proxy in front of it
// answers the connection list with two.
func TestProviderWithSeveralConnections(t *testing.T) {
	s := makeagentstest.NewServer(t)
	fakeURL, err := url.Parse(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: fakeURL.Scheme, Host: fakeURL.Host})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/api/v2/connections") && r.URL.Query().Get("type[]") == "openai-gpt-3" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"connections":[{"id":1001,"name":"Prod OpenAI","accountName":"openai-gpt-3"},{"id":1009,"name":"Test OpenAI","accountName":"openai-gpt-3"}]}`)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	hc := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	c, err := api.New(api.WithoutEnvironment(), api.WithBaseURL(front.URL+"/api/v2"), api.WithToken(s.Token()), api.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	parse := func(text string) *agentfile.File {
		f, err := agentfile.Parse("f.yaml", []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	const agent = "team: 7\nagents:\n  - {name: A, systemPrompt: p, provider: openAi, model: gpt-4o%s}\n"
	_, err = agentfile.Plan(ctx, c, parse(fmt.Sprintf(agent, "")), agentfile.PlanOptions{})
	if err == nil || !strings.Contains(err.Error(), "has several connections") || !strings.Contains(err.Error(), `"Test OpenAI" (id 1009)`) {
		t.Fatalf("no connection given: %v", err)
	}
	_, err = agentfile.Plan(ctx, c, parse(fmt.Sprintf(agent, ", connection: Staging")), agentfile.PlanOptions{})
	if err == nil || !strings.Contains(err.Error(), `connection "Staging" is not a connection of provider openAi`) {
		t.Fatalf("unknown connection: %v", err)
	}
	cs, err := agentfile.Plan(ctx, c, parse(fmt.Sprintf(agent, ", connection: Prod OpenAI")), agentfile.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := agentfile.Apply(ctx, c, cs, agentfile.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if a := s.Agents(team); len(a) != 1 || a[0].MakeConnectionID != 1001 {
		t.Fatalf("created %+v", a)
	}
	f, err := agentfile.Export(ctx, c, agentfile.ExportOptions{Team: team})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Agents[0].Connection; got != "Prod OpenAI" {
		t.Errorf("export's connection %q, want Prod OpenAI", got)
	}
	cs, err = agentfile.Plan(ctx, c, parse(fmt.Sprintf(agent, ", connection: 1009")), agentfile.PlanOptions{})
	if err != nil || cs.Counts().Replace != 1 {
		t.Fatalf("another connection: %v %+v", err, cs)
	}
}

// TestEveryManagedFieldConverges: each field the file manages can be
// changed and cleared, and a plan after the apply is empty: scenarios
// (cleared with []), approval modes, Make's blocks, MCP configs.
func TestEveryManagedFieldConverges(t *testing.T) {
	s, c, path := fixture(t, twoAgents)
	apply(t, c, plan(t, c, path, agentfile.PlanOptions{}))
	edits := []struct{ from, to, field string }{
		{`scenarios: ["Tool 101: look up an order", 104]`, `scenarios: []`, "scenarios"},
		{`scenarios: ["Tool 101: look up an order", 104]`, `scenarios: [{makeScenarioId: 104, approvalMode: approval-required}]`, "scenarios"},
		{"llmConfig: {maxTokens: 2000}", "llmConfig: {maxTokens: 3000}", "llmConfig.maxTokens"},
		{"historyConfig: {iterationsFromHistoryCount: 4}", "historyConfig: {iterationsFromHistoryCount: 0}", "historyConfig.iterationsFromHistoryCount"},
		{"invocationConfig: {recursionLimit: 20}", "invocationConfig: {recursionLimit: 21}", "invocationConfig.recursionLimit"},
		{"historyConfig: {iterationsFromHistoryCount: 4}", "mcpConfigs: [{mcpConnectionId: 5, toolIds: [a, b]}]", "mcpConfigs"},
		{"        - {name: answer, type: text, required: true}", "        - {name: answer, type: text}\n        - {name: score, type: number}", "outputParserFormat"},
		{"model: claude-3-5-haiku-latest", "model: claude-3-7-sonnet-latest", "model"},
	}
	for _, e := range edits {
		write(t, path, strings.Replace(twoAgents, e.from, e.to, 1))
		cs := plan(t, c, path, agentfile.PlanOptions{})
		var fields []string
		for _, a := range cs.Agents {
			for _, f := range a.Fields {
				fields = append(fields, f.Field)
			}
		}
		if !slices.Contains(fields, e.field) {
			t.Fatalf("%s -> %s: plan fields %v\n%s", e.from, e.to, fields, text(t, cs))
		}
		apply(t, c, cs)
		if cs := plan(t, c, path, agentfile.PlanOptions{}); cs.HasChanges() {
			t.Fatalf("%s -> %s: not converged:\n%s", e.from, e.to, text(t, cs))
		}
	}
	// The last edits listed 104 without a mode: it kept approval-required.
	support := s.Agents(team)[0]
	if len(support.Scenarios) != 2 || support.Scenarios[1].ApprovalMode != "approval-required" {
		t.Errorf("scenarios %+v", support.Scenarios)
	}
}

// TestTeamFromFileOrOptions: the file's team is used; a different team
// asked for is an error, never a silent choice.
func TestTeamFromFileOrOptions(t *testing.T) {
	_, c, path := fixture(t, twoAgents)
	f, _ := agentfile.Load(path)
	if _, err := agentfile.Plan(context.Background(), c, f, agentfile.PlanOptions{Team: 8}); err == nil || !strings.Contains(err.Error(), "says team 7, but team 8") {
		t.Fatalf("plan with another team: %v", err)
	}
	cs, err := agentfile.Plan(context.Background(), c, f, agentfile.PlanOptions{Team: 7})
	if err != nil || cs.Team != 7 {
		t.Fatalf("plan with the same team: %v", err)
	}
}

// TestPlanReadsEachThingOnce: a plan reads the team's catalogue once (a
// provider's connections and models once however many agents use it),
// gets each agent of the file, and lists contexts only for agents whose
// knowledge the file manages.
func TestPlanReadsEachThingOnce(t *testing.T) {
	s, c, path := fixture(t, twoAgents+`  - name: Third
    systemPrompt: p
    provider: openAi
    model: gpt-4o
`)
	apply(t, c, plan(t, c, path, agentfile.PlanOptions{}))
	s.ResetRequests()
	plan(t, c, path, agentfile.PlanOptions{})
	ops := map[string]int{}
	for _, r := range s.Requests() {
		ops[r.Method+" "+r.Operation]++
	}
	want := map[string]int{
		"GET listLLMProviders": 1, "GET listConnections": 2, "GET listLLMProviderModels": 2, "GET listScenarios": 1,
		"GET listAgents": 1, "GET getAgent": 3, "GET listContexts": 1,
	}
	if !maps.Equal(ops, want) {
		t.Errorf("requests %v, want %v", ops, want)
	}
}

// TestKnowledgeKeepsWhatAnotherItemNames: an old version of a file kept on
// purpose (documentName) next to the file itself is neither deleted as an
// old version nor counted twice; a second context of the same name is a
// duplicate, deleted.
func TestKnowledgeKeepsWhatAnotherItemNames(t *testing.T) {
	s, c, path := fixture(t, twoAgents)
	apply(t, c, plan(t, c, path, agentfile.PlanOptions{}))
	old := contextNames(s, "Support bot")[0] // faq (hash).md
	write(t, filepath.Join(filepath.Dir(path), "docs", "faq.md"), "# FAQ\nOrders ship within one day.\n")
	both := strings.Replace(twoAgents, "      - file: docs/faq.md\n", "      - file: docs/faq.md\n      - documentName: "+old+"\n", 1)
	write(t, path, both)
	cs := plan(t, c, path, agentfile.PlanOptions{})
	for _, a := range cs.Agents {
		for _, k := range a.Knowledge {
			if k.Action == agentfile.DeleteContext {
				t.Fatalf("deletes %s although the file keeps it:\n%s", k.DocumentName, text(t, cs))
			}
		}
	}
	apply(t, c, cs)
	if names := contextNames(s, "Support bot"); len(names) != 3 {
		t.Fatalf("contexts %q, want the old faq, the new faq and the returns policy", names)
	}
	if cs := plan(t, c, path, agentfile.PlanOptions{Prune: true}); cs.HasChanges() {
		t.Fatalf("not converged:\n%s", text(t, cs))
	}

	// A second context of a name the file declares is a duplicate.
	support := s.Agents(team)[0]
	if err := c.AddTextContext(context.Background(), api.CreateTextContextRequest{AgentID: support.ID,
		Content: "x", Name: contextNames(s, "Support bot")[2]}, api.ForTeam(team)); err != nil {
		t.Fatal(err)
	}
	cs = plan(t, c, path, agentfile.PlanOptions{})
	if got := text(t, cs); !strings.Contains(got, "a duplicate of the context kept") {
		t.Fatalf("plan:\n%s", got)
	}
	apply(t, c, cs)
	if names := contextNames(s, "Support bot"); len(names) != 3 {
		t.Fatalf("contexts %q after removing the duplicate", names)
	}
}

// TestPlanTextIsInert: names, prompts and context names come from the
// server; the plan's text never carries their control characters to a
// terminal.
func TestPlanTextIsInert(t *testing.T) {
	s, c, path := fixture(t, twoAgents)
	conn := int64(1001)
	s.AddAgent(team, api.Agent{Name: "Support bot", SystemPrompt: "line one\n\x1b]0;pwned\x07\nline three\n", DefaultModel: "gpt-4.1-mini", MakeConnectionID: conn})
	s.AddAgent(team, api.Agent{Name: "\x1b[2J\x1b[31mEvil", SystemPrompt: "x", DefaultModel: "gpt-4.1-mini", MakeConnectionID: conn})
	got := text(t, plan(t, c, path, agentfile.PlanOptions{Prune: true}))
	if strings.ContainsAny(got, "\x1b\x07") {
		t.Fatalf("plan text carries control characters: %q", got)
	}
	if !strings.Contains(got, "- \uFFFD]0;pwned\uFFFD") || !strings.Contains(got, `- delete "\x1b[2J\x1b[31mEvil"`) {
		t.Errorf("plan text:\n%s", got)
	}
}

// TestApplyStopsWhenCancelled: a cancelled apply writes nothing more and
// lists every step it did not do.
func TestApplyStopsWhenCancelled(t *testing.T) {
	s, c, path := fixture(t, twoAgents)
	cs := plan(t, c, path, agentfile.PlanOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	s.ResetRequests()
	res, err := agentfile.Apply(ctx, c, cs, agentfile.ApplyOptions{OnStep: func(agentfile.Step) { cancel() }})
	if !errors.Is(err, context.Canceled) || len(res.Done) != 1 || res.Failed != nil || len(res.NotDone) != 4 {
		t.Fatalf("err %v, done %v, failed %v, not done %v", err, res.Done, res.Failed, res.NotDone)
	}
	if w := writes(s); len(w) != 1 {
		t.Errorf("writes %v, want the one create", w)
	}
}
