package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
)

const team = 7

// cliResult is what one in-process run of the CLI produced.
type cliResult struct {
	code           int
	stdout, stderr string
}

// runCLI runs the CLI in-process with env as its whole environment.
func runCLI(t *testing.T, env map[string]string, args ...string) cliResult {
	t.Helper()
	return runCLIContext(context.Background(), t, env, "", args...)
}

func runCLIContext(ctx context.Context, t *testing.T, env map[string]string, stdin string, args ...string) cliResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, strings.NewReader(stdin), &stdout, &stderr, func(k string) string { return env[k] })
	scanCLI(env, stdout.String(), stderr.String())
	return cliResult{code, stdout.String(), stderr.String()}
}

// fakeEnv starts a fake and returns the environment that points the CLI at it.
func fakeEnv(t *testing.T, opts ...makeagentstest.Option) (*makeagentstest.Server, map[string]string) {
	t.Helper()
	fake := makeagentstest.NewServer(t, opts...)
	return fake, map[string]string{
		"MAKE_API_TOKEN": fake.Token(),
		"MAKE_TEAM_ID":   "7",
		"MAKE_BASE_URL":  fake.URL(),
	}
}

func (r cliResult) ok(t *testing.T) cliResult {
	t.Helper()
	if r.code != exitOK {
		t.Fatalf("exit %d, want 0\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	// run and stream say on stderr which thread to continue; nothing else
	// may appear there on success.
	if stderr := threadLine.ReplaceAllString(r.stderr, ""); stderr != "" {
		t.Errorf("stderr not empty on success: %q", r.stderr)
	}
	return r
}

var threadLine = regexp.MustCompile(`^thread: (\S+) \(continue it with --thread (\S+)\)\n$`)

func decodeJSON[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("stdout is not the expected JSON: %v\n%s", err, s)
	}
	return v
}

func TestAgentsLifecycle(t *testing.T) {
	fake, env := fakeEnv(t)
	created := decodeJSON[map[string]any](t, runCLI(t, env, "agents", "create",
		"--name", "Support", "--connection", "1001", "--model", "gpt-4.1-mini", "--system-prompt", "Be kind.").ok(t).stdout)
	id, _ := created["id"].(string)
	if api.ValidateAgentID(id) != nil || created["name"] != "Support" {
		t.Fatalf("created agent printed as %v; want its id under \"id\"", created)
	}

	list := decodeJSON[[]map[string]any](t, runCLI(t, env, "agents", "list").ok(t).stdout)
	if len(list) != 1 || list[0]["id"] != id {
		t.Fatalf("list = %v", list)
	}

	got := decodeJSON[map[string]any](t, runCLI(t, env, "agents", "get", id).ok(t).stdout)
	if got["id"] != id || got["defaultModel"] != "gpt-4.1-mini" || got["teamId"] != float64(team) {
		t.Fatalf("get = %v", got)
	}

	if out := runCLI(t, env, "agents", "update", id, "--name", "Support (EU)").ok(t).stdout; out != "" {
		t.Errorf("update printed %q, want nothing", out)
	}
	if a := fake.Agents(team)[0]; a.Name != "Support (EU)" || a.SystemPrompt != "Be kind." {
		t.Errorf("after update the agent is %+v; only the name should change", a)
	}
	// Only the flag given was sent.
	var patch []byte
	for _, r := range fake.Requests() {
		if r.Method == "PATCH" {
			patch = r.Body
		}
	}
	if string(patch) != `{"name":"Support (EU)"}` {
		t.Errorf("PATCH body = %s", patch)
	}

	if out := runCLI(t, env, "agents", "delete", id).ok(t).stdout; out != "" {
		t.Errorf("delete printed %q", out)
	}
	if n := len(fake.Agents(team)); n != 0 {
		t.Errorf("%d agents left after delete", n)
	}

	// The agent is gone: an API error, exit 1, one stderr line with the status and Make's message.
	r := runCLI(t, env, "agents", "get", id)
	if r.code != exitError || r.stdout != "" {
		t.Fatalf("get after delete: exit %d stdout %q", r.code, r.stdout)
	}
	assertOneErrorLine(t, r.stderr, "404")
}

func assertOneErrorLine(t *testing.T, stderr string, wants ...string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "makeagents: ") {
		t.Fatalf("stderr = %q, want exactly one line starting with \"makeagents: \"", stderr)
	}
	for _, w := range wants {
		if !strings.Contains(lines[0], w) {
			t.Errorf("stderr line %q does not mention %q", lines[0], w)
		}
	}
}

