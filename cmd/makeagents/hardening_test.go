package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/makeagents/makeagents-go/api"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/makeagents/makeagents-go/internal/memtest"
)

// hostileToken is what the hostile servers below echo back.
const hostileToken = "tok-CLILEAK-8e1d4c7a-2b5f-4a9e-b3c6-0d7f1e2a9c84"

func hostileEnv(url string) map[string]string {
	return map[string]string{"MAKE_API_TOKEN": hostileToken, "MAKE_TEAM_ID": "7", "MAKE_BASE_URL": url + "/api/v2"}
}

// ---- usage errors never echo credentials ----

func TestBaseURLCredentialsNeverEchoed(t *testing.T) {
	env := map[string]string{"MAKE_API_TOKEN": "t", "MAKE_TEAM_ID": "7"}
	for _, u := range []string{
		"ftp://alice:s3cretpw@example.test/api/v2?sig=s3cretq",
		"http://alice:s3cretpw@example.test/api/v2",
		"http://alice:s3cretpw@exa mple.test/api/v2",
		"//alice:s3cretpw@example.test",
	} {
		r := runCLI(t, env, "agents", "list", "--base-url", u)
		if r.code != exitUsage {
			t.Errorf("%s: exit %d, want 2", u, r.code)
		}
		if strings.Contains(r.stderr, "s3cret") || strings.Contains(r.stderr, "alice") {
			t.Errorf("usage error echoes the credentials: %q", r.stderr)
		}
	}
}

// ---- files read into memory ----

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestFileFlagsBounded: /dev/zero, a FIFO-like device, a file over 32 MiB
// and 1 GiB on stdin end in their named errors as usage errors (exit 2),
// with the heap growth measured: a small multiple of the 32 MiB bound
// (3+ GiB before).
func TestFileFlagsBounded(t *testing.T) {
	fake, env := fakeEnv(t)
	big := filepath.Join(t.TempDir(), "big.json")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	_ = f.Truncate(40 << 20) // sparse: costs no disk
	_ = f.Close()
	create := []string{"agents", "create", "--name", "n", "--connection", "1001", "--model", "gpt-4.1-mini", "--system-prompt", "s"}
	cases := []struct {
		name  string
		args  []string
		stdin io.Reader
		want  string
	}{
		{"from-file /dev/zero", append(create, "--from-file", "/dev/zero"), nil, errNotRegularFile.Error()},
		{"token-file /dev/zero", []string{"agents", "list", "--token-file", "/dev/zero"}, nil, errNotRegularFile.Error()},
		{"from-file directory", append(create, "--from-file", t.TempDir()), nil, errNotRegularFile.Error()},
		{"from-file 40 MiB", append(create, "--from-file", big), nil, errFileTooLarge.Error()},
		{"token-file 40 MiB", []string{"agents", "list", "--token-file", big}, nil, errFileTooLarge.Error()},
		{"from-file stdin 1 GiB", append(create, "--from-file", "-"), io.LimitReader(zeros{}, 1<<30), errFileTooLarge.Error()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stdin := tc.stdin
			if stdin == nil {
				stdin = strings.NewReader("")
			}
			var out, errb bytes.Buffer
			stop := memtest.HeapPeak()
			code := run(context.Background(), tc.args, stdin, &out, &errb, func(k string) string { return env[k] })
			peak := stop()
			scanCLI(env, out.String(), errb.String())
			t.Logf("%s: peak heap growth %d MiB", tc.name, peak>>20)
			if code != exitUsage || !strings.Contains(errb.String(), tc.want) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, errb.String(), tc.want)
			}
			if peak > 4*maxFileBytes {
				t.Errorf("peak heap growth %d MiB, want at most %d MiB", peak>>20, 4*maxFileBytes>>20)
			}
		})
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests made for refused input", n)
	}
}

// TestFromFileTrailingData: a second object or stray text after the JSON
// object is a usage error, not silently ignored.
func TestFromFileTrailingData(t *testing.T) {
	fake, env := fakeEnv(t)
	for _, body := range []string{`{"name":"a"} {"name":"b"}`, `{"name":"a"} trailing`, `{"name":"a"}]`} {
		path := filepath.Join(t.TempDir(), "body.json")
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		r := runCLI(t, env, "agents", "create", "--from-file", path, "--connection", "1001", "--model", "gpt-4.1-mini", "--system-prompt", "s")
		if r.code != exitUsage || !strings.Contains(r.stderr, "data after the JSON object") {
			t.Errorf("%q: exit %d, stderr %q; want a usage error", body, r.code, r.stderr)
		}
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests made", n)
	}
}

