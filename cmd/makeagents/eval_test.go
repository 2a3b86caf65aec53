package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/eval"
	"github.com/makeagents/makeagents-go/makeagentstest"
)

// evalSuite has every assertion kind, two models and a two-turn case; its
// last case fails on purpose (on both models).
const evalSuite = `name: Support bot
models: [gpt-4.1-mini, gpt-4o]
concurrency: 4
repeat: 1
assert:
  - max-latency: 10m
cases:
  - name: greets the user
    input: "Hello, I am Ada"
    assert:
      - contains: "Ada"
      - not-contains: "sorry"
      - icontains: "HELLO"
      - not-icontains: "SORRY"
      - regex: "(?i)hello|hi"
      - not-regex: "(?i)^sorry"
      - equals: 'You said: "Hello, I am Ada". This is Support bot, a deterministic makeagentstest agent: it repeats what it is told and calls no model.'
      - starts-with: "You said"
      - max-tokens: 800
      - min-tokens: 10
      - not-tool-called: 122
  - name: looks up an order with the scenario
    input: "Where is order 42? Use the scenario."
    assert:
      - tool-called: 122
      - tool-called: "Tool 122: look up an order"
  - name: answers in shape
    input: "Summarise order 42"
    output: {orderId: integer, status: string, tags: [string]}
    assert:
      - json: {path: status, equals: "Summarise order 42"}
      - json: {path: orderId, equals: 3}
      - json: {path: tags, contains: order}
      - json: {path: customer, exists: false}
      - is-json: true
      - output-valid: true
  - name: remembers within a thread
    turns: ["My name is Ada", "What is my name?"]
    assert: [{icontains: "what is my name"}]
`

const evalFailing = `  - name: fails on purpose
    input: "Where is order 42? Use the scenario."
    assert:
      - tool-called: "Tool 119: look up an order"
      - contains: "shipped"
`

// evalFake is a fake with the suite's agent in team 7, and the env that
// points the CLI at it. Two of them hold the same agent (the same id and
// configuration: the default seed, a fixed clock), so a resumed run can be
// counted on a fake of its own, apart from a request the interrupted run
// left in flight.
func evalFake(t *testing.T, opts ...makeagentstest.Option) (*makeagentstest.Server, map[string]string, string) {
	t.Helper()
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	opts = append([]makeagentstest.Option{makeagentstest.WithClock(func() time.Time { return created })}, opts...)
	fake, env := fakeEnv(t, opts...)
	conn := int64(1001)
	a := fake.AddAgent(team, api.Agent{
		Name: "Support bot", DefaultModel: "gpt-4.1-mini", MakeConnectionID: conn,
		SystemPrompt: "You help customers with their orders.", Scenarios: []api.ScenarioTool{{MakeScenarioID: 122}},
	})
	return fake, env, a.ID
}

func writeSuite(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "support.eval.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func runsSent(fake *makeagentstest.Server) int {
	n := 0
	for _, r := range fake.Requests() {
		if r.Operation == "runAgent" {
			n++
		}
	}
	return n
}

