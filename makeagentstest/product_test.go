package makeagentstest_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/internal/memtest"
	"github.com/makeagents/makeagents-go/makeagentstest"
)

// fastClient is Server.Client with the team set and a transport the test
// closes, so goleak sees no idle connection.
func fastClient(t *testing.T, s *makeagentstest.Server, opts ...api.Option) *api.Client {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	c, err := s.Client(append([]api.Option{api.WithTeamID(team), api.WithHTTPClient(hc)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestThreads: a second run in a thread sees the first (its user message
// among the steps, more prompt tokens); the history is bounded by the
// agent's historyConfig; a thread id the caller names starts that thread.
func TestThreads(t *testing.T) {
	s := makeagentstest.NewServer(t)
	c := fastClient(t, s)
	ctx := context.Background()
	id := createAgent(t, newClient(t, s), "threads", "p")
	runIn := func(thread string, msg string) *api.RunAgentResult {
		t.Helper()
		res, err := c.Generated().RunAgentWithResponse(ctx, id, nil, api.RunAgentRequest{
			Messages: []api.Message{{Role: api.MessageRoleUser, Content: msg}}, ThreadID: thread,
		})
		if err != nil {
			t.Fatal(err)
		}
		return res.JSON200
	}
	first := runIn("", "my name is Ada")
	second := runIn(first.ThreadID, "what is my name")
	if second.ThreadID != first.ThreadID {
		t.Fatalf("thread %s, want %s", second.ThreadID, first.ThreadID)
	}
	if second.TokenUsageSummary.PromptTokens <= first.TokenUsageSummary.PromptTokens {
		t.Errorf("prompt tokens %d then %d: the second run should see the first", first.TokenUsageSummary.PromptTokens, second.TokenUsageSummary.PromptTokens)
	}
	var contents []string
	for _, st := range second.ExecutionSteps {
		contents = append(contents, string(st.Role)+":"+st.Content)
	}
	if !slices.Contains(contents, "user:my name is Ada") || !slices.Contains(contents, "assistant:"+first.Response) {
		t.Errorf("second run's steps %q lack the first run", contents)
	}
	other := runIn("", "hello")
	if other.ThreadID == first.ThreadID || len(other.ExecutionSteps) != 3 {
		t.Errorf("a run without threadId should start a fresh thread: %s, %d steps", other.ThreadID, len(other.ExecutionSteps))
	}

	// historyConfig bounds what a run sees: with 1, only the last run.
	one := int64(1)
	if _, err := c.Generated().UpdateAgentWithResponse(ctx, id, nil, api.UpdateAgentRequest{HistoryConfig: &api.HistoryConfig{IterationsFromHistoryCount: &one}}); err != nil {
		t.Fatal(err)
	}
	third := runIn(first.ThreadID, "third")
	var users []string
	for _, st := range third.ExecutionSteps {
		if st.Role == api.StepRoleUser {
			users = append(users, st.Content)
		}
	}
	if want := []string{"what is my name", "third"}; !slices.Equal(users, want) {
		t.Errorf("with iterationsFromHistoryCount 1 the user steps are %q, want %q", users, want)
	}

	// A thread the caller names (Make's Help Center: a user id, a
	// timestamp) starts under that id and is continued by it.
	for _, named := range []string{"user-42", "123e4567-e89b-12d3-a456-426614174000"} {
		var prompts []int64
		for _, msg := range []string{"first", "second"} {
			run := api.NewRunRequest(msg)
			run.ThreadID = named
			res, err := c.RunAgent(ctx, id, run)
			if err != nil || res.ThreadID != named {
				t.Fatalf("thread %q: %v, answered in thread %q", named, err, res.ThreadID)
			}
			prompts = append(prompts, res.TokenUsageSummary.PromptTokens)
		}
		if prompts[1] <= prompts[0] {
			t.Errorf("thread %q: prompt tokens %v, want the second run to see the first", named, prompts)
		}
	}
	// The empty thread id Make refuses is refused before sending: a typed
	// body cannot carry one (an empty ThreadID is left out), a raw one can.
	raw := `{"messages":[{"role":"user","content":"x"}],"config":{},"threadId":""}`
	if _, err := c.Generated().RunAgentWithBodyWithResponse(ctx, id, nil, "application/json", strings.NewReader(raw)); !api.IsValidationError(err) || !strings.Contains(err.Error(), "threadId") {
		t.Errorf("empty thread: %v, want a validation error naming threadId", err)
	}
}

// TestStrictConnectionsAndModels: create takes only the fake's connections
// (never a provider id) and that connection's provider's models; update
// and a run's llmModel are checked the same way. Each 400 names its field.
func TestStrictConnectionsAndModels(t *testing.T) {
	s := makeagentstest.NewServer(t)
	c := fastClient(t, s)
	ctx := context.Background()
	conns := s.Connections()
	for _, p := range s.Providers() {
		for _, cn := range conns {
			if cn.ID == p.ID {
				t.Fatalf("connection id %d is also a provider id", cn.ID)
			}
		}
	}
	openai := conns[0]
	if openai.ProviderID != s.Providers()[0].ID || openai.AccountName != s.Providers()[0].AccountName || s.ConnectionID(openai.ProviderID) != openai.ID {
		t.Fatalf("connection %+v does not match provider %+v", openai, s.Providers()[0])
	}
	otherModel := s.Models(conns[1].ProviderID)[0].Model
	create := func(conn int64, model string) error {
		_, err := c.Generated().CreateAgentWithResponse(ctx, nil, api.CreateAgentRequest{Name: "n", MakeConnectionID: conn, DefaultModel: model, SystemPrompt: "p"})
		return err
	}
	for _, tc := range []struct {
		name  string
		conn  int64
		model string
		field string
	}{
		{"connection 0", 0, "gpt-4o", "makeConnectionId"},
		{"a provider id", openai.ProviderID, "gpt-4o", "makeConnectionId"},
		{"another provider's model", openai.ID, otherModel, "defaultModel"},
		{"no such model", openai.ID, "no-such-model", "defaultModel"},
	} {
		err := create(tc.conn, tc.model)
		var apiErr *api.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("create with %s: %v, want a 400 naming %s", tc.name, err, tc.field)
		}
	}
	if n := len(s.Agents(team)); n != 0 {
		t.Fatalf("%d agents stored by refused creates", n)
	}
	res, err := c.Generated().CreateAgentWithResponse(ctx, nil, api.CreateAgentRequest{Name: "n", MakeConnectionID: openai.ID, DefaultModel: "gpt-4o", SystemPrompt: "p"})
	if err != nil {
		t.Fatal(err)
	}
	id := res.JSON201.ID
	if _, err := c.Generated().UpdateAgentWithResponse(ctx, id, nil, api.UpdateAgentRequest{DefaultModel: &otherModel}); err == nil || !strings.Contains(err.Error(), "defaultModel") {
		t.Errorf("update to another provider's model: %v, want a 400 naming defaultModel", err)
	}
	_, err = c.Generated().RunAgentWithResponse(ctx, id, nil, api.RunAgentRequest{
		Messages: []api.Message{{Role: api.MessageRoleUser, Content: "x"}},
		Config:   api.RunConfig{LLMConfig: api.RunLLMConfig{LLMModel: otherModel}},
	})
	if err == nil || !strings.Contains(err.Error(), "llmModel") {
		t.Errorf("run with another provider's llmModel: %v, want a 400 naming llmModel", err)
	}
}

// TestClientRetriesFast: Server.Client retries with FastRetryPolicy, so two
// 503s and a success are one call with no error; the counts prove it.
func TestClientRetriesFast(t *testing.T) {
	s := makeagentstest.NewServer(t)
	c := fastClient(t, s)
	s.FailNext(2, http.StatusServiceUnavailable, 0)
	if _, err := c.Generated().ListAgentsWithResponse(context.Background(), nil); err != nil {
		t.Fatalf("list after two 503s: %v", err)
	}
	var statuses []int
	for _, r := range s.Requests() {
		statuses = append(statuses, r.Status)
	}
	if !slices.Equal(statuses, []int{503, 503, 200}) {
		t.Errorf("statuses %v, want [503 503 200]", statuses)
	}

	// A Retry-After above FastRetryPolicy's bound is not slept through.
	s.ResetRequests()
	s.FailNext(1, http.StatusTooManyRequests, 60e9)
	_, err := c.Generated().ListAgentsWithResponse(context.Background(), nil)
	if !api.IsRateLimited(err) || len(s.Requests()) != 1 {
		t.Errorf("429 with Retry-After 60: %v after %d request(s), want the error at once", err, len(s.Requests()))
	}

	// A caller's WithRetry wins over the fast policy.
	s.ResetRequests()
	none := fastClient(t, s, api.WithRetry(api.RetryPolicy{MaxRetries: 0}))
	s.FailNext(1, http.StatusServiceUnavailable, 0)
	if _, err := none.Generated().ListAgentsWithResponse(context.Background(), nil); err == nil || len(s.Requests()) != 1 {
		t.Errorf("WithRetry(no retries): %v after %d request(s), want the 503 after one", err, len(s.Requests()))
	}
}

// preferDo sends a raw request with a Prefer header, as any HTTP client
// would.
func preferDo(t *testing.T, s *makeagentstest.Server, method, path, prefer, body string) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Token "+s.Token())
	req.Header.Set("Content-Type", "application/json")
	if prefer != "" {
		req.Header.Set("Prefer", prefer)
	}
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// TestPreferFaults: the Prefer header applies one fault to its request from
// plain net/http; a bad one is a 400 that says what is wrong.
func TestPreferFaults(t *testing.T) {
	s := makeagentstest.NewServer(t)
	agent := s.AddAgent(team, api.Agent{Name: "a", SystemPrompt: "p", DefaultModel: "m"})
	list := "/ai-agents/v1/agents?teamId=1"
	stream := "/ai-agents/v1/agents/" + agent.ID + "/run/stream?teamId=1"
	run := `{"messages":[{"role":"user","content":"Hi"}],"config":{}}`

	resp, body, _ := preferDo(t, s, "GET", list, "code=503", "")
	if resp.StatusCode != 503 || errorBody(t, body).Code != "SC503" || resp.Header.Get(makeagentstest.HeaderName) != makeagentstest.HeaderValue {
		t.Errorf("code=503: %d %s %v", resp.StatusCode, body, resp.Header)
	}
	resp, _, _ = preferDo(t, s, "GET", list, "code=429, retry-after=2", "")
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
		t.Errorf("code=429, retry-after=2: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if resp, _, _ = preferDo(t, s, "GET", list, "", ""); resp.StatusCode != 200 {
		t.Errorf("without Prefer: %d, want 200 (the fault was for one request)", resp.StatusCode)
	}

	_, body, err := preferDo(t, s, "POST", stream, "stream=cut-after-2", run)
	if err != nil || strings.Count(string(body), "\n\n") != 2 || strings.HasSuffix(string(body), "\n") {
		t.Errorf("stream=cut-after-2: %v, body %q: want two events then half of one", err, body)
	}
	_, body, err = preferDo(t, s, "POST", stream, "stream=drop-after-1", run)
	if !errors.Is(err, io.ErrUnexpectedEOF) || strings.Count(string(body), "\n\n") != 1 {
		t.Errorf("stream=drop-after-1: %v after %q", err, body)
	}
	_, body, err = preferDo(t, s, "POST", stream, "stream=end-after-1", run)
	if err != nil || strings.Count(string(body), "event:step") != 1 {
		t.Errorf("stream=end-after-1: %v, body %q", err, body)
	}
	_, body, _ = preferDo(t, s, "POST", stream, "stream=malformed-after-0", run)
	if !strings.Contains(string(body), "cut short") {
		t.Errorf("stream=malformed-after-0: %q", body)
	}
	_, body, _ = preferDo(t, s, "POST", stream, "stream=oversize-after-0, size=70000", run)
	if first, _, _ := strings.Cut(string(body), "\n\n"); len(first) < 70000 {
		t.Errorf("stream=oversize-after-0: first event %d bytes", len(first))
	}

	for _, bad := range []string{"code=200", "code=abc", "stream=cut", "stream=explode-after-1", "cdoe=503", "retry-after=2", "code=503, stream=cut-after-1", "size=5, stream=cut-after-1"} {
		resp, body, _ := preferDo(t, s, "POST", stream, bad, run)
		if resp.StatusCode != 400 || !strings.Contains(string(body), "Prefer") {
			t.Errorf("Prefer: %s: %d %s, want a 400 about Prefer", bad, resp.StatusCode, body)
		}
	}
	if resp, body, _ := preferDo(t, s, "GET", list, "stream=cut-after-1", ""); resp.StatusCode != 400 || !bytes.Contains(body, []byte("run/stream")) {
		t.Errorf("stream fault on a list: %d %s", resp.StatusCode, body)
	}
}

// TestPreferStall: stream=stall-after-1 keeps the stream open until the
// client gives up.
func TestPreferStall(t *testing.T) {
	s := makeagentstest.NewServer(t)
	agent := s.AddAgent(team, api.Agent{Name: "a", SystemPrompt: "p", DefaultModel: "m"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", s.URL()+"/ai-agents/v1/agents/"+agent.ID+"/run/stream?teamId=1",
		strings.NewReader(`{"messages":[{"role":"user","content":"Hi"}],"config":{}}`))
	req.Header.Set("Authorization", "Token "+s.Token())
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Prefer", "stream=stall-after-1")
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, _, err := nextEvent(bufio.NewReader(resp.Body)); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := io.ReadAll(resp.Body); !errors.Is(err, context.Canceled) {
		t.Errorf("after cancel: %v", err)
	}
}

// TestQueuedFaultsBeforeSizeChecks: a pending FailNext answers before the
// body is read, so an oversized JSON body still gets the injected 503.
func TestQueuedFaultsBeforeSizeChecks(t *testing.T) {
	s := makeagentstest.NewServer(t)
	s.FailNext(1, http.StatusServiceUnavailable, 0)
	resp, _, _ := preferDo(t, s, "POST", "/ai-agents/v1/agents?teamId=1", "", `{"name":"`+strings.Repeat("x", 9<<20)+`"}`)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("status %d, want the queued 503 before the 413", resp.StatusCode)
	}
}

// patternReader yields n bytes of text without holding them.
type patternReader struct{ left int64 }

func (p *patternReader) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(b)), p.left)
	for i := range n {
		b[i] = "invoices are due monthly\n"[i%25]
	}
	p.left -= n
	return int(n), nil
}

// TestUploadOfAnySize: a 100 MiB upload through the SDK is accepted and
// counted, with the live heap (client and fake in this process) far below
// the file's size.
func TestUploadOfAnySize(t *testing.T) {
	s := makeagentstest.NewServer(t)
	c := fastClient(t, s)
	agent := s.AddAgent(team, api.Agent{Name: "a", SystemPrompt: "p", DefaultModel: "m"})
	const size = 100 << 20
	stop := memtest.HeapPeak()
	err := c.UploadContext(context.Background(), agent.ID, "big.txt", &patternReader{left: size})
	peak := stop()
	if err != nil {
		t.Fatal(err)
	}
	ctxs := s.Agents(team)[0].Contexts
	if len(ctxs) != 1 || ctxs[0].Metadata["size"] != float64(size) {
		t.Fatalf("contexts %+v, want one of %d bytes", ctxs, size)
	}
	t.Logf("heap peak for a %d MiB upload: %.1f MiB", size>>20, float64(peak)/(1<<20))
	if peak > 32<<20 {
		t.Errorf("heap peak %d MiB for a 100 MiB upload, want under 32", peak>>20)
	}
}

// TestWithMaxUploadBytes keeps a 413 for tests that want one.
func TestWithMaxUploadBytes(t *testing.T) {
	s := makeagentstest.NewServer(t, makeagentstest.WithMaxUploadBytes(1<<20))
	c := fastClient(t, s)
	agent := s.AddAgent(team, api.Agent{Name: "a", SystemPrompt: "p", DefaultModel: "m"})
	err := c.UploadContext(context.Background(), agent.ID, "big.txt", &patternReader{left: 2 << 20})
	var apiErr *api.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("2 MiB upload with a 1 MiB bound: %v, want 413", err)
	}
	if n := len(s.Agents(team)[0].Contexts); n != 0 {
		t.Errorf("%d contexts stored by a refused upload", n)
	}
	if err := c.UploadContext(context.Background(), agent.ID, "small.txt", &patternReader{left: 1000}); err != nil {
		t.Errorf("small upload: %v", err)
	}
}