// TestSDKRefusedInputIsUsage: input the SDK refuses before sending (the
// body's team id differs from --team) exits 2, and nothing is sent.
func TestSDKRefusedInputIsUsage(t *testing.T) {
	fake, env := fakeEnv(t)
	path := filepath.Join(t.TempDir(), "body.json")
	_ = os.WriteFile(path, []byte(`{"name":"a","teamId":999,"makeConnectionId":1001,"defaultModel":"gpt-4.1-mini","systemPrompt":"s"}`), 0o600)
	r := runCLI(t, env, "agents", "create", "--from-file", path)
	if r.code != exitUsage || !strings.Contains(r.stderr, "teamId") {
		t.Fatalf("exit %d, stderr %q; want 2 naming teamId", r.code, r.stderr)
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests made", n)
	}
}

// ---- hostile server answers ----

// TestCreateWithoutIDIsAnError: 201 with null, {} or an agent without id is
// exit 1 with a clear message, never "{}" and exit 0.
func TestCreateWithoutIDIsAnError(t *testing.T) {
	for _, body := range []string{`null`, `{}`, `{"name":"n"}`} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(201)
			_, _ = io.WriteString(w, body)
		}))
		env := hostileEnv(srv.URL)
		r := runCLI(t, env, "agents", "create", "--name", "n", "--connection", "1001", "--model", "gpt-4.1-mini", "--system-prompt", "s")
		srv.Close()
		if r.code != exitError || !strings.Contains(r.stderr, "without an agent id") || r.stdout != "" {
			t.Errorf("201 %s: exit %d, stdout %q, stderr %q; want exit 1 saying there is no id", body, r.code, r.stdout, r.stderr)
		}
	}
}

// TestTextOutputStripsControls: a step whose content carries terminal
// escapes (set title, clear screen, 8-bit CSI, BEL) prints without them.
func TestTextOutputStripsControls(t *testing.T) {
	content := "\x1b]0;pwned\x07hello\x1b[2J \u009b31m world\r\nnext\tline"
	step, _ := json.Marshal(map[string]any{"role": "assistant\x1b[5m", "content": content, "agentIterationId": "i", "id": "s"})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprintf(w, "event: step\nid: 1\ndata: %s\n\nevent: weird\ndata: \x1b[31mred\n\n", step)
	}))
	defer srv.Close()
	r := runCLI(t, hostileEnv(srv.URL), "stream", "0f8fad5b-d9cb-469f-a165-70867728950e", "hi")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, c := range []string{"\x1b", "\x07", "\u009b", "\r"} {
		if strings.Contains(r.stdout, c) {
			t.Errorf("stdout passes %q through: %q", c, r.stdout)
		}
	}
	if !strings.Contains(r.stdout, "hello") || !strings.Contains(r.stdout, "next\tline") {
		t.Errorf("text lost: %q", r.stdout)
	}
}

// TestTimeoutFlag: a server that never answers, or stalls in the body, is
// bounded by --timeout (and by the 2-minute default for quick commands).
func TestTimeoutFlag(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/agents") {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, "[")
			_ = http.NewResponseController(w).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	env := hostileEnv(srv.URL)
	for _, args := range [][]string{
		{"agents", "list", "--timeout", "100ms"},
		{"agents", "get", "0f8fad5b-d9cb-469f-a165-70867728950e", "--timeout", "100ms"},
		{"run", "0f8fad5b-d9cb-469f-a165-70867728950e", "hi", "--timeout", "100ms"},
	} {
		r := runCLI(t, env, args...)
		if r.code != exitError || !strings.Contains(r.stderr, "timed out after 100ms") {
			t.Errorf("%v: exit %d, stderr %q; want exit 1 and a timeout", args, r.code, r.stderr)
		}
	}
	f := &factory{}
	if commandTimeout(newAgentsListCmd(f, nil), 0) != 2*time.Minute || commandTimeout(newRunCmd(f, nil), 0) != 0 || commandTimeout(newStreamCmd(f, nil), 0) != 0 {
		t.Error("default timeouts are not 2m for quick commands and none for run/stream")
	}
}

// TestHostileEchoesNeverReachOutput: servers that echo the token in an
// error message, a stream error event and a success body; the CLI's stdout
// and stderr never show it (the suite's scan checks every run too).
func TestHostileEchoesNeverReachOutput(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/stream"):
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprintf(w, "event: error\ndata: {\"message\":\"bad %s\"}\n\n", r.Header.Get("Authorization"))
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/agents"):
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `[{"id":"0f8fad5b-d9cb-469f-a165-70867728950e","name":%q}]`, r.Header.Get("Authorization"))
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(401)
			fmt.Fprintf(w, `{"message":"Invalid token","detail":"you sent %s"}`, r.Header.Get("Authorization"))
		}
	}))
	defer srv.Close()
	env := hostileEnv(srv.URL)
	for _, args := range [][]string{
		{"agents", "list"},
		{"agents", "get", "0f8fad5b-d9cb-469f-a165-70867728950e"},
		{"stream", "0f8fad5b-d9cb-469f-a165-70867728950e", "hi"},
		{"stream", "0f8fad5b-d9cb-469f-a165-70867728950e", "hi", "--json"},
	} {
		r := runCLI(t, env, args...)
		if strings.Contains(r.stdout+r.stderr, hostileToken) {
			t.Errorf("%v: the token reached the output", args)
		}
		if r.stdout+r.stderr == "" {
			t.Errorf("%v: no output at all; the scan proves nothing", args)
		}
	}
}