func TestCreateFromFileWithOverrides(t *testing.T) {
	fake, env := fakeEnv(t)
	file := filepath.Join(t.TempDir(), "agent.json")
	body := `{"name":"From file","makeConnectionId":1002,"defaultModel":"claude-3-7-sonnet-latest","systemPrompt":"p",
		"scenarios":[{"makeScenarioId":4242,"approvalMode":"auto-run"}],"historyConfig":{"iterationsFromHistoryCount":3}}`
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	created := decodeJSON[map[string]any](t, runCLI(t, env, "agents", "create", "--from-file", file, "--model", "claude-3-5-haiku-latest").ok(t).stdout)
	if created["id"] == nil {
		t.Fatalf("no id in %v", created)
	}
	a := fake.Agents(team)[0]
	if a.Name != "From file" || a.DefaultModel != "claude-3-5-haiku-latest" || len(a.Scenarios) != 1 || a.Scenarios[0].MakeScenarioID != 4242 ||
		a.HistoryConfig.IterationsFromHistoryCount != 3 {
		t.Errorf("stored agent = %+v", a)
	}
}

func TestRunPrintsResponseBody(t *testing.T) {
	fake, env := fakeEnv(t)
	a := fake.AddAgent(team, api.Agent{Name: "Echo", SystemPrompt: "s", DefaultModel: "m"})
	// Thread ids are the fake's own, as Make's are: the first run starts one.
	thread := decodeJSON[map[string]any](t, runCLI(t, env, "run", a.ID, "Hi").ok(t).stdout)["threadId"].(string)
	r := runCLI(t, env, "run", a.ID, "What is 2+2?", "--thread", thread).ok(t)
	out := decodeJSON[map[string]any](t, r.stdout)
	if out["response"] != makeagentstest.Answer("Echo", "What is 2+2?") {
		t.Errorf("response = %v, want the fake agent's answer", out["response"])
	}
	for _, req := range fake.Requests() {
		if req.Operation == "runAgent" && strings.Contains(string(req.Body), "2+2") && !strings.Contains(string(req.Body), `"threadId":"`+thread+`"`) {
			t.Errorf("run body %s does not carry the thread", req.Body)
		}
	}
}

// run --config-file sends the file as the run's config; without it the
// run still sends "config": {} (Make requires it). An empty --thread sends
// no threadId (Make wants at least one character), so a new thread starts.
func TestRunConfigFile(t *testing.T) {
	fake, env := fakeEnv(t)
	a := fake.AddAgent(team, api.Agent{Name: "Echo", SystemPrompt: "s", DefaultModel: "m"})
	file := filepath.Join(t.TempDir(), "config.json")
	config := `{"additionalSystemPrompt":"Be brief.","llmConfig":{"llmModel":"o4-mini","settings":{"maxTokens":1500}},` +
		`"outputParser":{"type":"make-schema","schema":[{"name":"echo","type":"text"}]}}`
	if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	out := decodeJSON[map[string]any](t, runCLI(t, env, "run", a.ID, "hi", "--config-file", file).ok(t).stdout)
	if out["jsonResponse"].(map[string]any)["echo"] != "hi" {
		t.Errorf("structured output not applied: %v", out)
	}
	runCLI(t, env, "run", a.ID, "again").ok(t)
	var bodies []map[string]any
	for _, req := range fake.Requests() {
		if req.Operation == "runAgent" {
			bodies = append(bodies, decodeJSON[map[string]any](t, string(req.Body)))
		}
	}
	if len(bodies) != 2 {
		t.Fatalf("%d run requests", len(bodies))
	}
	if c := bodies[0]["config"].(map[string]any); c["additionalSystemPrompt"] != "Be brief." || c["llmConfig"] == nil {
		t.Errorf("config sent = %v", bodies[0]["config"])
	}
	if c, ok := bodies[1]["config"].(map[string]any); !ok || len(c) != 0 {
		t.Errorf("a run without --config-file sent config %v, want {}", bodies[1]["config"])
	}
	if _, ok := bodies[1]["threadId"]; ok {
		t.Errorf("a run without --thread sent a threadId: %v", bodies[1])
	}
}

// An empty --thread (an unset shell variable, most likely) is refused: it
// would silently start a new thread instead of continuing one.
func TestEmptyThreadRefused(t *testing.T) {
	fake, env := fakeEnv(t)
	a := fake.AddAgent(team, api.Agent{Name: "Echo", SystemPrompt: "s", DefaultModel: "m"})
	fake.ResetRequests()
	for _, args := range [][]string{
		{"run", a.ID, "hi", "--thread", ""}, {"run", a.ID, "hi", "--thread="}, {"stream", a.ID, "hi", "--thread", " "},
	} {
		r := runCLI(t, env, args...)
		if r.code != exitUsage || !strings.HasPrefix(r.stderr, "makeagents: --thread is empty") {
			t.Errorf("%q: exit %d, stderr %q; want 2 saying --thread is empty", args, r.code, r.stderr)
		}
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests made", n)
	}
}

