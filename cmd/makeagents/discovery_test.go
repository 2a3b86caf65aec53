package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
)

func TestDoctorPassesAgainstTheFake(t *testing.T) {
	fake, env := fakeEnv(t)
	r := runCLI(t, env, "doctor").ok(t)
	for _, want := range []string{
		"ok   no zone: a custom base URL, base URL " + fake.URL() + ", team 7",
		"ok   token has every scope the commands need",
		"ok   team 7 reachable: 0 agent(s)",
		"ok   provider 1 (openAi, type openai-gpt-3): 1 connection(s) [1001], 3 model(s)",
		"ok   8 tool scenario(s): 122 ",
		"ok   everything agents create and run need is there",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "FAIL") || strings.Contains(r.stdout, fake.Token()) {
		t.Errorf("doctor output:\n%s", r.stdout)
	}
}

// A token without ai-agents:write cannot create or run: doctor names the
// scope with the commands that need it, one FAIL line, and exits 1 with
// one line on stderr.
func TestDoctorNamesAMissingScope(t *testing.T) {
	_, env := fakeEnv(t, makeagentstest.WithScopes("ai-agents:read", "connections:read", "scenarios:read"))
	r := runCLI(t, env, "doctor")
	if r.code != exitError {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	fails := 0
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(l, "FAIL") {
			fails++
			if !strings.Contains(l, "token lacks scope ai-agents:write, needed by: agents create, agents create --provider, agents update, agents delete, run, stream") {
				t.Errorf("FAIL line %q does not name the scope and its commands", l)
			}
		}
	}
	if fails != 1 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "ai-agents:write") {
		t.Errorf("%d FAIL lines; stderr %q\n%s", fails, r.stderr, r.stdout)
	}
	// scenarios:read is not needed to create and run: a warning only.
	_, env = fakeEnv(t, makeagentstest.WithScopes("ai-agents:read", "ai-agents:write", "connections:read"))
	r = runCLI(t, env, "doctor").ok(t)
	if !strings.Contains(r.stdout, "warn token lacks scope scenarios:read, needed by: scenarios list") ||
		!strings.Contains(r.stdout, "warn tool scenarios: listing failed: ") {
		t.Errorf("doctor without scenarios:read:\n%s", r.stdout)
	}
}

// Make's current-authorization example spells scopes access first
// (read:user); doctor reads that spelling as the operations' (user:read).
func TestDoctorReadsBothScopeSpellings(t *testing.T) {
	_, env := fakeEnv(t, makeagentstest.WithScopes("read:ai-agents", "write:ai-agents", "read:connections", "scenarios:read"))
	r := runCLI(t, env, "doctor").ok(t)
	if !strings.Contains(r.stdout, "ok   token has every scope the commands need") || strings.Contains(r.stdout, "FAIL") {
		t.Errorf("doctor with access-first scopes:\n%s", r.stdout)
	}
	_, env = fakeEnv(t, makeagentstest.WithScopes("read:ai-agents", "read:connections", "read:scenarios"))
	r = runCLI(t, env, "doctor")
	if r.code != exitError || !strings.Contains(r.stdout, "FAIL token lacks scope ai-agents:write") {
		t.Errorf("doctor without write:ai-agents: exit %d\n%s", r.code, r.stdout)
	}
}