// The "done when": the suite runs against the fake; JUnit has one
// testcase per (case, model) and failures carry the assertion and the
// excerpt; exit 1 when a case fails, 0 when all pass; the Markdown report
// has the totals per model.
func TestEvalAgainstTheFake(t *testing.T) {
	fake, env, _ := evalFake(t)
	dir := t.TempDir()
	junit, md, js := filepath.Join(dir, "junit.xml"), filepath.Join(dir, "report.md"), filepath.Join(dir, "results.json")

	r := runCLI(t, env, "eval", writeSuite(t, evalSuite+evalFailing), "--junit", junit, "--markdown", md, "--json", js)
	if r.code != exitEvalFailed {
		t.Fatalf("exit %d, want 1\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if r.stderr != "" {
		t.Errorf("stderr %q: progress is for terminals only", r.stderr)
	}
	for _, want := range []string{
		"CASE", "MODEL", "RESULT", "TOKENS", "LATENCY", "FAILED ASSERTION",
		"greets the user",
		"fails on purpose                     gpt-4o        FAIL",
		`tool-called: "Tool 119: look up an order": not called: "called: Tool 122: look up an order (scenario… (+1 more)`,
		`contains: "shipped": not in the answer`,
		`actual: "You said: \"Where is order 42? Use the scenario.\"`,
		"8 of 10 runs passed (80.0%): 2 failed, 0 errors",
		"P50", "P95",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, r.stdout)
		}
	}
	if n := runsSent(fake); n != 12 {
		t.Errorf("%d runs sent, want 12 (2 models x (4 one-turn cases + 2 turns))", n)
	}

	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	b, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Tests != 10 || doc.Failures != 2 || len(doc.Suites) != 2 {
		t.Fatalf("junit: %d tests, %d failures, %d suites; want 10, 2, 2\n%s", doc.Tests, doc.Failures, len(doc.Suites), b)
	}
	for _, s := range doc.Suites {
		if len(s.Cases) != 5 {
			t.Errorf("suite %s: %d testcases, want 5", s.Name, len(s.Cases))
		}
		last := s.Cases[4]
		if last.Name != "fails on purpose" || last.Failure == nil ||
			last.Failure.Message != `tool-called: "Tool 119: look up an order": not called` ||
			!strings.Contains(last.Failure.Text, `actual: "called: Tool 122: look up an order (scenario)"`) ||
			!strings.Contains(last.Failure.Text, `contains: "shipped": not in the answer`) {
			t.Errorf("suite %s, last testcase %+v", s.Name, last)
		}
	}

	b, err = os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Totals per model", "| gpt-4.1-mini | 5 | 4 | 1 | 0 | 80.0% |", "| gpt-4o | 5 | 4 | 1 | 0 | 80.0% |", "| all | 10 | 8 | 2 | 0 | 80.0% |"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("markdown lacks %q:\n%s", want, b)
		}
	}
	if _, err := readReportFile(t, js); err != nil {
		t.Fatal(err)
	}

	// All passing: exit 0, nothing on stderr.
	fake.ResetRequests()
	r = runCLI(t, env, "eval", writeSuite(t, evalSuite))
	if r.code != exitOK || r.stderr != "" || !strings.Contains(r.stdout, "8 of 8 runs passed (100.0%)") {
		t.Fatalf("all pass: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
}

func readReportFile(t *testing.T, path string) (*eval.Report, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return eval.ReadReport(f)
}

// A suite error exits 2 naming the file, the line and the key, and sends
// nothing at all.
func TestEvalSuiteErrorSendsNothing(t *testing.T) {
	fake, env, _ := evalFake(t)
	fake.ResetRequests()
	path := writeSuite(t, "name: Support bot\ncases:\n  - name: a\n    inputs: hi\n    assert:\n      - regex: \"(\"\n      - contain: x\n")
	r := runCLI(t, env, "eval", path, "--json", filepath.Join(t.TempDir(), "r.json"))
	if r.code != exitUsage {
		t.Fatalf("exit %d, want 2\n%s", r.code, r.stderr)
	}
	want := []string{
		"makeagents: " + path + `:3: cases[0].input: missing: a case needs input (a message) or turns (a list of messages)`,
		"makeagents: " + path + `:4: cases[0].inputs: unknown key "inputs" (did you mean "input"?)`,
		"makeagents: " + path + `:6: cases[0].assert[0].regex: bad regular expression "(": missing closing ): ` + "`(`",
		"makeagents: " + path + `:7: cases[0].assert[1]: unknown assertion "contain" (did you mean "contains"?)`,
	}
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("stderr:\n%s", r.stderr)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: %q\nwant prefix %q", i, lines[i], w)
		}
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("the fake saw %d requests, want none", n)
	}
	if r.stdout != "" {
		t.Errorf("stdout %q", r.stdout)
	}

	// Usage errors too: no request.
	for _, args := range [][]string{
		{"eval", path + ".missing"},
		{"eval", writeSuite(t, evalSuite), "--only", "no such case"},
		{"eval", writeSuite(t, evalSuite), "--concurrency", "0"},
		{"eval", writeSuite(t, evalSuite), "--concurrency", "65"},
		{"eval"},
		{"eval", writeSuite(t, evalSuite), "--json", "x.out", "--junit", "x.out"},
	} {
		r := runCLI(t, env, args...)
		if r.code != exitUsage {
			t.Errorf("%v: exit %d, want 2\n%s", args, r.code, r.stderr)
		}
	}
	// A --json file that is not a report is not overwritten.
	other := filepath.Join(t.TempDir(), "notes.json")
	if err := os.WriteFile(other, []byte(`{"mine": true}`), 0o600); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, env, "eval", writeSuite(t, evalSuite), "--json", other)
	if r.code != exitUsage || !strings.Contains(r.stderr, "is not an eval report") {
		t.Errorf("exit %d: %s", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(other); string(b) != `{"mine": true}` {
		t.Errorf("the file was changed: %s", b)
	}
	// A name no agent has: a suite error after the lookup, before any run.
	r = runCLI(t, env, "eval", writeSuite(t, strings.Replace(evalSuite, "name: Support bot", "name: Nobody", 1)))
	if r.code != exitUsage || !strings.Contains(r.stderr, `name: no agent of the team is named "Nobody"`) {
		t.Errorf("exit %d: %s", r.code, r.stderr)
	}
	// An agent id the SDK refuses before sending is a usage error too:
	// nothing was sent, so it is not a failed call.
	for _, args := range [][]string{
		{"eval", writeSuite(t, evalSuite), "--agent", "nope"},
		{"eval", writeSuite(t, "agent: not-a-uuid\ncases: [{name: a, input: hi}]\n")},
	} {
		r = runCLI(t, env, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "not a UUID") {
			t.Errorf("%q: exit %d: %s", args, r.code, r.stderr)
		}
	}
	if n := runsSent(fake); n != 0 {
		t.Errorf("%d runs sent", n)
	}
}

// Calls that fail: exit 3, the error in the table; the token nowhere.
func TestEvalCallsFailedExit3(t *testing.T) {
	fake, env, id := evalFake(t)
	path := writeSuite(t, "agent: "+id+"\nmodels: [gpt-4o, claude-3-7-sonnet-latest]\ncases: [{name: a, input: hi}]\n")
	r := runCLI(t, env, "eval", path)
	if r.code != exitEvalCallsFailed {
		t.Fatalf("exit %d, want 3\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "ERROR") || !strings.Contains(r.stdout, "400") || !strings.Contains(r.stderr, "1 run(s) could not be judged") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	// The agent lookup failing is a call failure too.
	fake.FailNext(10, 503, 0)
	r = runCLI(t, env, "eval", path)
	if r.code != exitEvalCallsFailed || !strings.Contains(r.stderr, "get agent") || !strings.Contains(r.stderr, "503") {
		t.Errorf("exit %d: %s", r.code, r.stderr)
	}
	fake.ResetFaults()
	// --agent beats the suite's agent.
	r = runCLI(t, env, "eval", writeSuite(t, "agent: 00000000-0000-4000-8000-000000000000\ncases: [{name: a, input: hi}]\n"), "--agent", id)
	if r.code != exitOK {
		t.Errorf("--agent: exit %d: %s", r.code, r.stderr)
	}
}

// gated returns env pointed at a proxy in front of the fake that passes
// the first n runs and holds every later one until its client goes away:
// a run "interrupted halfway" deterministically, with n results finished.
func gated(t *testing.T, env map[string]string, n int32) map[string]string {
	t.Helper()
	target, err := url.Parse(env["MAKE_BASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
	proxy.Transport = tr
	var runs atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/run") && runs.Add(1) > n {
			// Read the body: only then does the server watch the
			// connection and end r's context when the client leaves.
			_, _ = io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	out := maps.Clone(env)
	out["MAKE_BASE_URL"] = srv.URL + target.Path
	return out
}

// --timeout ending the runs exits 3 and says it was --timeout, not a bare
// "context deadline exceeded".
func TestEvalTimeoutSaysSo(t *testing.T) {
	_, env, _ := evalFake(t)
	env = gated(t, env, 0) // every run is held: only --timeout ends them
	r := runCLI(t, env, "eval", writeSuite(t, evalSuite), "--timeout", "100ms")
	if r.code != exitEvalCallsFailed || !strings.Contains(r.stderr, "makeagents: eval stopped: --timeout 100ms ended it: 0 of 8 runs finished") ||
		strings.Contains(r.stderr, "deadline exceeded") {
		t.Errorf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// Ctrl-C stops new runs and writes what finished; the same --json resumes.
func TestEvalInterruptAndResume(t *testing.T) {
	_, env, _ := evalFake(t)
	env = gated(t, env, 3)
	path := writeSuite(t, strings.Replace(evalSuite, "concurrency: 4", "concurrency: 1", 1))
	js := filepath.Join(t.TempDir(), "results.json")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan cliResult)
	go func() { done <- runCLIContext(ctx, t, env, "", "eval", path, "--json", js) }()
	// Cancel once the first three results are on disk.
	waitForResults(t, js, 3)
	cancel()
	r := <-done
	if r.code != exitInterrupted || !strings.Contains(r.stderr, "makeagents: interrupted:") || !strings.Contains(r.stderr, "run again with --json") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	rep, err := readReportFile(t, js)
	if err != nil {
		t.Fatal(err)
	}
	finished := len(rep.Results)
	if finished != 3 {
		t.Fatalf("%d results written, want the 3 that finished", finished)
	}
	fake, env, _ := evalFake(t)
	r = runCLI(t, env, "eval", path, "--json", js)
	if r.code != exitOK {
		t.Fatalf("resume: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "kept "+strconv.Itoa(finished)+" result(s)") || !strings.Contains(r.stdout, "* kept from the earlier report") {
		t.Errorf("stderr %q", r.stderr)
	}
	if got, want := runsSent(fake), runsFor(rep); got != want {
		t.Errorf("resume sent %d runs, want %d (only the cases not finished)", got, want)
	}
}

// runsFor is how many run requests the unfinished results of the evalSuite
// matrix take: the thread case sends two.
func runsFor(rep *eval.Report) int {
	done := map[string]int{}
	for _, r := range rep.Results {
		done[r.Case]++
	}
	n := 0
	for _, c := range []string{"greets the user", "looks up an order with the scenario", "answers in shape", "remembers within a thread"} {
		left := 2 - done[c]
		if c == "remembers within a thread" {
			left *= 2
		}
		n += left
	}
	return n
}

func waitForResults(t *testing.T, path string, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if rep, err := readReportFile(t, path); err == nil && len(rep.Results) >= n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s never held %d results", path, n)
}

// Killing the process halfway (SIGKILL: nothing runs on the way out)
// leaves the results finished so far in --json, and the next run resumes
// from them.
func TestEvalKilledHalfwayResumes(t *testing.T) {
	if os.Getenv("MAKEAGENTS_EVAL_CHILD") != "" {
		t.Skip("in the child")
	}
	_, env, _ := evalFake(t)
	env = gated(t, env, 3)
	path := writeSuite(t, strings.Replace(evalSuite, "concurrency: 4", "concurrency: 1", 1))
	js := filepath.Join(t.TempDir(), "results.json")
	cmd := exec.Command(os.Args[0], "-test.run=^TestEvalChild$")
	cmd.Env = append(os.Environ(), "MAKEAGENTS_EVAL_CHILD="+strings.Join([]string{"eval", path, "--json", js}, "\x1f"))
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitForResults(t, js, 3)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	rep, err := readReportFile(t, js)
	if err != nil {
		t.Fatalf("the report left by the killed run: %v", err)
	}
	finished := len(rep.Results)
	if finished != 3 {
		t.Fatalf("%d results left, want the 3 that finished", finished)
	}
	fake, env, _ := evalFake(t)
	r := runCLI(t, env, "eval", path, "--json", js)
	if r.code != exitOK {
		t.Fatalf("resume: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if got, want := runsSent(fake), runsFor(rep); got != want {
		t.Errorf("resume sent %d runs, want %d", got, want)
	}
	final, err := readReportFile(t, js)
	if err != nil || len(final.Results) != 8 {
		t.Fatalf("final report: %v", err)
	}
	for _, res := range final.Results {
		if res.Status != eval.StatusPass {
			t.Errorf("%s: %s", res.Case, res.Status)
		}
	}
}

// TestEvalChild is the process TestEvalKilledHalfwayResumes kills.
func TestEvalChild(t *testing.T) {
	args := os.Getenv("MAKEAGENTS_EVAL_CHILD")
	if args == "" {
		t.Skip("run by TestEvalKilledHalfwayResumes")
	}
	run(context.Background(), strings.Split(args, "\x1f"), strings.NewReader(""), os.Stdout, os.Stderr, os.Getenv)
}

func TestEvalJSONReportIsResumable(t *testing.T) {
	_, env, _ := evalFake(t)
	js := filepath.Join(t.TempDir(), "r.json")
	runCLI(t, env, "eval", writeSuite(t, evalSuite), "--json", js).ok(t)
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"version", "suite", "agentId", "agentFingerprint", "planned", "results"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("report lacks %q", k)
		}
	}
}

// eval's flags reach its run function through the runF seam.
func TestEvalSeam(t *testing.T) {
	f := &factory{env: func(string) string { return "" }}
	var got *evalOptions
	cmd := newEvalCmd(f, func(_ context.Context, o *evalOptions) error { got = o; return nil })
	cmd.Args = exactArgs
	cmd.SetArgs([]string{"s.yaml", "--agent", "a-1", "--json", "r.json", "--junit", "j.xml", "--markdown", "r.md", "--only", "x", "--only", "y*", "--concurrency", "2"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.suite != "s.yaml" || got.agent != "a-1" || got.json != "r.json" || got.junit != "j.xml" || got.markdown != "r.md" ||
		strings.Join(got.only, ",") != "x,y*" || got.concurrency != "2" {
		t.Errorf("options %+v", got)
	}
}

// A server that echoes the token (the fake's agent quotes the user): no
// report, on screen or in a file, holds it, whole or cut.
func TestEvalReportsNeverHoldTheToken(t *testing.T) {
	_, env, _ := evalFake(t)
	tok := env["MAKE_API_TOKEN"]
	dir := t.TempDir()
	paths := []string{filepath.Join(dir, "r.json"), filepath.Join(dir, "j.xml"), filepath.Join(dir, "r.md")}
	suite := writeSuite(t, "name: Support bot\ncases:\n  - name: echo\n    input: \""+strings.Repeat("word ", 15)+"my token is "+tok+"\"\n    assert: [{contains: nope}, {not-contains: \"token\"}]\n")
	r := runCLI(t, env, "eval", suite, "--json", paths[0], "--junit", paths[1], "--markdown", paths[2])
	if r.code != exitEvalFailed {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), tok) || strings.Contains(string(b), tok[:8]) {
			t.Errorf("%s holds the token:\n%s", p, b)
		}
	}
	if strings.Contains(r.stdout, tok[:8]) {
		t.Errorf("stdout holds the token's start:\n%s", r.stdout)
	}
}

// Progress is one line rewritten in place, on a terminal only, and a case
// name cannot move the cursor.
func TestEvalProgressLine(t *testing.T) {
	var b strings.Builder
	p := &progress{w: &b, active: true}
	p.show(eval.Progress{Result: eval.Result{Case: "greets\x1b[2J", Status: eval.StatusPass}, Done: 3, Total: 8, ModelLabel: "gpt-4o"})
	p.done()
	if got, want := b.String(), "\r\x1b[K[3/8] greets\uFFFD[2J · gpt-4o: pass\r\x1b[K"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	var off strings.Builder
	q := newProgress(&off) // not a terminal
	q.show(eval.Progress{Result: eval.Result{Case: "a"}, Done: 1, Total: 1})
	q.done()
	if off.Len() != 0 {
		t.Errorf("progress on a non-terminal: %q", off.String())
	}
}
