package makeagentstest_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
)

func do(t *testing.T, method, url, authorization, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestURLAndToken(t *testing.T) {
	s := makeagentstest.NewServer(t, makeagentstest.WithToken("s3cret"))
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") || !strings.HasSuffix(s.URL(), "/api/v2") {
		t.Errorf("URL %q: want loopback with /api/v2", s.URL())
	}
	if s.Token() != "s3cret" {
		t.Errorf("Token %q", s.Token())
	}
	if makeagentstest.NewServer(t).Token() != makeagentstest.DefaultToken {
		t.Error("default token")
	}
}

// Client is api.New on the fake: its URL and token, whatever the shell's
// MAKE_* variables say, with the caller's options on top; errors are
// *api.APIError as in production.
func TestClient(t *testing.T) {
	t.Setenv(api.EnvBaseURL, "http://127.0.0.1:1/api/v2")
	t.Setenv(api.EnvToken, "not-the-fake-token")
	t.Setenv(api.EnvTeamID, "not-a-team")
	s := makeagentstest.NewServer(t, makeagentstest.WithToken("s3cret"), makeagentstest.WithTeam(5))
	c, err := s.Client(api.WithTeamID(5), api.WithRetry(api.RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Generated().ListAgentsWithResponse(context.Background(), nil)
	if err != nil || res.StatusCode() != http.StatusOK {
		t.Fatalf("list through Client: %v", err)
	}
	reqs := s.Requests()
	if len(reqs) != 1 || reqs[0].Query.Get("teamId") != "5" {
		t.Fatalf("requests %+v, want one with teamId=5", reqs)
	}
	// Another team: the fake's 403 comes back as *api.APIError, not a response.
	other, err := s.Client(api.WithTeamID(6))
	if err != nil {
		t.Fatal(err)
	}
	_, err = other.Generated().ListAgentsWithResponse(context.Background(), nil)
	if !api.IsForbidden(err) {
		t.Fatalf("err = %v, want a 403 *api.APIError", err)
	}
	if _, err := s.Client(api.WithZone("mars1")); err == nil {
		t.Fatal("an invalid option was accepted")
	}
}

// TestAuthorization: only "Token <token>" (and "Bearer <token>") get in;
// everything else is a Make-shaped 401 that never echoes the credential.
func TestAuthorization(t *testing.T) {
	s := makeagentstest.NewServer(t)
	list := s.URL() + "/ai-agents/v1/agents?teamId=1"
	for _, h := range []string{"", "test-token", "Token wrong", "token test-token", "Basic dGVzdA=="} {
		resp, body := do(t, "GET", list, h, "")
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("Authorization %q: status %d, want 401", h, resp.StatusCode)
			continue
		}
		if e := errorBody(t, body); e.Code != "SC401" || (h != "" && strings.Contains(string(body), h)) {
			t.Errorf("Authorization %q: body %s", h, body)
		}
	}
	for _, h := range []string{"Token test-token", "Bearer test-token"} {
		if resp, body := do(t, "GET", list, h, ""); resp.StatusCode != http.StatusOK {
			t.Errorf("Authorization %q: status %d %s, want 200", h, resp.StatusCode, body)
		}
	}
	// Nothing is logged that carries the token.
	for _, r := range s.Requests() {
		if strings.Contains(r.Path+r.Query.Encode()+string(r.Body), "test-token") {
			t.Errorf("request log holds the token: %+v", r)
		}
	}
}

// TestSpecViolatingRequestsAre400: the fake rejects what the spec does not
// allow, with Make's IM005 body naming the problem, and never acts on it.
func TestSpecViolatingRequestsAre400(t *testing.T) {
	s := makeagentstest.NewServer(t)
	c := newClient(t, s)
	id := createAgent(t, c, "a", "p")
	agents := s.URL() + "/ai-agents/v1/agents"
	run := agents + "/" + id + "/run?teamId=1"
	cases := []struct {
		name, method, url, body, mention string
	}{
		{"teamId zero", "GET", agents + "?teamId=0", "", "teamId"},
		{"teamId missing", "GET", agents, "", "teamId"},
		{"teamId not a number", "GET", agents + "?teamId=one", "", "teamId"},
		{"agentId not a UUID", "GET", agents + "/not-a-uuid?teamId=1", "", "agentId"},
		{"run without messages", "POST", run, `{"config":{}}`, "messages"},
		{"run without config", "POST", run, `{"messages":[{"role":"user","content":"hi"}]}`, "config"},
		{"message with unknown role", "POST", run, `{"messages":[{"role":"robot","content":"hi"}],"config":{}}`, "role"},
		{"stream without messages", "POST", agents + "/" + id + "/run/stream?teamId=1", `{"config":{}}`, "messages"},
		{"create with empty systemPrompt", "POST", agents + "?teamId=1", `{"name":"n","teamId":1,"makeConnectionId":1001,"defaultModel":"gpt-4.1-mini","systemPrompt":""}`, "systemPrompt"},
		{"create without name", "POST", agents + "?teamId=1", `{"teamId":1,"makeConnectionId":1001,"defaultModel":"gpt-4.1-mini","systemPrompt":"p"}`, "name"},
		{"body not JSON", "PATCH", agents + "/" + id + "?teamId=1", `{"name":`, "body"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, tc.method, tc.url, "Token "+s.Token(), tc.body)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d, body %s; want 400", resp.StatusCode, body)
			}
			e := errorBody(t, body)
			if e.Code != "SC400" || len(e.Suberrors) == 0 || len(e.Detail.Lines()) != len(e.Suberrors)+1 ||
				!strings.HasPrefix(e.Detail.Lines()[0], "Validation failed for ") {
				t.Fatalf("body %s: want code SC400, suberrors and Make's detail list", body)
			}
			if !strings.Contains(string(body), tc.mention) {
				t.Errorf("body %s does not mention %q", body, tc.mention)
			}
		})
	}
	if a := s.Agents(team); len(a) != 1 || a[0].Name != "a" {
		t.Errorf("rejected requests changed the state: %+v", a)
	}
}

