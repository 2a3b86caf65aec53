package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/makeagents/makeagents-go/makeagentstest"
)

// lockedBuffer is a bytes.Buffer safe for the fake's request log, written
// by the server's goroutines while the test runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startFakeCLI runs `makeagents fake args...` in-process, reads the three
// lines it prints and returns them as an environment for other commands,
// and a stop function that cancels the command and returns its exit
// status and stderr.
func startFakeCLI(t *testing.T, args ...string) (env map[string]string, stop func() (int, string)) {
	t.Helper()
	return startFakeCLIEnv(t, func(string) string { return "" }, args...)
}

// startFakeCLIEnv is startFakeCLI with the environment the fake starts in.
func startFakeCLIEnv(t *testing.T, environ func(string) string, args ...string) (env map[string]string, stop func() (int, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		code := run(ctx, append([]string{"fake"}, args...), strings.NewReader(""), pw, &stderr, environ)
		_ = pw.Close()
		done <- code
	}()
	env = map[string]string{}
	br := bufio.NewReader(pr)
	for range 3 {
		line, err := br.ReadString('\n')
		if err != nil {
			cancel()
			t.Fatalf("reading the fake's stdout: %v (stderr %s)", err, stderr.String())
		}
		k, v, _ := strings.Cut(strings.TrimSuffix(line, "\n"), "=")
		env[k] = v
	}
	rest := make(chan string, 1)
	go func() { b, _ := io.ReadAll(br); rest <- string(b) }()
	var once sync.Once
	code := 0
	stop = func() (int, string) {
		once.Do(func() {
			cancel()
			code = <-done
			if more := <-rest; more != "" {
				t.Errorf("the fake printed more than its three lines on stdout: %q", more)
			}
		})
		return code, stderr.String()
	}
	t.Cleanup(func() { stop() })
	return env, stop
}

