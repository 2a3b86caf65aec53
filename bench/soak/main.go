// Command soak drives the standalone fake (`makeagents fake`, a separate
// process) with a mix of calls for a million requests and reports its RSS
// every 100,000, then measures the same mix against a bare net/http server
// answering canned bodies, for the throughput beside it. Stoplight Prism,
// the other comparison issue 23 names, is not installed here.
//
//	make soak                     # builds the CLI, runs this, writes soak-results.md
//	go run ./soak -bin PATH [-n 1000000] [-every 100000] [-workers 4] [-raw 200000] [-out FILE]
//
// The mix, per worker and cycle of ten requests: create an agent, get it,
// list the team's agents, run it (a new thread each cycle, so threads are
// evicted past the fake's limit), stream a run, get it, run again in the
// thread, list, delete it, and get it once more (404). Agents stay few
// (created and deleted); threads and the request log reach their bounds.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	bin := flag.String("bin", "", "the makeagents binary whose `fake` command is soaked (required)")
	n := flag.Int("n", 1_000_000, "requests to send to the fake")
	every := flag.Int("every", 100_000, "report RSS every this many requests")
	workers := flag.Int("workers", 4, "concurrent callers")
	raw := flag.Int("raw", 200_000, "requests for the bare net/http comparison (0: skip)")
	out := flag.String("out", "", "also write the report, as Markdown, to this `FILE`")
	serveRaw := flag.Bool("serve-raw", false, "run the bare net/http server (used by soak itself)")
	flag.Parse()
	if *serveRaw {
		if err := serveCanned(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "soak: -bin is required")
		os.Exit(2)
	}
	rep, err := run(*bin, *n, *every, *workers, *raw)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
	fmt.Print(rep)
	if *out != "" {
		if err := os.WriteFile(*out, []byte(rep), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "soak:", err)
			os.Exit(1)
		}
	}
}

// server is a child process serving an API the mix can drive.
type server struct {
	cmd   *exec.Cmd
	base  string
	token string
	// goneStatus is what a get of a deleted agent answers: the fake's 404,
	// or the stateless canned server's 200.
	goneStatus int
}

// startFake starts `bin fake` and reads the environment it prints.
func startFake(bin string) (*server, error) {
	cmd := exec.Command(bin, "fake", "--seed", "1")
	cmd.Stderr = nil // its access log: one line per request, not wanted here
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	env := map[string]string{}
	br := bufio.NewReader(stdout)
	for range 3 {
		line, err := br.ReadString('\n')
		if err != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			return nil, fmt.Errorf("reading the fake's environment: %w", err)
		}
		k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
		env[k] = strings.Trim(v, "'")
	}
	go func() { _, _ = io.Copy(io.Discard, br) }()
	return &server{cmd: cmd, base: env["MAKE_BASE_URL"], token: env["MAKE_API_TOKEN"], goneStatus: 404}, nil
}

// startCanned starts this binary's bare net/http server.
func startCanned() (*server, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "-serve-raw")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, err
	}
	return &server{cmd: cmd, base: strings.TrimSpace(line), token: "raw", goneStatus: 200}, nil
}

func (s *server) stop() error {
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		return errors.New("the server did not stop within 30 s of SIGINT")
	}
}

// rssKiB reads a process's resident set size from /proc.
func rssKiB(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, errors.New("no VmRSS")
}

// cpuSeconds reads a process's user and system CPU time from /proc: a
// cost per request that another program's load on the machine changes far
// less than it changes throughput.
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The fields after the command name (which may hold spaces) start at
	// the last ')'; utime and stime are the 14th and 15th fields overall.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	ut, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return (ut + st) / 100, nil // USER_HZ is 100 on Linux
}

type sample struct {
	requests int64
	rssKiB   int64
	elapsed  time.Duration
}

// driver sends the mix to a server until n requests are sent, calling
// onCount after each.
type driver struct {
	s      *server
	hc     *http.Client
	sent   atomic.Int64
	errors atomic.Int64
	firstE atomic.Value
}