func TestUnknownEndpoints(t *testing.T) {
	s := makeagentstest.NewServer(t)
	tok := "Token " + s.Token()
	if resp, body := do(t, "GET", s.URL()+"/blueprints?teamId=1", tok, ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("outside the API: %d %s", resp.StatusCode, body)
	}
	if resp, body := do(t, "PUT", s.URL()+"/ai-agents/v1/agents?teamId=1", tok, "{}"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("undocumented method: %d %s", resp.StatusCode, body)
	}
}

// TestWithTeam: a team the token has no access to gets 403.
func TestWithTeam(t *testing.T) {
	s := makeagentstest.NewServer(t, makeagentstest.WithTeam(1), makeagentstest.WithTeam(5))
	c := newClient(t, s)
	ctx := context.Background()
	for teamID, want := range map[int64]int{1: 200, 5: 200, 2: 403} {
		res, err := c.ListAgentsWithResponse(ctx, &api.ListAgentsParams{TeamID: teamID})
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode() != want {
			t.Errorf("team %d: status %d, want %d", teamID, res.StatusCode(), want)
		}
	}
}

// TestRateLimit: the limit is per team and per one-minute window of the
// server's clock; the 429 says when to come back.
func TestRateLimit(t *testing.T) {
	var mu sync.Mutex
	now := fixedNow
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	s := makeagentstest.NewServer(t, makeagentstest.WithRateLimit(2), makeagentstest.WithClock(clock))
	c := newClient(t, s)
	ctx := context.Background()
	status := func(teamID int64) (int, string) {
		res, err := c.ListAgentsWithResponse(ctx, &api.ListAgentsParams{TeamID: teamID})
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode() == http.StatusTooManyRequests {
			if e := errorBody(t, res.Body); e.Code != "SC429" {
				t.Errorf("429 body %s", res.Body)
			}
		}
		return res.StatusCode(), res.HTTPResponse.Header.Get("Retry-After")
	}
	for i, want := range []int{200, 200, 429} {
		if got, _ := status(1); got != want {
			t.Fatalf("request %d: status %d, want %d", i+1, got, want)
		}
	}
	if got, _ := status(2); got != 200 {
		t.Errorf("another team is limited too: %d", got)
	}
	advance(45 * time.Second)
	if got, retry := status(1); got != 429 || retry != "15" {
		t.Errorf("45 s into the window: status %d Retry-After %q, want 429 and 15", got, retry)
	}
	advance(15 * time.Second)
	if got, _ := status(1); got != 200 {
		t.Errorf("new window: status %d, want 200", got)
	}
}

// TestRequestLog: every request is logged with its operation and final
// status, bodies included, so tests can assert what a client did.
func TestRequestLog(t *testing.T) {
	s := makeagentstest.NewServer(t)
	c := newClient(t, s)
	id := createAgent(t, c, "logged", "p")
	do(t, "GET", s.URL()+"/ai-agents/v1/agents/"+id+"?teamId=1", "", "")
	log := s.Requests()
	if len(log) != 2 {
		t.Fatalf("%d requests logged, want 2: %+v", len(log), log)
	}
	if r := log[0]; r.Method != "POST" || r.Operation != "createAgent" || r.Status != 201 ||
		r.Query.Get("teamId") != "1" || !strings.Contains(string(r.Body), `"name":"logged"`) || r.Path != "/api/v2/ai-agents/v1/agents" {
		t.Errorf("create logged as %+v", r)
	}
	if r := log[1]; r.Method != "GET" || r.Operation != "getAgent" || r.Status != 401 {
		t.Errorf("unauthenticated get logged as %+v", r)
	}
	s.ResetRequests()
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d requests after ResetRequests", n)
	}
}

