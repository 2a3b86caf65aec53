package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
)

func TestProvidersCommands(t *testing.T) {
	fake, env := fakeEnv(t)
	providers := decodeJSON[[]api.LLMProvider](t, runCLI(t, env, "providers", "list").ok(t).stdout)
	if len(providers) != len(fake.Providers()) || providers[0].AccountName != fake.Providers()[0].AccountName {
		t.Fatalf("providers list = %+v", providers)
	}
	one := decodeJSON[[]map[string]any](t, runCLI(t, env, "providers", "get", "1").ok(t).stdout)
	if len(one) != 1 || one[0]["id"] != 1.0 {
		t.Errorf("providers get = %v (Make answers an array, printed as sent)", one)
	}
	models := decodeJSON[[]api.LLMModel](t, runCLI(t, env, "providers", "models", "1").ok(t).stdout)
	if len(models) == 0 || models[0].Model == "" || models[0].TokenLimit <= 0 {
		t.Errorf("providers models = %+v", models)
	}
	r := runCLI(t, env, "providers", "models", "99")
	if r.code != exitError {
		t.Fatalf("unknown provider: exit %d", r.code)
	}
	assertOneErrorLine(t, r.stderr, "404")
}

// A text context and an uploaded file arrive, are listed with their names,
// show in the agent, are cited by its answers, and are deleted.
func TestContextsCommands(t *testing.T) {
	fake, env := fakeEnv(t)
	a := fake.AddAgent(team, api.Agent{Name: "Helper", SystemPrompt: "s", DefaultModel: "m"})
	text := decodeJSON[api.AgentContext](t, runCLI(t, env, "contexts", "add", a.ID, "--text", "Refunds are processed within 14 days.", "--name", "Refund policy").ok(t).stdout)
	if text.ID == "" || text.DocumentName != "Refund policy" || text.AgentID != a.ID {
		t.Errorf("contexts add --text printed %+v, want the new context with its id", text)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "pricing (2025).txt")
	if err := os.WriteFile(file, []byte("The premium plan costs 49 EUR a month.\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	uploaded := decodeJSON[api.AgentContext](t, runCLI(t, env, "contexts", "add", a.ID, "--file", file).ok(t).stdout)
	list := decodeJSON[[]api.AgentContext](t, runCLI(t, env, "contexts", "list", a.ID).ok(t).stdout)
	if len(list) != 2 || uploaded.ID != list[1].ID || text.ID != list[0].ID {
		t.Errorf("contexts add printed %s and %s; the list has %+v", text.ID, uploaded.ID, list)
	}
	if len(list) != 2 || list[0].DocumentName != "Refund policy" || list[1].DocumentName != "pricing (2025).txt" ||
		list[1].Metadata["size"] != 39.0 || list[1].AgentID != a.ID {
		t.Fatalf("contexts = %+v", list)
	}
	out := decodeJSON[api.RunAgentResult](t, runCLI(t, env, "run", a.ID, "How much is premium?").ok(t).stdout)
	if !strings.Contains(out.Response, makeagentstest.Citation("pricing (2025).txt", "The premium plan costs 49 EUR a month.")) {
		t.Errorf("the answer does not cite the uploaded file: %s", out.Response)
	}
	runCLI(t, env, "contexts", "delete", list[0].ID).ok(t)
	if got := fake.Agents(team)[0].Contexts; len(got) != 1 || got[0].ID != list[1].ID {
		t.Errorf("after delete the agent has %+v", got)
	}
}

// Bad input to the context and provider commands is a usage error with no
// request made.
func TestKnowledgeUsageErrors(t *testing.T) {
	fake, env := fakeEnv(t)
	id := fake.AddAgent(team, api.Agent{Name: "x", SystemPrompt: "s", DefaultModel: "m"}).ID
	fake.ResetRequests()
	dir := t.TempDir()
	badName := filepath.Join(dir, "notes;v2.txt")
	if err := os.WriteFile(badName, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"provider id not an integer", []string{"providers", "get", "one"}, "provider id"},
		{"provider id zero", []string{"providers", "models", "0"}, "provider id"},
		{"contexts without agent", []string{"contexts", "list"}, "takes 1 argument"},
		{"contexts of a bad agent", []string{"contexts", "list", "nope"}, "agentId"},
		{"add with neither", []string{"contexts", "add", id}, "--file PATH or --text TEXT"},
		{"add with both", []string{"contexts", "add", id, "--file", badName, "--text", "t"}, "not both"},
		{"missing file", []string{"contexts", "add", id, "--file", filepath.Join(dir, "none.txt")}, "no such file"},
		{"a directory", []string{"contexts", "add", id, "--file", dir}, "not a regular file"},
		{"a device", []string{"contexts", "add", id, "--file", "/dev/zero"}, "not a regular file"},
		{"file name Make refuses", []string{"contexts", "add", id, "--file", badName}, "--name"},
		{"name too long", []string{"contexts", "add", id, "--text", "t", "--name", strings.Repeat("n", 121)}, "at most 120"},
		{"name with a slash", []string{"contexts", "add", id, "--text", "t", "--name", "a/b"}, "not allowed"},
		{"delete a bad id", []string{"contexts", "delete", "../x"}, "contextId"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, env, tc.args...)
			if r.code != exitUsage || r.stdout != "" {
				t.Fatalf("exit %d stdout %q, want 2 and nothing\nstderr: %s", r.code, r.stdout, r.stderr)
			}
			if first := strings.SplitN(r.stderr, "\n", 2)[0]; !strings.Contains(first, tc.want) {
				t.Errorf("first stderr line %q does not say %q", first, tc.want)
			}
		})
	}
	if reqs := fake.Requests(); len(reqs) != 0 {
		t.Errorf("usage errors made %d request(s)", len(reqs))
	}
}