func TestConnectionsAndScenariosList(t *testing.T) {
	fake, env := fakeEnv(t)
	conns := decodeJSON[[]map[string]any](t, runCLI(t, env, "connections", "list", "--type", "openai-gpt-3").ok(t).stdout)
	if len(conns) != 1 || conns[0]["id"] != float64(1001) || conns[0]["accountName"] != "openai-gpt-3" {
		t.Errorf("connections --type openai-gpt-3 = %v", conns)
	}
	all := decodeJSON[[]map[string]any](t, runCLI(t, env, "connections", "list", "--type", "google", "--type", "slack").ok(t).stdout)
	if len(all) != 2 {
		t.Errorf("two types: %v", all)
	}
	// No match: stdout is still the (empty) array; stderr names the types
	// there are and, for a provider's name, the accountName meant.
	none := runCLI(t, env, "connections", "list", "--type", "openAi")
	if none.code != exitOK || strings.TrimSpace(none.stdout) != "[]" ||
		!strings.Contains(none.stderr, "no connection of type openAi in this team; its connections' types: ") ||
		!strings.Contains(none.stderr, "google, ") || !strings.Contains(none.stderr, "openai-gpt-3") ||
		!strings.Contains(none.stderr, "openAi is LLM provider 1's name: its connections' type is its accountName, --type openai-gpt-3") {
		t.Errorf("no match: exit %d, stdout %q, stderr %q", none.code, none.stdout, none.stderr)
	}
	if r := runCLI(t, env, "connections", "list", "--type", "nothing-here"); strings.TrimSpace(r.stdout) != "[]" ||
		!strings.HasPrefix(r.stderr, "no connection of type nothing-here") || strings.Contains(r.stderr, "provider") {
		t.Errorf("no match, no provider: stdout %q, stderr %q", r.stdout, r.stderr)
	}
	tools := decodeJSON[[]api.Scenario](t, runCLI(t, env, "scenarios", "list", "--tools").ok(t).stdout)
	if len(tools) != 8 {
		t.Errorf("scenarios --tools: %d, want 8", len(tools))
	}
	for _, s := range tools {
		if s.Type != "tool" {
			t.Errorf("not a tool: %+v", s)
		}
	}
	every := decodeJSON[[]api.Scenario](t, runCLI(t, env, "scenarios", "list", "--page-size", "4").ok(t).stdout)
	if len(every) != 23 {
		t.Errorf("scenarios --page-size 4: %d, want all 23", len(every))
	}
	// --limit caps what is printed, and no page past it is asked for.
	fake.ResetRequests()
	capped := decodeJSON[[]api.Scenario](t, runCLI(t, env, "scenarios", "list", "--tools", "--limit", "3", "--page-size", "2").ok(t).stdout)
	if len(capped) != 3 || capped[0].ID != tools[0].ID || capped[2].ID != tools[2].ID {
		t.Errorf("scenarios --tools --limit 3: %d scenarios, want the first 3", len(capped))
	}
	if n := len(fake.Requests()); n != 2 {
		t.Errorf("--limit 3 with pages of 2 made %d requests, want 2", n)
	}
}

// agents create --provider picks the provider's one connection: no id is
// typed, and the agent is on that provider.
func TestCreateWithProvider(t *testing.T) {
	fake, env := fakeEnv(t)
	created := decodeJSON[map[string]any](t, runCLI(t, env, "agents", "create", "--provider", "2",
		"--model", "claude-3-5-haiku-latest", "--name", "N", "--system-prompt", "S").ok(t).stdout)
	if created["makeConnectionId"] != float64(fake.ConnectionID(2)) {
		t.Errorf("created %v, want makeConnectionId %d", created, fake.ConnectionID(2))
	}
	if r := runCLI(t, env, "agents", "create", "--provider", "99", "--model", "m", "--name", "N", "--system-prompt", "S"); r.code != exitUsage ||
		!strings.Contains(r.stderr, "not one of the team's LLM providers (1, 2, 3)") {
		t.Errorf("unknown provider: exit %d %q", r.code, r.stderr)
	}
}

// Several connections for a provider: they are listed, exit 2, nothing
// created.
func TestCreateWithProviderOfSeveralConnections(t *testing.T) {
	var created int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/v2/ai-agents/v1/llm-providers":
			_, _ = w.Write([]byte(`[{"id":5,"provider":"openAi","accountName":"openai-gpt-3"}]`))
		case "/api/v2/connections":
			if r.URL.RawQuery != "teamId=7&type[]=openai-gpt-3" {
				t.Errorf("connections query %q", r.URL.RawQuery)
			}
			_, _ = w.Write([]byte(`{"connections":[{"id":11,"name":"Prod key","accountName":"openai-gpt-3"},{"id":12,"name":"Test key","accountName":"openai-gpt-3"}]}`))
		default:
			created++
			w.WriteHeader(http.StatusTeapot)
		}
	}))
	t.Cleanup(srv.Close)
	env := map[string]string{"MAKE_API_TOKEN": "tok", "MAKE_TEAM_ID": "7", "MAKE_BASE_URL": srv.URL + "/api/v2"}
	r := runCLI(t, env, "agents", "create", "--provider", "5", "--model", "gpt-4o", "--name", "N", "--system-prompt", "S")
	if r.code != exitUsage || !strings.Contains(r.stderr, "provider 5 has 2 connections; pick one:") ||
		!strings.Contains(r.stderr, "--connection 11  Prod key") || !strings.Contains(r.stderr, "--connection 12  Test key") || created != 0 {
		t.Errorf("exit %d, %d other requests, stderr:\n%s", r.code, created, r.stderr)
	}
}