// TestStartAndClose: the plain constructor works without a test, Close is
// idempotent, and a closed server refuses connections.
func TestStartAndClose(t *testing.T) {
	s, err := makeagentstest.Start(makeagentstest.WithToken("t"))
	if err != nil {
		t.Fatal(err)
	}
	resp, _ := do(t, "GET", s.URL()+"/ai-agents/v1/agents?teamId=1", "Token t", "")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	s.Close()
	s.Close()
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	if resp, err := hc.Get(s.URL() + "/ai-agents/v1/agents?teamId=1"); err == nil {
		resp.Body.Close()
		t.Fatal("a closed server still answers")
	}
	if _, err := makeagentstest.Start(makeagentstest.WithToken("")); err == nil {
		t.Error("Start accepted an empty token")
	}
}

// TestConcurrentUse: many clients at once, under -race, leave a consistent
// state: every create is stored once and every stream is complete.
func TestConcurrentUse(t *testing.T) {
	s := makeagentstest.NewServer(t)
	c := newClient(t, s)
	seed := createAgent(t, c, "seed", "p")
	const workers = 16
	var wg sync.WaitGroup
	errs := make(chan string, workers*2)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := c.CreateAgentWithResponse(context.Background(), &api.CreateAgentParams{TeamID: team}, api.CreateAgentRequest{
				Name: "w", TeamID: team, MakeConnectionID: 1001 + int64(i%3), DefaultModel: []string{"gpt-4o", "claude-3-5-haiku-latest", "gemini-2.5-flash"}[i%3], SystemPrompt: "p",
			})
			if err != nil || res.StatusCode() != 201 {
				errs <- "create failed"
			}
			resp, err := c.RunAgentStream(context.Background(), seed, &api.RunAgentStreamParams{TeamID: team}, api.RunAgentRequest{
				Messages: []api.Message{{Role: api.MessageRoleUser, Content: "hi"}},
			})
			if err != nil {
				errs <- err.Error()
				return
			}
			defer resp.Body.Close()
			if events, rest, err := readAll(resp.Body); err != nil || len(rest) != 0 || len(events) != 3 {
				errs <- "incomplete stream"
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if n := len(s.Agents(team)); n != workers+1 {
		t.Errorf("%d agents stored, want %d", n, workers+1)
	}
	if n := len(s.Requests()); n != 2*workers+1 {
		t.Errorf("%d requests logged, want %d", n, 2*workers+1)
	}
}

// TestRequestLogBodyIsBounded: a large body is served whole but logged
// only up to MaxLoggedBody.
func TestRequestLogBodyIsBounded(t *testing.T) {
	s := makeagentstest.NewServer(t)
	c := newClient(t, s)
	prompt := strings.Repeat("p", 2*makeagentstest.MaxLoggedBody)
	createAgent(t, c, "big", prompt)
	if got := s.Agents(team)[0].SystemPrompt; got != prompt {
		t.Errorf("stored prompt is %d bytes, want %d", len(got), len(prompt))
	}
	if n := len(s.Requests()[0].Body); n != makeagentstest.MaxLoggedBody {
		t.Errorf("logged body is %d bytes, want %d", n, makeagentstest.MaxLoggedBody)
	}
}

// TestCloseEndsPacedStream: Close does not wait for a slow stream to play
// out; it ends it, and the client sees the body end.
func TestCloseEndsPacedStream(t *testing.T) {
	s := makeagentstest.NewServer(t, makeagentstest.WithStepDelay(time.Hour))
	id := createAgent(t, newClient(t, s), "slow", "p")
	resp := streamRequest(context.Background(), t, s, id, runBody)
	br := bufio.NewReader(resp.Body)
	if _, _, err := nextEvent(br); err != nil {
		t.Fatal(err)
	}
	s.Close() // would block for an hour if the pause ignored Close
	if events, _, _ := readAll(br); len(events) != 0 {
		t.Errorf("%d events after Close", len(events))
	}
}

// TestOversizeRequestBody: a body beyond what the fake reads is refused
// with 413 before anything is stored.
func TestOversizeRequestBody(t *testing.T) {
	s := makeagentstest.NewServer(t)
	prompt := strings.Repeat("p", 9<<20)
	resp, body := do(t, "POST", s.URL()+"/ai-agents/v1/agents?teamId=1", "Token "+s.Token(),
		`{"name":"n","teamId":1,"makeConnectionId":1001,"defaultModel":"gpt-4.1-mini","systemPrompt":"`+prompt+`"}`)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || errorBody(t, body).Code != "SC413" {
		t.Fatalf("status %d body %.200s", resp.StatusCode, body)
	}
	if len(s.Agents(team)) != 0 {
		t.Error("an oversize create was stored")
	}
}