// TestFakeCommand: `makeagents fake` prints what a shell sources, every
// other command works against it through that environment, its request log
// never shows the token, and cancelling it (what Ctrl-C and SIGTERM do) ends
// it with exit 0 and nothing left running.
func TestFakeCommand(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const token = "fake-cli-token-0123456789"
	env, stop := startFakeCLI(t, "--token", token, "--seed", "1", "--team", "7")
	if !strings.HasPrefix(env["MAKE_BASE_URL"], "http://127.0.0.1:") || !strings.HasSuffix(env["MAKE_BASE_URL"], "/api/v2") ||
		env["MAKE_API_TOKEN"] != token || env["MAKE_TEAM_ID"] != "7" {
		t.Fatalf("printed environment %v", env)
	}

	models := decodeJSON[[]map[string]any](t, runCLI(t, env, "providers", "models", "1").ok(t).stdout)
	if len(models) == 0 {
		t.Fatal("no models")
	}
	model := models[0]["model"].(string)
	if r := runCLI(t, env, "agents", "create", "--name", "n", "--connection", "1", "--model", model, "--system-prompt", "p"); r.code != exitError || !strings.Contains(r.stderr, "makeConnectionId") {
		t.Errorf("create with a provider id as connection: exit %d, stderr %q; want 1 naming makeConnectionId", r.code, r.stderr)
	}
	created := decodeJSON[map[string]any](t, runCLI(t, env, "agents", "create", "--name", "Helper", "--connection", "1001",
		"--model", model, "--system-prompt", "Be brief.").ok(t).stdout)
	id := created["id"].(string)

	first := decodeJSON[map[string]any](t, runCLI(t, env, "run", id, "my name is Ada").ok(t).stdout)
	thread, _ := first["threadId"].(string)
	second := runCLI(t, env, "run", id, "what is my name", "--thread", thread).ok(t).stdout
	if !strings.Contains(second, "my name is Ada") {
		t.Errorf("the second run in thread %s does not show the first: %s", thread, second)
	}
	if out := runCLI(t, env, "stream", id, "hello", "--json").ok(t).stdout; strings.Count(out, "\n") < 3 || !strings.Contains(out, `"event":"step"`) {
		t.Errorf("stream --json: %q", out)
	}

	// A 100 MiB file (sparse: no disk used) uploads whole.
	big := filepath.Join(t.TempDir(), "big.txt")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(100 << 20); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	runCLI(t, env, "contexts", "add", id, "--file", big).ok(t)
	if list := runCLI(t, env, "contexts", "list", id).ok(t).stdout; !strings.Contains(list, `"size": 104857600`) && !strings.Contains(list, `"size":104857600`) {
		t.Errorf("contexts after a 100 MiB upload: %s", list)
	}

	code, log := stop()
	if code != exitOK {
		t.Errorf("exit %d after cancel, want 0; stderr %s", code, log)
	}
	if strings.Contains(log, token) {
		t.Errorf("the token is in the fake's stderr: %q", log)
	}
	for _, want := range []string{"GET /api/v2/ai-agents/v1/llm-providers/1/models 200 ", "POST /api/v2/ai-agents/v1/agents 400 ",
		"POST /api/v2/ai-agents/v1/agents 201 ", "POST /api/v2/ai-agents/v1/contexts 201 "} {
		if !strings.Contains(log, want) {
			t.Errorf("request log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "teamId=") {
		t.Errorf("request log shows queries: %s", log)
	}
}

// TestFakePrintsItsTokenWhateverTheEnvironment: a shell that sourced one
// fake's lines (MAKE_API_TOKEN=test-token) and starts another gets that
// fake's token to source, not "[redacted]": the lines are the fake's own
// configuration, and a redacted one would lock every client out.
func TestFakePrintsItsTokenWhateverTheEnvironment(t *testing.T) {
	environ := func(k string) string {
		if k == "MAKE_API_TOKEN" {
			return makeagentstest.DefaultToken
		}
		return ""
	}
	env, stop := startFakeCLIEnv(t, environ)
	if env["MAKE_API_TOKEN"] != makeagentstest.DefaultToken {
		t.Fatalf("printed environment %v, want MAKE_API_TOKEN=%s", env, makeagentstest.DefaultToken)
	}
	runCLI(t, env, "agents", "list").ok(t)
	if code, log := stop(); code != exitOK {
		t.Errorf("exit %d: %s", code, log)
	}
}

// TestFakeCommandAddress: a non-loopback --addr is a usage error unless
// --listen-any; a bad one is too.
func TestFakeCommandAddress(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:8080", ":0", "example.com:80"} {
		r := runCLI(t, map[string]string{}, "fake", "--addr", addr)
		if r.code != exitUsage || !strings.Contains(r.stderr, "--listen-any") || r.stdout != "" {
			t.Errorf("--addr %s: exit %d, stderr %q, stdout %q; want a usage error naming --listen-any", addr, r.code, r.stderr, r.stdout)
		}
	}
	for _, args := range [][]string{{"--addr", "nonsense"}, {"--addr", "127.0.0.1:99999"}, {"--seed", "x"}, {"--step-delay", "-1s"}, {"--team", "0"}} {
		if r := runCLI(t, map[string]string{}, append([]string{"fake"}, args...)...); r.code != exitUsage {
			t.Errorf("fake %v: exit %d, want 2", args, r.code)
		}
	}
	// An int64 flag's bad value reads like an int flag's, not strconv's text.
	if r := runCLI(t, map[string]string{}, "fake", "--max-store-bytes", "1x"); r.code != exitUsage ||
		!strings.Contains(r.stderr, `--max-store-bytes "1x" is not an integer`) || strings.Contains(r.stderr, "strconv") {
		t.Errorf("fake --max-store-bytes 1x: exit %d, stderr %q", r.code, r.stderr)
	}
	env, stop := startFakeCLI(t, "--addr", "localhost:0")
	if env["MAKE_API_TOKEN"] != makeagentstest.DefaultToken || env["MAKE_TEAM_ID"] != "1" {
		t.Errorf("defaults: %v", env)
	}
	if code, _ := stop(); code != exitOK {
		t.Errorf("exit %d", code)
	}
}

// The help documents what a user of the fake needs: sourcing the output,
// the Prefer faults, --seed and the loopback rule.
func TestFakeHelp(t *testing.T) {
	out := runCLI(t, map[string]string{}, "fake", "--help").ok(t).stdout
	for _, want := range []string{"set -a; . ./fake.env; set +a", "Prefer: code=503", "retry-after=2", "stream=cut-after-2",
		"drop-after-K", "--seed", "--listen-any", "--step-delay", makeagentstest.HeaderName,
		"--rate-limit", "--request-log", "--max-agents", "--max-threads", "--write-timeout", "--max-connections"} {
		if !strings.Contains(out, want) {
			t.Errorf("fake --help lacks %q", want)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:1/api/v2": "http://127.0.0.1:1/api/v2",
		"a b":                       "'a b'",
		"it's":                      `'it'\''s'`,
		"$(rm -rf x)":               "'$(rm -rf x)'",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// The standalone fake's token scopes: --scopes narrows them for every
// request, so doctor names the scope create needs and exits 1; a Prefer
// header narrows them for one request, from any client.
func TestFakeScopes(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	env, stop := startFakeCLI(t, "--scopes", "ai-agents:read,connections:read scenarios:read")
	r := runCLI(t, env, "doctor")
	if r.code != exitError || !strings.Contains(r.stdout+r.stderr, "ai-agents:write") {
		t.Errorf("doctor with a token lacking ai-agents:write: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	req, err := http.NewRequest(http.MethodGet, env["MAKE_BASE_URL"]+"/users/me/current-authorization", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Token "+env["MAKE_API_TOKEN"])
	req.Header.Set("Prefer", `scopes="ai-agents:read"`)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"scope":["ai-agents:read"]`) {
		t.Errorf("Prefer scopes: %d %s", resp.StatusCode, body)
	}
	if code, _ := stop(); code != exitOK {
		t.Errorf("fake exited %d", code)
	}
	if r := runCLI(t, nil, "fake", "--scopes", "read everything"); r.code != exitUsage {
		t.Errorf("--scopes with a word that is no scope: exit %d, want 2", r.code)
	}
}

// TestFakeLimitFlags: --rate-limit and the bounds reach the fake: the
// third request in a minute is Make's 429, the second agent a 400 naming
// --max-agents, and the request log flag keeps the fake serving. Bad values
// are usage errors.
func TestFakeLimitFlags(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	for _, args := range [][]string{{"--rate-limit", "-1"}, {"--request-log", "0"}, {"--max-agents", "-5"}, {"--write-timeout", "0s"},
		{"--max-connections", "x"}, {"--max-thread-bytes", "0"}} {
		if r := runCLI(t, map[string]string{}, append([]string{"fake"}, args...)...); r.code != exitUsage {
			t.Errorf("fake %v: exit %d, want 2", args, r.code)
		}
	}
	// An int64 flag's bad value reads like an int flag's, not strconv's text.
	if r := runCLI(t, map[string]string{}, "fake", "--max-store-bytes", "1x"); r.code != exitUsage ||
		!strings.Contains(r.stderr, `--max-store-bytes "1x" is not an integer`) || strings.Contains(r.stderr, "strconv") {
		t.Errorf("fake --max-store-bytes 1x: exit %d, stderr %q", r.code, r.stderr)
	}
	env, stop := startFakeCLI(t, "--rate-limit", "2", "--max-agents", "1", "--request-log", "2", "--write-timeout", "5s")
	runCLI(t, env, "agents", "create", "--name", "one", "--connection", "1001", "--model", "gpt-4.1-mini", "--system-prompt", "p").ok(t)
	r := runCLI(t, env, "agents", "create", "--name", "two", "--connection", "1001", "--model", "gpt-4.1-mini", "--system-prompt", "p")
	if r.code != exitError || !strings.Contains(r.stderr, "--max-agents") {
		t.Errorf("a second agent past --max-agents 1: exit %d, stderr %q; want 1 naming --max-agents", r.code, r.stderr)
	}
	// The CLI would wait out the 429's Retry-After; plain HTTP shows it.
	req, err := http.NewRequest("GET", env["MAKE_BASE_URL"]+"/ai-agents/v1/agents?teamId=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Token "+env["MAKE_API_TOKEN"])
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), `"SC429"`) {
		t.Errorf("the third request in a minute with --rate-limit 2: %d %s; want Make's 429 with Retry-After", resp.StatusCode, body)
	}
	if code, log := stop(); code != exitOK {
		t.Errorf("exit %d: %s", code, log)
	}
}