// TestSeedAndAccessLog: WithSeed changes the ids and keeps them
// reproducible; the access log has one line per request and never the
// token.
func TestSeedAndAccessLog(t *testing.T) {
	ids := func(opts ...makeagentstest.Option) string {
		s := makeagentstest.NewServer(t, opts...)
		return createAgent(t, newClient(t, s), "x", "p")
	}
	if a, b := ids(makeagentstest.WithSeed(7)), ids(makeagentstest.WithSeed(7)); a != b {
		t.Errorf("same seed, ids %s and %s", a, b)
	}
	if a, b := ids(makeagentstest.WithSeed(7)), ids(makeagentstest.WithSeed(8)); a == b {
		t.Errorf("seeds 7 and 8 both gave %s", a)
	}

	var log bytes.Buffer
	const secret = "s3cret-token-value"
	s := makeagentstest.NewServer(t, makeagentstest.WithToken(secret), makeagentstest.WithAccessLog(&log))
	c := fastClient(t, s)
	_, _ = c.Generated().ListAgentsWithResponse(context.Background(), nil)
	_, _, _ = preferDo(t, s, "GET", "/ai-agents/v1/agents?teamId=1&token="+secret, "", "")
	s.Close()
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "GET /api/v2/ai-agents/v1/agents 200 ") {
		t.Errorf("access log %q", log.String())
	}
	if strings.Contains(log.String(), secret) {
		t.Errorf("the token is in the access log: %q", log.String())
	}
}