// ---- conformance against a hostile server ----

// hostileAPI is a small, stateful stand-in for Make that misbehaves on
// purpose: the hook given to newHostileAPI sees every request first and
// answers it when it returns true.
type hostileAPI struct {
	*httptest.Server
	mu      sync.Mutex
	agents  map[string]string // id -> name
	deletes []string
}

const realAgent = "9b2e6c1a-4d3f-4e8a-b7c5-1a2b3c4d5e6f"

func newHostileAPI(t *testing.T, hook func(h *hostileAPI, w http.ResponseWriter, r *http.Request, body map[string]any) bool) *hostileAPI {
	h := &hostileAPI{agents: map[string]string{realAgent: "Production bot"}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		if hook != nil && hook(h, w, r, body) {
			return
		}
		if !strings.HasPrefix(r.URL.Path, "/api/v2/ai-agents/v1/agents") {
			// Contexts and providers: accepted, and none to list.
			switch r.Method {
			case http.MethodPost:
				w.WriteHeader(201)
			case http.MethodDelete:
				w.WriteHeader(204)
			default:
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, "[]")
			}
			return
		}
		path := strings.TrimPrefix(r.URL.Path, "/api/v2/ai-agents/v1/agents")
		id := strings.Split(strings.TrimPrefix(path, "/"), "/")[0]
		h.mu.Lock()
		defer h.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodGet && path == "":
			var list []map[string]any
			for id, name := range h.agents {
				list = append(list, agentJSON(id, name))
			}
			_ = json.NewEncoder(w).Encode(list)
		case r.Method == http.MethodGet:
			name, ok := h.agents[id]
			if !ok {
				w.WriteHeader(404)
				_, _ = io.WriteString(w, `{"message":"Not found"}`)
				return
			}
			_ = json.NewEncoder(w).Encode(agentJSON(id, name))
		case r.Method == http.MethodDelete:
			h.deletes = append(h.deletes, id)
			delete(h.agents, id)
			w.WriteHeader(204)
		case r.Method == http.MethodPatch:
			if n, ok := body["name"].(string); ok {
				h.agents[id] = n
			}
			w.WriteHeader(204)
		default:
			w.WriteHeader(500)
			_, _ = io.WriteString(w, `{"message":"broken"}`)
		}
	}))
	t.Cleanup(h.Close)
	return h
}

func agentJSON(id, name string) map[string]any {
	return map[string]any{"id": id, "name": name, "teamId": 7, "systemPrompt": "s", "defaultModel": "m"}
}

func (h *hostileAPI) create(name string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	id := fmt.Sprintf("0f8fad5b-d9cb-469f-a165-%012d", len(h.agents))
	h.agents[id] = name
	return id
}

func (h *hostileAPI) state() (map[string]string, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	m := map[string]string{}
	for k, v := range h.agents {
		m[k] = v
	}
	return m, append([]string(nil), h.deletes...)
}

var fullArgs = []string{"conformance", "--connection", "1001", "--model", "gpt-4.1-mini", "--yes"}

