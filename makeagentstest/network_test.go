package makeagentstest_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
)

// rawConn dials the fake's host over plain TCP, for requests net/http's
// client would never send.
func rawConn(t *testing.T, s *makeagentstest.Server) net.Conn {
	t.Helper()
	u, err := url.Parse(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// TestRejectedBodyIsNeverReadAsARequest hides a DELETE in the part of an
// oversized body the fake refuses to read, right where it stops reading
// (8 MiB and one byte in), with more than the 256 KiB net/http would
// discard after it: the agent must survive, and nothing after the 413 may
// be answered on that connection.
func TestRejectedBodyIsNeverReadAsARequest(t *testing.T) {
	for _, tc := range []struct {
		name    string
		chunked bool
	}{{"content-length", false}, {"chunked", true}} {
		t.Run(tc.name, func(t *testing.T) {
			s := makeagentstest.NewServer(t)
			a := s.AddAgent(team, api.Agent{Name: "Keep me"})
			conn := rawConn(t, s)
			path := "/api/v2/ai-agents/v1/agents/" + a.ID + "?teamId=1"
			hidden := "DELETE " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Token " + s.Token() + "\r\nContent-Length: 0\r\n\r\n"
			filler := strings.Repeat("x", 8<<20+1)
			padding := strings.Repeat("y", 512<<10)
			go func() {
				w := bufio.NewWriter(conn)
				fmt.Fprintf(w, "POST /api/v2/ai-agents/v1/agents?teamId=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Token %s\r\nContent-Type: application/json\r\n", s.Token())
				if tc.chunked {
					fmt.Fprintf(w, "Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n", len(filler), filler)
					fmt.Fprintf(w, "%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n", len(hidden), hidden, len(padding), padding)
				} else {
					body := filler + hidden + padding
					fmt.Fprintf(w, "Content-Length: %d\r\n\r\n%s", len(body), body)
				}
				_ = w.Flush()
			}()
			br := bufio.NewReader(conn)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d, want 413", resp.StatusCode)
			}
			// Whatever the connection does next, no second answer may come.
			_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
			if second, err := http.ReadResponse(br, nil); err == nil {
				t.Errorf("a second response came on the connection: %d", second.StatusCode)
			}
			if got := len(s.Agents(team)); got != 1 {
				t.Fatalf("%d agents after the rejected body, want 1: the hidden DELETE ran", got)
			}
			for _, r := range s.Requests() {
				if r.Method == http.MethodDelete {
					t.Errorf("the hidden DELETE reached the fake: %+v", r)
				}
			}
		})
	}
}

// TestPreferIsBounded: a Prefer header asks for a bounded amount of work or
// is a 400 naming the bound. The first case is the header that once made
// the fake build every oversized event in memory and die.
func TestPreferIsBounded(t *testing.T) {
	s := makeagentstest.NewServer(t)
	agent := s.AddAgent(team, api.Agent{Name: "a", SystemPrompt: "p", DefaultModel: "m"})
	stream := "/ai-agents/v1/agents/" + agent.ID + "/run/stream?teamId=1"
	many := func(item string, n int) string { return strings.TrimSuffix(strings.Repeat(item+", ", n), ", ") }
	for _, tc := range []struct{ prefer, want string }{
		{many("stream=oversize-after-0", 300), "at most 1024"},
		{many(`scopes="ai-agents:read"`, 17), "at most 16"},
		{many("stream=malformed-after-0", 9), "at most 8"},
		{"stream=oversize-after-0, size=67108865", "up to 67108864"},
		{"stream=oversize-after-0, size=1073741824", "up to 67108864"},
	} {
		resp, body, _ := preferDo(t, s, "POST", stream, tc.prefer, runBody)
		if resp.StatusCode != 400 || !strings.Contains(string(body), tc.want) || errorBody(t, body).Code != "SC400" {
			t.Errorf("Prefer of %d bytes (%.40s...): %d %.300s, want a 400 naming %q", len(tc.prefer), tc.prefer, resp.StatusCode, body, tc.want)
		}
	}
	// At the bounds: 8 faults, the largest size, are served.
	resp, _, err := preferDo(t, s, "POST", stream, many("stream=malformed-after-0", 8), runBody)
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("8 stream faults: %v %v, want 200", resp.StatusCode, err)
	}
}

// TestOversizeFaultIsStreamed: the largest oversize event a Prefer header
// may ask for (64 MiB) costs the fake a few chunks, not the event: the whole
// process (fake and client) allocates a small fraction of what is sent.
// Counted with runtime.MemStats, not timed.
func TestOversizeFaultIsStreamed(t *testing.T) {
	s := makeagentstest.NewServer(t)
	agent := s.AddAgent(team, api.Agent{Name: "a", SystemPrompt: "p", DefaultModel: "m"})
	const size = 64 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	req, _ := http.NewRequest("POST", s.URL()+"/ai-agents/v1/agents/"+agent.ID+"/run/stream?teamId=1", strings.NewReader(runBody))
	req.Header.Set("Authorization", "Token "+s.Token())
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Prefer", fmt.Sprintf("stream=oversize-after-0, stream=oversize-after-1, size=%d", size))
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	runtime.ReadMemStats(&after)
	if err != nil || n < 2*size {
		t.Fatalf("read %d bytes (%v), want two events of at least %d", n, err, size)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Errorf("sending %d MiB allocated %d MiB: the events were built in memory", n>>20, grew>>20)
	}
}