// A key the request body does not know, in --from-file or --config-file,
// is a usage error naming the key and the file; nothing is sent.
func TestUnknownKeysRefused(t *testing.T) {
	fake, env := fakeEnv(t)
	a := fake.AddAgent(team, api.Agent{Name: "Echo", SystemPrompt: "s", DefaultModel: "m"})
	fake.ResetRequests()
	dir := t.TempDir()
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	agent := write("agent.json", `{"name":"n","makeConnectionId":1001,"defaultModel":"gpt-4.1-mini","sytemPrompt":"p"}`)
	nested := write("nested.json", `{"name":"n","makeConnectionId":1001,"defaultModel":"gpt-4.1-mini","systemPrompt":"p","scenarios":[{"makeScenarioID":1}]}`)
	update := write("update.json", `{"nmae":"x"}`)
	config := write("config.json", `{"llmConfig":{"llmModel":"o4-mini","setings":{}}}`)
	for _, tc := range []struct {
		args      []string
		key, file string
	}{
		{[]string{"agents", "create", "--from-file", agent}, `"sytemPrompt" in a CreateAgentRequest (keys are case-sensitive; see openapi.yaml); did you mean systemPrompt?`, agent},
		// encoding/json alone matches keys case-insensitively: Make does not.
		{[]string{"agents", "create", "--from-file", nested}, `"scenarios[0].makeScenarioID"`, nested},
		{[]string{"agents", "update", a.ID, "--from-file", update}, `"nmae"`, update},
		{[]string{"run", a.ID, "hi", "--config-file", config}, `"llmConfig.setings"`, config},
	} {
		r := runCLI(t, env, tc.args...)
		first, _, _ := strings.Cut(r.stderr, "\n")
		if r.code != exitUsage || !strings.Contains(first, ": unknown key "+tc.key) || !strings.Contains(first, tc.file) {
			t.Errorf("%q: exit %d, stderr %q; want 2 naming %s and the file", tc.args, r.code, r.stderr, tc.key)
		}
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests made", n)
	}
}

// Tool calls and tool results are shown in text mode, one readable line each.
func TestStreamTextShowsToolCalls(t *testing.T) {
	fake, env := fakeEnv(t)
	a := fake.AddAgent(team, api.Agent{Name: "Tools", SystemPrompt: "s", DefaultModel: "m", Scenarios: []api.ScenarioTool{{MakeScenarioID: 77}}})
	out := runCLI(t, env, "stream", a.ID, "run my scenario").ok(t).stdout
	for _, want := range []string{
		`[assistant] -> calls scenario "Scenario 77" with {"message":"run my scenario"}`,
		`[tool] <- scenario "Scenario 77" ok: {"echo":"run my scenario","scenarioId":77,"status":"success"}`,
		"execution: https://make.invalid/scenarios/77/executions/",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stream output lacks %q:\n%s", want, out)
		}
	}
}

func TestStreamText(t *testing.T) {
	fake, env := fakeEnv(t)
	a := fake.AddAgent(team, api.Agent{Name: "Echo", SystemPrompt: "You echo.", DefaultModel: "m"})
	out := runCLI(t, env, "stream", a.ID, "hello there").ok(t).stdout
	for _, want := range []string{"[system] You echo.", "[user] hello there", "[assistant] " + strings.SplitN(makeagentstest.Answer("Echo", "hello there"), "\n", 2)[0]} {
		if !strings.Contains(out, want) {
			t.Errorf("stream output lacks %q:\n%s", want, out)
		}
	}
}