// TestConformanceNeverDeletesAnotherAgent: the create answers with the id
// of a real agent; conformance checks by GET that it is not its scratch
// agent and leaves it alone.
func TestConformanceNeverDeletesAnotherAgent(t *testing.T) {
	h := newHostileAPI(t, func(h *hostileAPI, w http.ResponseWriter, r *http.Request, body map[string]any) bool {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/agents") {
			h.create(body["name"].(string)) // it did create one...
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(201)
			fmt.Fprintf(w, `{"id":%q}`, realAgent) // ...but names another
			return true
		}
		return false
	})
	r := runCLI(t, hostileEnv(h.URL), fullArgs...)
	agents, deletes := h.state()
	for _, d := range deletes {
		if d == realAgent {
			t.Fatalf("conformance deleted the real agent; stderr %q", r.stderr)
		}
	}
	if agents[realAgent] == "" {
		t.Fatal("real agent gone")
	}
	if r.code == exitOK || !strings.Contains(r.stderr, "not this run's scratch agent") {
		t.Errorf("exit %d, stderr %q; want a failure saying the agent is not its own", r.code, r.stderr)
	}
}

// TestConformanceCleansUpAfterUnknownCreate: Make created the agent but the
// answer was a 502 (or the create was cancelled by Ctrl-C): conformance
// finds the scratch agent by its name and deletes it.
func TestConformanceCleansUpAfterUnknownCreate(t *testing.T) {
	for _, mode := range []string{"502", "ctrl-c"} {
		t.Run(mode, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			h := newHostileAPI(t, func(h *hostileAPI, w http.ResponseWriter, r *http.Request, body map[string]any) bool {
				if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/agents") {
					h.create(body["name"].(string))
					if mode == "ctrl-c" {
						cancel()
						<-r.Context().Done()
						return true
					}
					w.WriteHeader(502)
					return true
				}
				return false
			})
			r := runCLIContext(ctx, t, hostileEnv(h.URL), "", fullArgs...)
			agents, deletes := h.state()
			if len(agents) != 1 || agents[realAgent] == "" || len(deletes) != 1 {
				t.Fatalf("agents left %v, deletes %v; want only the real agent left\nstderr %q", agents, deletes, r.stderr)
			}
			want := exitError
			if mode == "ctrl-c" {
				want = exitInterrupted
			}
			if r.code != want {
				t.Errorf("exit %d, want %d; stderr %q", r.code, want, r.stderr)
			}
		})
	}
}

// TestConformanceUnknownCreateUnlookable: the create's outcome is unknown
// and the list fails too: the scratch agent's name and the commands to find
// and remove it are printed.
func TestConformanceUnknownCreateUnlookable(t *testing.T) {
	h := newHostileAPI(t, func(h *hostileAPI, w http.ResponseWriter, r *http.Request, body map[string]any) bool {
		if r.Method == http.MethodPost || r.Method == http.MethodGet {
			w.WriteHeader(400) // not retried: fast
			return true
		}
		return false
	})
	r := runCLI(t, hostileEnv(h.URL), fullArgs...)
	if r.code != exitError || !strings.Contains(r.stderr, `scratch agent "makeagents-conformance-`) || !strings.Contains(r.stderr, "makeagents agents delete ID --team 7") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestConformanceUnknownCreateNotFoundYet: Ctrl-C while Make holds the
// create's answer back; the lookup by name finds nothing, but Make may
// still create the agent after it, so the scratch agent's name and the
// commands to find and delete it are printed. A create Make refused (4xx)
// cannot complete later: nothing is printed for it.
func TestConformanceUnknownCreateNotFoundYet(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	names := make(chan string, 1)
	h := newHostileAPI(t, func(h *hostileAPI, w http.ResponseWriter, r *http.Request, body map[string]any) bool {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/agents") {
			names <- body["name"].(string)
			cancel() // Ctrl-C while the answer is delayed
			<-r.Context().Done()
			return true
		}
		return false
	})
	r := runCLIContext(ctx, t, hostileEnv(h.URL), "", fullArgs...)
	name := <-names
	if r.code != exitInterrupted {
		t.Fatalf("exit %d, want 130; stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{
		`no agent named "` + name + `"`,
		"may still complete",
		`makeagents agents list --team 7 | jq -r '.[] | select(.name == "` + name + `") | .id'`,
		"makeagents agents delete ID --team 7",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
		}
	}
	if agents, deletes := h.state(); len(agents) != 1 || len(deletes) != 0 {
		t.Errorf("agents %v, deletes %v; want the real agent untouched", agents, deletes)
	}

	refusing := newHostileAPI(t, func(h *hostileAPI, w http.ResponseWriter, r *http.Request, body map[string]any) bool {
		if r.Method == http.MethodPost {
			w.WriteHeader(400)
			return true
		}
		return false
	})
	r = runCLI(t, hostileEnv(refusing.URL), fullArgs...)
	if r.code != exitError || strings.Contains(r.stderr, "may still complete") {
		t.Errorf("refused create: exit %d, stderr %q; want 1 and no scratch agent to look for", r.code, r.stderr)
	}
}