// TestRequestLogKeepsTheNewest: the log is bounded by Limits.RequestLog and
// keeps the newest requests, oldest first.
func TestRequestLogKeepsTheNewest(t *testing.T) {
	s := makeagentstest.NewServer(t, makeagentstest.WithLimits(makeagentstest.Limits{RequestLog: 3}))
	for i := range 5 {
		do(t, "GET", fmt.Sprintf("%s/ai-agents/v1/agents?teamId=%d", s.URL(), i+1), "Token "+s.Token(), "")
	}
	log := s.Requests()
	if len(log) != 3 {
		t.Fatalf("%d requests logged, want the newest 3", len(log))
	}
	for i, r := range log {
		if got, want := r.Query.Get("teamId"), fmt.Sprint(i+3); got != want {
			t.Errorf("entry %d is for team %s, want %s", i, got, want)
		}
	}
}

// TestAgentsAndContextsAreBounded: creates beyond Limits are Make's 400
// naming the limit, and deleting makes room again.
func TestAgentsAndContextsAreBounded(t *testing.T) {
	s := makeagentstest.NewServer(t, makeagentstest.WithLimits(makeagentstest.Limits{Agents: 2, Contexts: 1, StoreBytes: 64 << 10}))
	c := newClient(t, s)
	ctx := context.Background()
	first := createAgent(t, c, "one", "p")
	createAgent(t, c, "two", "p")
	create := func(prompt string) *api.CreateAgentResponse {
		res, err := c.CreateAgentWithResponse(ctx, &api.CreateAgentParams{TeamID: team}, api.CreateAgentRequest{
			Name: "n", TeamID: team, MakeConnectionID: 1001, DefaultModel: "gpt-4.1-mini", SystemPrompt: prompt,
		})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := create("p"); res.StatusCode() != 400 || !strings.Contains(string(res.Body), "at most 2 agents") {
		t.Fatalf("third agent: %d %s, want a 400 naming the limit of 2", res.StatusCode(), res.Body)
	}
	if res, _ := c.DeleteAgentWithResponse(ctx, first, &api.DeleteAgentParams{TeamID: team}); res.StatusCode() != 204 {
		t.Fatalf("delete: %d", res.StatusCode())
	}
	if res := create(strings.Repeat("p", 80<<10)); res.StatusCode() != 400 || !strings.Contains(string(res.Body), "StoreBytes") {
		t.Errorf("an agent above StoreBytes: %d %.300s, want a 400 naming the limit", res.StatusCode(), res.Body)
	}
	third := createAgent(t, c, "three", "p")
	addContext := func() *api.CreateContextResponse {
		res, err := c.CreateContextWithResponse(ctx, &api.CreateContextParams{TeamID: team}, api.CreateContextJSONRequestBody{
			AgentID: third, Content: "Prague is the capital of Czechia.",
		})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := addContext(); res.StatusCode() != 201 {
		t.Fatalf("first context: %d %s", res.StatusCode(), res.Body)
	}
	if res := addContext(); res.StatusCode() != 400 || !strings.Contains(string(res.Body), "at most 1 contexts") {
		t.Errorf("second context: %d %s, want a 400 naming the limit of 1", res.StatusCode(), res.Body)
	}
}

// TestThreadsAreEvicted: beyond Limits.Threads the least recently used
// thread is forgotten; a run naming it starts afresh.
func TestThreadsAreEvicted(t *testing.T) {
	s := makeagentstest.NewServer(t, makeagentstest.WithLimits(makeagentstest.Limits{Threads: 2}))
	c := newClient(t, s)
	agent := createAgent(t, c, "a", "p")
	steps := func(thread string) int {
		res, err := c.RunAgentWithResponse(context.Background(), agent, &api.RunAgentParams{TeamID: team}, api.RunAgentRequest{
			Messages: []api.Message{{Role: api.MessageRoleUser, Content: "hi"}}, ThreadID: thread,
		})
		if err != nil || res.JSON200 == nil {
			t.Fatalf("run: %v %s", err, res.Body)
		}
		return len(res.JSON200.ExecutionSteps)
	}
	fresh := steps("a")
	if steps("a") <= fresh {
		t.Fatal("a thread's second run sees no history")
	}
	steps("b")
	steps("a") // a is now the most recently used
	steps("c") // evicts b
	if got := steps("a"); got == fresh {
		t.Error("thread a, used recently, was evicted")
	}
	if got := steps("b"); got != fresh {
		t.Errorf("thread b after eviction: %d steps, want %d (a fresh thread)", got, fresh)
	}
}

// TestPastConfigurationsAreBounded: an agent updated over and over keeps
// only its newest past configurations.
func TestPastConfigurationsAreBounded(t *testing.T) {
	s := makeagentstest.NewServer(t)
	c := newClient(t, s)
	agent := createAgent(t, c, "a", "p")
	for i := range 15 {
		name := fmt.Sprint("name ", i)
		if res, err := c.UpdateAgentWithResponse(context.Background(), agent, &api.UpdateAgentParams{TeamID: team}, api.UpdateAgentRequest{Name: &name}); err != nil || res.StatusCode() != 204 {
			t.Fatalf("update %d: %v", i, err)
		}
	}
	res, err := c.GetAgentWithResponse(context.Background(), agent, &api.GetAgentParams{TeamID: team})
	if err != nil || res.JSON200 == nil {
		t.Fatal(err)
	}
	past := res.JSON200.PastConfigurations
	if len(past) != 10 || past[0].Name != "name 13" {
		t.Errorf("%d past configurations, newest %q; want 10, newest \"name 13\"", len(past), past[0].Name)
	}
}