func (d *driver) do(method, path, body string, want int) ([]byte, bool) {
	req, err := http.NewRequest(method, d.s.base+path, strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	req.Header.Set("Authorization", "Token "+d.s.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := d.hc.Do(req)
	d.sent.Add(1)
	if err != nil {
		d.fail(fmt.Errorf("%s %s: %w", method, path, err))
		return nil, false
	}
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil || resp.StatusCode != want {
		d.fail(fmt.Errorf("%s %s: %d (want %d) %v %.200s", method, path, resp.StatusCode, want, err, b))
		return nil, false
	}
	return b, true
}

func (d *driver) fail(err error) {
	d.errors.Add(1)
	d.firstE.CompareAndSwap(nil, err)
}

const createBody = `{"name":"soak","teamId":1,"makeConnectionId":1001,"defaultModel":"gpt-4.1-mini","systemPrompt":"Be brief."}`

// cycle is one round of the mix: ten requests.
func (d *driver) cycle(worker, i int) {
	const q = "?teamId=1"
	b, ok := d.do("POST", "/ai-agents/v1/agents"+q, createBody, 201)
	id := "00000000-0000-5000-8000-000000000000"
	if ok {
		var created struct{ ID, AgentID string }
		_ = json.Unmarshal(b, &created)
		id = created.ID + created.AgentID // the field's name changed between versions
	}
	agent := "/ai-agents/v1/agents/" + id
	d.do("GET", agent+q, "", 200)
	d.do("GET", "/ai-agents/v1/agents"+q, "", 200)
	msg := fmt.Sprintf(`{"messages":[{"role":"user","content":"Hello from worker %d, cycle %d."}],"config":{}}`, worker, i)
	b, _ = d.do("POST", agent+"/run"+q, msg, 200)
	var result struct {
		ThreadID string `json:"threadId"`
	}
	_ = json.Unmarshal(b, &result)
	d.do("POST", agent+"/run/stream"+q, msg, 200)
	d.do("GET", agent+q, "", 200)
	d.do("POST", agent+"/run"+q, strings.Replace(msg, `"config"`, `"threadId":"`+result.ThreadID+`","config"`, 1), 200)
	d.do("GET", "/ai-agents/v1/agents"+q, "", 200)
	d.do("DELETE", agent+q, "", 204)
	d.do("GET", agent+q, "", d.s.goneStatus)
}

// drive sends at least n requests with workers callers, calling at(k)
// whenever the count passes a multiple of every.
func drive(s *server, n, every, workers int, at func(sent int64)) (time.Duration, *driver) {
	d := &driver{s: s, hc: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}}
	defer d.hc.CloseIdleConnections()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		next = int64(every)
	)
	began := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; d.sent.Load() < int64(n); i++ {
				d.cycle(w, i)
				if sent := d.sent.Load(); sent >= next {
					mu.Lock()
					for sent >= next {
						at(next)
						next += int64(every)
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(began), d
}

func run(bin string, n, every, workers, raw int) (string, error) {
	var rep strings.Builder
	fmt.Fprintf(&rep, "# Soak: `makeagents fake` under %d requests\n\n", n)
	fmt.Fprintf(&rep, "Produced by `make soak` (bench/soak) on %s, %s/%s, %d CPUs, %s; %d workers, keep-alive loopback HTTP.\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), workers)
	fmt.Fprintf(&rep, "Mix per cycle of ten: create, get, list, run (new thread), stream, get, run (same thread), list, delete, get (404).\n\n")

	fake, err := startFake(bin)
	if err != nil {
		return "", err
	}
	var samples []sample
	began := time.Now()
	base, err := rssKiB(fake.cmd.Process.Pid)
	if err != nil {
		_ = fake.stop()
		return "", err
	}
	took, d := drive(fake, n, every, workers, func(sent int64) {
		kib, err := rssKiB(fake.cmd.Process.Pid)
		if err != nil {
			kib = -1
		}
		samples = append(samples, sample{requests: sent, rssKiB: kib, elapsed: time.Since(began)})
		fmt.Fprintf(os.Stderr, "soak: %d requests, RSS %.1f MiB, %s\n", sent, float64(kib)/1024, time.Since(began).Round(time.Second))
	})
	cpu, cpuErr := cpuSeconds(fake.cmd.Process.Pid)
	stopErr := fake.stop()
	sent := d.sent.Load()
	fakeRate := float64(sent) / took.Seconds()

	fmt.Fprintf(&rep, "## RSS of the fake\n\nAt start (before any request): %.1f MiB.\n\n", float64(base)/1024)
	fmt.Fprintf(&rep, "| requests | RSS (MiB) | elapsed | requests/s in the segment |\n| ---: | ---: | ---: | ---: |\n")
	var prev sample
	for _, s := range samples {
		rate := float64(s.requests-prev.requests) / (s.elapsed - prev.elapsed).Seconds()
		fmt.Fprintf(&rep, "| %d | %.1f | %s | %.0f |\n", s.requests, float64(s.rssKiB)/1024, s.elapsed.Round(time.Second), rate)
		prev = s
	}
	fmt.Fprintf(&rep, "\n%d requests in %s: **%.0f requests/s**; %d unexpected answers", sent, took.Round(time.Second), fakeRate, d.errors.Load())
	if e := d.firstE.Load(); e != nil {
		fmt.Fprintf(&rep, " (first: %v)", e)
	}
	fmt.Fprintln(&rep, ".")
	if cpuErr == nil {
		fmt.Fprintf(&rep, "The fake used %.0f s of CPU: **%.0f µs of CPU per request** (less sensitive than throughput to other load on the machine).\n", cpu, 1e6*cpu/float64(sent))
	}
	if stopErr != nil {
		fmt.Fprintf(&rep, "Stopping the fake: %v.\n", stopErr)
	}
	verdict := "fewer than two samples"
	if len(samples) >= 2 && samples[0].rssKiB > 0 {
		last := samples[len(samples)-1]
		ratio := float64(last.rssKiB) / float64(samples[0].rssKiB)
		pass := "within"
		if ratio > 1.2 {
			pass = "NOT within"
		}
		verdict = fmt.Sprintf("RSS after %d requests = %.2fx RSS after %d: %s the 1.2x target", last.requests, ratio, samples[0].requests, pass)
	}
	fmt.Fprintf(&rep, "\n**%s.**\n", verdict)

	if raw > 0 {
		canned, err := startCanned()
		if err != nil {
			return "", err
		}
		rawTook, rd := drive(canned, raw, raw, workers, func(int64) {})
		_ = canned.stop()
		rawRate := float64(rd.sent.Load()) / rawTook.Seconds()
		fmt.Fprintf(&rep, "\n## Beside bare net/http\n\nThe same mix and driver against a bare `net/http` server (a child process, canned bodies of the fake's sizes, no validation, no state), %d requests: **%.0f requests/s**; %d unexpected answers. The fake serves **%.0f%%** of bare net/http's throughput.\n",
			rd.sent.Load(), rawRate, rd.errors.Load(), 100*fakeRate/rawRate)
		fmt.Fprintf(&rep, "\nStoplight Prism (issue 23's other comparison) is not installed here, and this machine reaches no registry but Go's, so it is not measured.\n")
	}
	return rep.String(), nil
}

// serveCanned is the bare net/http server: the routes of the mix, each
// answering a fixed body shaped and sized like the fake's.
func serveCanned() error {
	agent := []byte(`{"id":"b504aa93-0752-4bf8-887e-c2c717d525bf","name":"soak","teamId":1,"createdAt":"2025-06-25T13:36:46.730Z","systemPrompt":"Be brief.","defaultModel":"gpt-4.1-mini","makeConnectionId":1001,"invocationConfig":{"recursionLimit":300},"historyConfig":{"iterationsFromHistoryCount":10},"llmConfig":{"maxTokens":100000},"scenarios":[],"mcpConfigs":[],"contexts":[],"pastConfigurations":[]}` + "\n")
	list := []byte("[" + strings.TrimSpace(string(agent)) + "," + strings.TrimSpace(string(agent)) + "]\n")
	created := []byte(`{"id":"b504aa93-0752-4bf8-887e-c2c717d525bf","agentId":"b504aa93-0752-4bf8-887e-c2c717d525bf","name":"soak","teamId":1,"makeConnectionId":1001,"defaultModel":"gpt-4.1-mini","systemPrompt":"Be brief."}` + "\n")
	step := `{"role":"assistant","content":"You said: \"Hello from worker 1, cycle 1.\". This is soak, a deterministic makeagentstest agent: it repeats what it is told and calls no model.","id":"4f0c1d5e-8a8b-5b7e-9d0c-1b2a3c4d5e6f","agentIterationId":"7a6b5c4d-3e2f-5a1b-8c9d-0e1f2a3b4c5d"}`
	runResult := []byte(`{"response":"You said it.","threadId":"9f8e7d6c-5b4a-5392-8170-6f5e4d3c2b1a","executionSteps":[` + step + `,` + step + `,` + step + `],"tokenUsageSummary":{"promptTokens":12,"completionTokens":20,"totalTokens":32}}` + "\n")
	var stream bytes.Buffer
	for i := range 3 {
		fmt.Fprintf(&stream, "event:step\nid:%d\ndata:%s\n\n", i, step)
	}
	mux := http.NewServeMux()
	drain := func(r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }
	jsonAnswer := func(b []byte, status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			drain(r)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write(b)
		}
	}
	mux.HandleFunc("POST /api/v2/ai-agents/v1/agents", jsonAnswer(created, 201))
	mux.HandleFunc("GET /api/v2/ai-agents/v1/agents", jsonAnswer(list, 200))
	// Stateless: the get after a delete answers 200 here (see goneStatus).
	mux.HandleFunc("GET /api/v2/ai-agents/v1/agents/{id}", jsonAnswer(agent, 200))
	mux.HandleFunc("DELETE /api/v2/ai-agents/v1/agents/{id}", func(w http.ResponseWriter, r *http.Request) {
		drain(r)
		w.WriteHeader(204)
	})
	mux.HandleFunc("POST /api/v2/ai-agents/v1/agents/{id}/run", jsonAnswer(runResult, 200))
	mux.HandleFunc("POST /api/v2/ai-agents/v1/agents/{id}/run/stream", func(w http.ResponseWriter, r *http.Request) {
		drain(r)
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write(stream.Bytes())
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("http://%s/api/v2\n", ln.Addr())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		// Stop on SIGINT as the fake does: the parent signals, then waits.
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt)
		<-sig
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