// TestConformanceSecondInterruptSkipsCleanup: Ctrl-C during the run, then
// Ctrl-C again while the cleanup waits on a stalled server: the CLI stops
// waiting and prints the scratch agent it left and how to remove it.
func TestConformanceSecondInterruptSkipsCleanup(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	second := make(chan struct{})
	var once sync.Once
	var runStarted sync.Once
	h := newHostileAPI(t, func(h *hostileAPI, w http.ResponseWriter, r *http.Request, body map[string]any) bool {
		switch {
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/agents"):
			id := h.create(body["name"].(string))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(201)
			fmt.Fprintf(w, `{"id":%q}`, id)
			return true
		case strings.HasSuffix(r.URL.Path, "/run"):
			runStarted.Do(cancel) // first Ctrl-C while the agent runs
			<-r.Context().Done()
			return true
		case ctx.Err() != nil: // the cleanup: stall it, then Ctrl-C again
			once.Do(func() { close(second) })
			<-r.Context().Done()
			return true
		}
		return false
	})
	r := runCLIContext(withSecondInterrupt(ctx, second), t, hostileEnv(h.URL), "", fullArgs...)
	agents, _ := h.state()
	var scratch string
	for id, name := range agents {
		if id != realAgent {
			scratch = id + " " + name
		}
	}
	id, _, _ := strings.Cut(scratch, " ")
	if r.code != exitInterrupted || id == "" || !strings.Contains(r.stderr, "second interrupt") || !strings.Contains(r.stderr, "makeagents agents delete "+id) {
		t.Fatalf("exit %d, scratch %q, stderr %q", r.code, scratch, r.stderr)
	}
}

// TestConformanceRecorderMatchesSDKBound: a valid 9 MiB list is checked
// (it was invalid-json drift under the old 8 MiB recorder); a body over the
// bound is a "too large to check" note, not drift.
func TestConformanceRecorderMatchesSDKBound(t *testing.T) {
	// One agent exactly as the faithful fake shapes it, its prompt 9 MiB.
	fake, fenv := fakeEnv(t)
	fake.AddAgent(team, api.Agent{Name: "big", SystemPrompt: "s", DefaultModel: "m"})
	var agents []map[string]any
	if err := json.Unmarshal([]byte(runCLI(t, fenv, "agents", "list").ok(t).stdout), &agents); err != nil || len(agents) != 1 {
		t.Fatalf("list from the fake: %v", err)
	}
	agents[0]["systemPrompt"] = strings.Repeat("x", 9<<20)
	big, _ := json.Marshal(agents)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		// No providers, and empty discovery answers.
		switch r.URL.Path {
		case "/api/v2/connections":
			_, _ = io.WriteString(w, `{"connections":[]}`)
			return
		case "/api/v2/scenarios":
			_, _ = io.WriteString(w, `{"scenarios":[]}`)
			return
		case "/api/v2/users/me/current-authorization":
			_, _ = io.WriteString(w, `{"authorization":{"scope":[]}}`)
			return
		case "/api/v2/ai-agents/v1/agents":
		default:
			_, _ = io.WriteString(w, "[]")
			return
		}
		_, _ = w.Write(big)
	}))
	defer srv.Close()
	env := hostileEnv(srv.URL)
	r := runCLI(t, env, "conformance", "--read-only", "--limit", "0", "--json")
	rep := decodeJSON[reportJSON](t, r.stdout)
	// The list, the (empty) providers list, the three discovery reads.
	if r.code != exitOK || rep.Drift != 0 || len(rep.Calls) != 5 || len(rep.Calls[0].Findings) != 0 {
		t.Fatalf("9 MiB list: exit %d, drift %d, want it checked whole with no finding; report %.300s", r.code, rep.Drift, r.stdout)
	}

	old := maxRecordedBody
	maxRecordedBody = 1 << 20
	defer func() { maxRecordedBody = old }()
	r = runCLI(t, env, "conformance", "--read-only", "--limit", "0", "--json")
	rep = decodeJSON[reportJSON](t, r.stdout)
	if r.code != exitOK || rep.Drift != 0 || len(rep.Calls) != 5 || len(rep.Calls[0].Findings) != 1 || rep.Calls[0].Findings[0].Kind != "too-large-to-check" {
		t.Fatalf("over the bound: exit %d, report %+v", r.code, rep)
	}
}