// Bad input is a usage error and no request is made.
func TestDiscoveryUsageErrors(t *testing.T) {
	fake, env := fakeEnv(t)
	for _, args := range [][]string{
		{"connections", "list", "--type", "open ai"},
		{"connections", "list", "--type", "a&b"},
		{"connections", "list", "--type", ""},
		{"agents", "create", "--provider", "openai", "--model", "m", "--name", "N", "--system-prompt", "S"},
		{"agents", "create", "--provider", "0", "--model", "m", "--name", "N", "--system-prompt", "S"},
		{"agents", "create", "--provider", "1", "--connection", "2", "--model", "m", "--name", "N", "--system-prompt", "S"},
		{"agents", "create", "--provider", "1", "--name", "N", "--system-prompt", "S"},
		{"scenarios", "list", "--limit", "0"},
		{"scenarios", "list", "--limit", "-3"},
		{"scenarios", "list", "--limit", "ten"},
		{"scenarios", "list", "--page-size", "0"},
		{"scenarios", "list", "--page-size", "-1"},
	} {
		if r := runCLI(t, env, args...); r.code != exitUsage || strings.Count(r.stderr, "\n") < 1 {
			t.Errorf("%q: exit %d, stderr %q; want a usage error", args, r.code, r.stderr)
		}
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("usage errors made %d requests", n)
	}
}

// doctor's table of what each command sends names every command that talks
// to the API, and only operations the SDK knows the scopes of.
func TestCommandOperationsCoverTheCommands(t *testing.T) {
	listed := map[string]bool{}
	for _, c := range commandOperations {
		listed[strings.TrimSuffix(c.words, " --provider")] = true
		for _, op := range c.ops {
			if _, ok := api.OperationScopes(op); !ok {
				t.Errorf("%s: unknown operation %s", c.words, op)
			}
		}
	}
	for _, c := range commandTable() {
		switch words := commandWords(c); words {
		case "demo", "doctor", "conformance", "fake", "completion": // the fake, every operation or none
			continue
		default:
			if !listed[words] {
				t.Errorf("command %q is not in commandOperations", words)
			}
		}
	}
}

// A server with a thousand connection types (and escapes in them): the
// no-match hint names at most maxHintTypes, without terminal controls.
func TestConnectionsHintBounded(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/api/v2/connections" && strings.Contains(r.URL.RawQuery, "type"):
			_, _ = w.Write([]byte(`{"connections":[]}`))
		case r.URL.Path == "/api/v2/connections":
			var b strings.Builder
			b.WriteString(`{"connections":[`)
			for i := range 1000 {
				if i > 0 {
					b.WriteString(",")
				}
				fmt.Fprintf(&b, `{"id":%d,"name":"c","accountName":"type-%04d\u001b[2J"}`, i+1, i)
			}
			b.WriteString(`]}`)
			_, _ = w.Write([]byte(b.String()))
		default:
			w.WriteHeader(http.StatusForbidden)
		}
	}))
	t.Cleanup(srv.Close)
	r := runCLI(t, map[string]string{"MAKE_API_TOKEN": "tok", "MAKE_TEAM_ID": "7", "MAKE_BASE_URL": srv.URL + "/api/v2"}, "connections", "list", "--type", "x")
	if r.code != exitOK || strings.TrimSpace(r.stdout) != "[]" || strings.Count(r.stderr, "type-") != maxHintTypes ||
		!strings.Contains(r.stderr, " and 980 more") || strings.Contains(r.stderr, "\x1b") {
		t.Errorf("exit %d, stdout %q, stderr %.300q", r.code, r.stdout, r.stderr)
	}
}

// doctor reports the client-side rate limit in one line; a MAKE_RATE_LIMIT
// that is not a number is a usage error before any request.
func TestDoctorReportsTheRateLimit(t *testing.T) {
	fake, env := fakeEnv(t)
	r := runCLI(t, env, "doctor").ok(t)
	if help := runCLI(t, nil, "doctor", "--help").ok(t).stdout; !strings.Contains(help, "rate limit (MAKE_RATE_LIMIT") {
		t.Errorf("doctor --help does not mention its rate-limit line:\n%s", help)
	}
	if !strings.Contains(r.stdout, "warn rate limit: none; set MAKE_RATE_LIMIT") {
		t.Errorf("doctor without a rate limit:\n%s", r.stdout)
	}
	env[api.EnvRateLimit] = "240"
	r = runCLI(t, env, "doctor").ok(t)
	if !strings.Contains(r.stdout, "ok   rate limit: 240 requests a minute (MAKE_RATE_LIMIT)") {
		t.Errorf("doctor with MAKE_RATE_LIMIT=240:\n%s", r.stdout)
	}
	before := len(fake.Requests())
	env[api.EnvRateLimit] = "lots"
	r = runCLI(t, env, "doctor")
	if r.code != exitUsage || !strings.Contains(r.stderr, "MAKE_RATE_LIMIT") || len(fake.Requests()) != before {
		t.Errorf("MAKE_RATE_LIMIT=lots: exit %d, stderr %q, %d requests sent", r.code, r.stderr, len(fake.Requests())-before)
	}
}