// Prefer: scopes= narrows the token's scopes for one request: an operation
// needing another scope is Make's 403, current-authorization lists them,
// and a word that is no scope is a 400.
func TestPreferScopes(t *testing.T) {
	s := makeagentstest.NewServer(t)
	create := `{"name":"n","teamId":1,"makeConnectionId":1001,"defaultModel":"gpt-4.1-mini","systemPrompt":"p"}`
	resp, body, _ := preferDo(t, s, "POST", "/ai-agents/v1/agents?teamId=1", `scopes="ai-agents:read"`, create)
	if resp.StatusCode != http.StatusForbidden || errorBody(t, body).Code != "SC403" {
		t.Errorf("create with only ai-agents:read: %d %s, want Make's 403", resp.StatusCode, body)
	}
	resp, body, _ = preferDo(t, s, "GET", "/users/me/current-authorization", `scopes="ai-agents:read connections:read"`, "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"scope":["ai-agents:read","connections:read"]`) {
		t.Errorf("current-authorization: %d %s", resp.StatusCode, body)
	}
	resp, body, _ = preferDo(t, s, "GET", "/ai-agents/v1/agents?teamId=1", `scopes="everything"`, "")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "everything") {
		t.Errorf("a bad scope: %d %s, want a 400 naming it", resp.StatusCode, body)
	}
	if resp, _, _ = preferDo(t, s, "POST", "/ai-agents/v1/agents?teamId=1", "", create); resp.StatusCode != http.StatusCreated {
		t.Errorf("without Prefer: %d, want 201 (the scopes were for one request)", resp.StatusCode)
	}
}