func TestStreamJSONLinesAreEventsWithJSONData(t *testing.T) {
	fake, env := fakeEnv(t)
	fake.StreamFaults(makeagentstest.MalformedEvent(1))
	a := fake.AddAgent(team, api.Agent{Name: "Echo", SystemPrompt: "s", DefaultModel: "m"})
	out := runCLI(t, env, "stream", a.ID, "hi", "--json").ok(t).stdout
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 4 {
		t.Fatalf("got %d lines:\n%s", len(lines), out)
	}
	var sawString bool
	for _, line := range lines {
		var ev struct {
			Event string          `json:"event"`
			ID    string          `json:"id"`
			Data  json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil || ev.Event != "step" || ev.ID == "" {
			t.Fatalf("line %q is not {event,id,data}: %v", line, err)
		}
		if ev.Data[0] == '"' {
			sawString = true // the malformed event's data, kept as a string
		} else if ev.Data[0] != '{' {
			t.Errorf("data %s is neither a JSON object nor a string", ev.Data)
		}
	}
	if !sawString {
		t.Error("non-JSON data was not printed as a string")
	}
}

// --json lines are written while the stream is still open: the fake stalls
// after two events, and the test reads both lines before ending the run
// with a cancel (Ctrl-C), which must stop the CLI promptly with 130.
func TestStreamJSONIsLiveAndCtrlCStops(t *testing.T) {
	fake, env := fakeEnv(t)
	fake.StreamFaults(makeagentstest.StallStream(2))
	a := fake.AddAgent(team, api.Agent{Name: "Echo", SystemPrompt: "s", DefaultModel: "m"})

	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		done <- run(ctx, []string{"stream", a.ID, "hi", "--json"}, strings.NewReader(""), pw, &stderr,
			func(k string) string { return env[k] })
		_ = pw.Close()
	}()
	dec := json.NewDecoder(pr)
	for i := 0; i < 2; i++ {
		var ev map[string]any
		if err := dec.Decode(&ev); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
	}
	select {
	case code := <-done:
		t.Fatalf("CLI exited (%d) although the stream is still open", code)
	default:
	}
	cancel()
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if code := <-done; code != exitInterrupted {
		t.Fatalf("exit %d after Ctrl-C, want %d (stderr %q)", code, exitInterrupted, stderr.String())
	}
}

func TestStreamErrorsExit1(t *testing.T) {
	fake, env := fakeEnv(t)
	fake.StreamFaults(makeagentstest.CutStreamMidEvent(1))
	a := fake.AddAgent(team, api.Agent{Name: "Echo", SystemPrompt: "s", DefaultModel: "m"})
	r := runCLI(t, env, "stream", a.ID, "hi")
	if r.code != exitError || !strings.Contains(r.stdout, "[system]") {
		t.Fatalf("exit %d, stdout %q", r.code, r.stdout)
	}
	assertOneErrorLine(t, r.stderr, "EOF")
}

// A stream that breaks or is interrupted after its run reached Make names
// the thread the CLI chose for it, in its one line: the conversation can
// go on. With --thread the user knows it already.
func TestStreamBrokenNamesItsThread(t *testing.T) {
	fake, env := fakeEnv(t)
	fake.StreamFaults(makeagentstest.CutStreamMidEvent(1))
	a := fake.AddAgent(team, api.Agent{Name: "Echo", SystemPrompt: "s", DefaultModel: "m"})
	r := runCLI(t, env, "stream", a.ID, "hi")
	thread := ""
	for _, req := range fake.Requests() {
		var body struct {
			ThreadID string `json:"threadId"`
		}
		if req.Method == http.MethodPost && json.Unmarshal(req.Body, &body) == nil && body.ThreadID != "" {
			thread = body.ThreadID
		}
	}
	if thread == "" {
		t.Fatal("the stream request named no thread")
	}
	assertOneErrorLine(t, r.stderr, "EOF", "(thread "+thread+": continue it with --thread "+thread+")")
	if r.code != exitError {
		t.Errorf("exit %d", r.code)
	}
	r = runCLI(t, env, "stream", a.ID, "hi", "--thread", "mine")
	assertOneErrorLine(t, r.stderr, "EOF")
	if strings.Contains(r.stderr, "--thread") {
		t.Errorf("with --thread given: %s", r.stderr)
	}

	// Ctrl-C in the middle: exit 130, the thread named too.
	fake.StreamFaults(makeagentstest.StallStream(1))
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		done <- run(ctx, []string{"stream", a.ID, "hi", "--json"}, strings.NewReader(""), pw, &stderr,
			func(k string) string { return env[k] })
		_ = pw.Close()
	}()
	if err := json.NewDecoder(pr).Decode(new(map[string]any)); err != nil {
		t.Fatal(err)
	}
	cancel()
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if code := <-done; code != exitInterrupted || !strings.HasPrefix(stderr.String(), "makeagents: interrupted (thread ") ||
		strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}

// Make's validation errors carry detail as a list of strings: the one error
// line names the status, the message and every line of the detail.
func TestAPIErrorWithDetailList(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"code":"SC400","message":"Invalid input parameters","detail":["Validation failed for 1 parameter(s).","Missing value of required parameter 'teamId'."]}`)
	}))
	defer srv.Close()
	r := runCLI(t, map[string]string{"MAKE_API_TOKEN": "t", "MAKE_TEAM_ID": "7", "MAKE_BASE_URL": srv.URL + "/api/v2"}, "agents", "list")
	if r.code != exitError {
		t.Fatalf("exit %d, want 1", r.code)
	}
	assertOneErrorLine(t, r.stderr, "400", "Invalid input parameters", "Validation failed for 1 parameter(s).", "Missing value of required parameter 'teamId'.")
}

func TestAPIErrorNamesStatusAndMakeMessage(t *testing.T) {
	fake, env := fakeEnv(t)
	fake.FailNext(1, 403, 0)
	r := runCLI(t, env, "agents", "list")
	if r.code != exitError || r.stdout != "" {
		t.Fatalf("exit %d stdout %q", r.code, r.stdout)
	}
	assertOneErrorLine(t, r.stderr, "403", "SC403")

	env["MAKE_API_TOKEN"] = "wrong-token"
	r = runCLI(t, env, "agents", "list")
	if r.code != exitError {
		t.Fatalf("exit %d with a wrong token", r.code)
	}
	assertOneErrorLine(t, r.stderr, "401")
}

// Usage errors exit 2 with one leading line and make no request.
func TestUsageErrorsMakeNoRequest(t *testing.T) {
	fake, env := fakeEnv(t)
	id := fake.AddAgent(team, api.Agent{Name: "x", SystemPrompt: "s", DefaultModel: "m"}).ID
	fake.ResetRequests()
	without := func(key string) map[string]string {
		e := map[string]string{}
		for k, v := range env {
			if k != key {
				e[k] = v
			}
		}
		return e
	}
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no command", env, nil, "no command"},
		{"unknown command", env, []string{"launch"}, "unknown command"},
		{"agents without subcommand", env, []string{"agents"}, "subcommand"},
		{"unknown agents subcommand", env, []string{"agents", "rename"}, "unknown agents subcommand"},
		{"missing argument", env, []string{"agents", "get"}, "takes 1 argument"},
		{"extra argument", env, []string{"agents", "list", "extra"}, "takes 0 argument"},
		{"malformed id", env, []string{"agents", "get", "../../x"}, "agentId"},
		{"unknown flag", env, []string{"agents", "list", "--colour"}, "unknown flag"},
		{"flag of another command", env, []string{"agents", "list", "--json"}, "unknown flag"},
		{"update with nothing", env, []string{"agents", "update", id}, "at least one field"},
		{"create missing fields", env, []string{"agents", "create", "--name", "n"}, "--connection (or --provider), --model, --system-prompt"},
		{"bad connection", env, []string{"agents", "create", "--name", "n", "--connection", "x", "--model", "m", "--system-prompt", "p"}, "--connection"},
		{"empty message", env, []string{"run", id, "  "}, "content"},
		{"no token", without("MAKE_API_TOKEN"), []string{"agents", "list"}, "MAKE_API_TOKEN"},
		{"missing token file", env, []string{"agents", "list", "--token-file", "/nonexistent/token"}, "token-file"},
		{"no team", without("MAKE_TEAM_ID"), []string{"agents", "list"}, "team"},
		{"bad team", env, []string{"agents", "list", "--team", "0"}, "team id"},
		{"unknown zone", env, []string{"agents", "list", "--zone", "mars1"}, "unknown zone"},
		{"bad base url", env, []string{"agents", "list", "--base-url", "ftp://x"}, "base URL"},
		{"bad from-file", env, []string{"agents", "create", "--from-file", "/nonexistent.json"}, "from-file"},
		// Make's modify cannot change the connection: no such flag.
		{"update connection", env, []string{"agents", "update", id, "--connection", "5"}, "connection"},
		{"bad config-file", env, []string{"run", id, "hi", "--config-file", "/nonexistent.json"}, "config-file"},
		{"conformance mode", env, []string{"conformance"}, "--read-only"},
		{"bad pace", env, []string{"demo", "--pace", "soon"}, "--pace"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.env, tc.args...)
			if r.code != exitUsage || r.stdout != "" {
				t.Fatalf("exit %d stdout %q, want 2 and nothing", r.code, r.stdout)
			}
			first := strings.SplitN(r.stderr, "\n", 2)[0]
			if !strings.HasPrefix(first, "makeagents: ") || !strings.Contains(first, tc.want) {
				t.Errorf("first stderr line %q does not say %q", first, tc.want)
			}
		})
	}
	if reqs := fake.Requests(); len(reqs) != 0 {
		t.Errorf("usage errors made %d request(s): %+v", len(reqs), reqs)
	}
}

func TestFlagsAnywhereAndPrecedence(t *testing.T) {
	fake, env := fakeEnv(t)
	fake.AddAgent(3, api.Agent{Name: "in team 3", SystemPrompt: "s", DefaultModel: "m"})
	for _, args := range [][]string{
		{"--team", "3", "agents", "list"},
		{"agents", "--team", "3", "list"},
		{"agents", "list", "--team=3"},
	} {
		list := decodeJSON[[]map[string]any](t, runCLI(t, env, args...).ok(t).stdout)
		if len(list) != 1 {
			t.Errorf("%v: --team did not beat MAKE_TEAM_ID=7: %v", args, list)
		}
	}
	// --token-file beats MAKE_API_TOKEN; --base-url beats MAKE_BASE_URL.
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(fake.Token()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env2 := map[string]string{"MAKE_API_TOKEN": "wrong", "MAKE_TEAM_ID": "7", "MAKE_BASE_URL": "http://127.0.0.1:1/api/v2"}
	runCLI(t, env2, "agents", "list", "--token-file", tokenFile, "--base-url", fake.URL()).ok(t)
	// An explicit --zone beats an inherited MAKE_BASE_URL: the request goes
	// to the zone (refused here, as the network is closed), not the fake.
	fake.ResetRequests()
	r := runCLI(t, map[string]string{"MAKE_API_TOKEN": fake.Token(), "MAKE_TEAM_ID": "7", "MAKE_BASE_URL": fake.URL()},
		"agents", "list", "--zone", "eu1", "--base-url", fake.URL())
	if r.code != exitOK || len(fake.Requests()) != 1 {
		t.Errorf("--base-url should beat --zone: exit %d, %d requests", r.code, len(fake.Requests()))
	}
}

func TestAuthorizationScheme(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "[]")
	}))
	defer srv.Close()
	env := map[string]string{"MAKE_API_TOKEN": "t0k", "MAKE_TEAM_ID": "7", "MAKE_BASE_URL": srv.URL + "/api/v2"}
	runCLI(t, env, "agents", "list").ok(t)
	runCLI(t, env, "agents", "list", "--oauth").ok(t)
	if len(got) != 2 || got[0] != "Token t0k" || got[1] != "Bearer t0k" {
		t.Errorf("Authorization headers = %q, want Token then Bearer", got)
	}
}

// The token appears in no output of any command, successful or not.
func TestTokenNeverPrinted(t *testing.T) {
	const secret = "tok-5e3d1a9c-never-print-me"
	fake, env := fakeEnv(t, makeagentstest.WithToken(secret))
	a := fake.AddAgent(team, api.Agent{Name: "x", SystemPrompt: "s", DefaultModel: "m"})
	runs := [][]string{
		{"agents", "list"}, {"agents", "get", a.ID}, {"run", a.ID, "hi"}, {"stream", a.ID, "hi", "--json"},
		{"agents", "get", "00000000-0000-4000-8000-000000000000"}, {"agents", "list", "--oauth"},
		{"agents", "list", "--zone", "nowhere"}, {"conformance", "--read-only"}, {"conformance", "--read-only", "--json"},
	}
	for _, args := range runs {
		r := runCLI(t, env, args...)
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("%v printed the token", args)
		}
	}
	env["MAKE_API_TOKEN"] = secret + "-wrong"
	r := runCLI(t, env, "agents", "list")
	if strings.Contains(r.stdout+r.stderr, secret) {
		t.Error("a rejected token was printed")
	}
}

// TestHelpFlagColumns: a flag whose name and argument fill the column
// still has its description apart from it ("--read-header-timeout DURATION
// DURATION a client may..." read as one run-on line).
func TestHelpFlagColumns(t *testing.T) {
	for _, c := range commandTable() {
		out := runCLI(t, nil, append(strings.Fields(commandWords(c)), "--help")...).stdout
		lines := strings.Split(out, "\n")
		for i, line := range lines {
			if !strings.HasPrefix(line, "  -") {
				continue
			}
			name, usage, ok := strings.Cut(strings.TrimPrefix(line, "  "), "  ")
			if ok && strings.TrimSpace(usage) != "" {
				continue
			}
			// Alone on its line: the description is the next one, indented
			// to the column.
			if next := ""; i+1 < len(lines) {
				next = lines[i+1]
				if strings.HasPrefix(next, strings.Repeat(" ", 29)) && strings.TrimSpace(next) != "" {
					continue
				}
			}
			t.Errorf("%s --help: flag line %q does not set %q apart from its description", commandWords(c), line, name)
		}
	}
}

func TestHelpForEveryCommand(t *testing.T) {
	for _, c := range commandTable() {
		words := commandWords(c)
		for _, args := range [][]string{
			append(strings.Fields(words), "--help"),
			append([]string{"help"}, strings.Fields(words)...),
			append(strings.Fields(words), "-h"),
		} {
			r := runCLI(t, nil, args...)
			if r.code != exitOK || !strings.Contains(r.stdout, "usage: makeagents "+words) || !strings.Contains(r.stdout, "example:\n  makeagents") {
				t.Errorf("%v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
			}
		}
	}
	r := runCLI(t, nil, "--help")
	if r.code != exitOK || !strings.Contains(r.stdout, "makeagents demo") {
		t.Errorf("top-level help: exit %d\n%s", r.code, r.stdout)
	}
	// A group alone with --help lists its subcommands and exits 0; without
	// it, it is a usage error naming them.
	groups := map[string][]string{}
	for _, c := range commandTable() {
		if words := strings.Fields(commandWords(c)); len(words) > 1 {
			groups[words[0]] = append(groups[words[0]], commandWords(c))
		}
	}
	if groups["agents"] == nil {
		t.Fatal("no agents group in the command table")
	}
	for g, subs := range groups {
		for _, args := range [][]string{{g, "--help"}, {g, "-h"}, {"help", g}, {"--help", g}} {
			r := runCLI(t, nil, args...)
			if r.code != exitOK || r.stderr != "" || !strings.Contains(r.stdout, "usage: makeagents "+g+" <subcommand>") {
				t.Errorf("%v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
			}
			for _, words := range subs {
				if !strings.Contains(r.stdout, words) {
					t.Errorf("%v: help does not list %q:\n%s", args, words, r.stdout)
				}
			}
		}
		r := runCLI(t, nil, g)
		if r.code != exitUsage || !strings.Contains(r.stderr, g+" needs a subcommand") {
			t.Errorf("%s alone: exit %d\n%s", g, r.code, r.stderr)
		}
	}
}

func TestDemo(t *testing.T) {
	r := runCLI(t, nil, "demo", "--pace", "0").ok(t)
	for _, want := range []string{"1. Discover what an agent needs", "connection 1001", "model gpt-4.1-mini", "tool scenario 122", "2. Create an agent", "3. Give it knowledge",
		`"Payment terms"`, "4. List agents", "[system]", "[user]", `-> calls scenario "Tool 122: look up an order"`, `-> calls rag "knowledge"`,
		`From "Payment terms": "Invoices are overdue 30 days after their issue date."`, "6. Final answer", "tokens:",
		"7. Evaluate it", "$ makeagents eval invoices.eval.yaml", "cites the payment terms", "answers in shape", "gpt-4o",
		`not-icontains: "deterministic": found in the answer`, "6 of 8 runs passed (75.0%): 2 failed, 0 errors", "8. Delete the agent", "deleted", "0 agent(s)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, r.stdout)
		}
	}
}

// The base URL's precedence, resolved without sending anything.
func TestBaseURLPrecedence(t *testing.T) {
	cases := []struct {
		name      string
		env       map[string]string
		zone, url string
		want      string
	}{
		{"default zone", nil, "", "", "https://eu1.make.com/api/v2"},
		{"env zone", map[string]string{"MAKE_ZONE": "us2"}, "", "", "https://us2.make.com/api/v2"},
		{"env base url beats env zone", map[string]string{"MAKE_ZONE": "us2", "MAKE_BASE_URL": "http://env.test/api/v2"}, "", "", "http://env.test/api/v2"},
		{"flag zone beats env base url", map[string]string{"MAKE_BASE_URL": "http://env.test/api/v2"}, "celonis-us1", "", "https://us1.make.celonis.com/api/v2"},
		{"flag base url beats everything", map[string]string{"MAKE_BASE_URL": "http://env.test/api/v2"}, "us1", "http://flag.test/api/v2", "http://flag.test/api/v2"},
	}
	for _, tc := range cases {
		env := map[string]string{"MAKE_API_TOKEN": "t", "MAKE_TEAM_ID": "1"}
		for k, v := range tc.env {
			env[k] = v
		}
		f := &factory{env: func(k string) string { return env[k] }, global: globalFlags{zone: tc.zone, baseURL: tc.url}}
		cfg, err := resolveConfig(f)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if cfg.baseURL != tc.want { // never print cfg itself: it holds the token
			t.Errorf("%s: base URL %s, want %s", tc.name, cfg.baseURL, tc.want)
		}
	}
}

func TestConfigNeverPrintsToken(t *testing.T) {
	cfg := &config{baseURL: "https://eu1.make.com/api/v2", token: "s3cret-token", teamID: 1}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := fmt.Sprintf(verb, cfg); strings.Contains(out, "s3cret") {
			t.Errorf("%s prints the token: %s", verb, out)
		}
	}
}

// Help is plain text: no markup such as backticks reaches the terminal.
func TestHelpHasNoMarkup(t *testing.T) {
	pages := [][]string{{"--help"}}
	for _, c := range commandTable() {
		pages = append(pages, append(strings.Fields(commandWords(c)), "--help"))
		pages = append(pages, []string{strings.Fields(commandWords(c))[0], "--help"})
	}
	for _, args := range pages {
		r := runCLI(t, nil, args...)
		if r.code != exitOK || strings.ContainsAny(r.stdout, "`*") {
			t.Errorf("%v: exit %d, markup in help:\n%s", args, r.code, r.stdout)
		}
	}
}

// demo talks to no account: the account flags are refused, not ignored,
// and its help does not list them.
func TestDemoRefusesAccountFlags(t *testing.T) {
	for _, f := range accountFlags {
		args := []string{"demo", "--" + f}
		if f != "oauth" {
			args = append(args, "7")
		}
		r := runCLI(t, nil, args...)
		if r.code != exitUsage || !strings.HasPrefix(r.stderr, "makeagents: demo does not take --"+f+": ") {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
	help := runCLI(t, nil, "demo", "--help").ok(t).stdout
	for _, f := range accountFlags {
		if strings.Contains(help, "--"+f) {
			t.Errorf("demo help lists --%s:\n%s", f, help)
		}
	}
	if !strings.Contains(help, "--timeout") {
		t.Errorf("demo help lacks --timeout:\n%s", help)
	}
}

// Every command the demo shows is one the CLI accepts as written: the
// command exists, its flags parse and it has its arguments.
func TestDemoCommandsParse(t *testing.T) {
	out := runCLI(t, nil, "demo", "--pace", "0").ok(t).stdout
	var lines []string
	for rest := out; ; {
		i := strings.Index(rest, "   $ makeagents ")
		if i < 0 {
			break
		}
		rest = rest[i+len("   $ makeagents "):]
		words, n := shellWords(t, rest)
		lines, rest = append(lines, strings.Join(words, " ")), rest[n:]
		if err := parseOnly(words); err != nil {
			t.Errorf("%q: %v", words, err)
		}
	}
	// 12 steps: providers, the provider's connections, its models, the
	// tool scenarios, create, add and list knowledge, list, stream, eval,
	// delete, list.
	if len(lines) != 12 {
		t.Errorf("demo showed %d commands, want one per step (12):\n%s", len(lines), strings.Join(lines, "\n"))
	}
}

// parseOnly parses args as the CLI does (the command, its flags and its
// arguments) without running the command: an error when it would not run.
func parseOnly(args []string) error {
	f := &factory{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, env: func(string) string { return "" }}
	root := newRootCmd(f)
	var ran *cobra.Command
	for _, c := range f.commands {
		c.RunE = func(cmd *cobra.Command, _ []string) error { ran = cmd; return nil }
	}
	root.SetArgs(commandFirst(root, args))
	root.SetOut(io.Discard)
	root.SetErr(io.Discard)
	if err := root.Execute(); err != nil {
		return err
	}
	if ran == nil {
		return fmt.Errorf("no command ran")
	}
	return nil
}

// shellWords splits one POSIX shell command line (plain words and
// single-quoted strings, with the usual quote-escape-quote for a quote) up
// to its newline; n is how much of s it read.
func shellWords(t *testing.T, s string) (words []string, n int) {
	t.Helper()
	var w strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				t.Fatalf("unterminated quote in %q", s)
			}
			w.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '\\' && i+1 < len(s):
			w.WriteByte(s[i+1])
			i++
			inWord = true
		case c == ' ' || c == '\n':
			if inWord {
				words, inWord = append(words, w.String()), false
				w.Reset()
			}
			if c == '\n' {
				return words, i + 1
			}
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, len(s)
}

// run and stream say which thread they used, on stderr, and --thread with
// that id continues it.
func TestRunAndStreamPrintTheThread(t *testing.T) {
	fake, env := fakeEnv(t)
	a := fake.AddAgent(team, api.Agent{Name: "Echo", SystemPrompt: "s", DefaultModel: "m"})
	thread := func(r cliResult) string {
		t.Helper()
		m := threadLine.FindStringSubmatch(r.stderr)
		if m == nil || m[1] != m[2] {
			t.Fatalf("stderr %q is not one thread line", r.stderr)
		}
		return m[1]
	}
	first := runCLI(t, env, "run", a.ID, "hi").ok(t)
	id := thread(first)
	if got := decodeJSON[api.RunAgentResult](t, first.stdout).ThreadID; got != id {
		t.Fatalf("printed thread %q, the run's is %q", id, got)
	}
	if got := thread(runCLI(t, env, "stream", a.ID, "again", "--thread", id).ok(t)); got != id {
		t.Errorf("stream --thread %s printed thread %q", id, got)
	}
	// A stream that starts a thread names it, and a run continues it.
	streamed := thread(runCLI(t, env, "stream", a.ID, "new", "--json").ok(t))
	if streamed == id {
		t.Fatalf("a new stream reused thread %q", id)
	}
	r := runCLI(t, env, "run", a.ID, "more", "--thread", streamed).ok(t)
	if got := decodeJSON[api.RunAgentResult](t, r.stdout).ThreadID; got != streamed {
		t.Errorf("run --thread %s answered in thread %q", streamed, got)
	}
}
