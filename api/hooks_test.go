package api

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// stepClock is a fake clock whose sleep moves it on by what was asked.
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stepClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *stepClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return nil
}

func (c *stepClock) options() []Option {
	return []Option{withNow(c.Now), withSleep(c.Sleep)}
}

// events collects CallEvents.
type events struct {
	mu  sync.Mutex
	all []CallEvent
	ctx []context.Context
}

func (e *events) option() Option {
	return WithCallEvents(func(ctx context.Context, ev *CallEvent) {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.all = append(e.all, *ev)
		e.ctx = append(e.ctx, ctx)
	})
}

func (e *events) got() []CallEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]CallEvent(nil), e.all...)
}

const runAnswer = `{"response":"hi","threadId":"7d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d","executionSteps":[],` +
	`"tokenUsageSummary":{"promptTokens":10,"completionTokens":20,"totalTokens":30}}`

type ctxKey struct{}

// One event per call when it ends: the operation, its agent and team, the
// retry made after a 429 (its reason and wait), the final status, the
// duration, and the run's token usage and thread, from the result the
// front door decoded.
func TestCallEventOfARunWithARetry(t *testing.T) {
	srv := newServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "2")
			writeJSON(w, 429, makeErrorBody(429, "Requests limit for organization exceeded", ""))
			return
		}
		writeJSON(w, 200, runAnswer)
	})
	clock := &stepClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	ev := &events{}
	c, _, _ := newTestClient(t, srv.Server, append(clock.options(), ev.option())...)
	ctx := context.WithValue(context.Background(), ctxKey{}, "caller")
	res, err := c.RunAgent(ctx, testAgent, runBody())
	if err != nil {
		t.Fatal(err)
	}
	got := ev.got()
	if len(got) != 1 {
		t.Fatalf("%d events, want 1: %+v", len(got), got)
	}
	e := got[0]
	if e.Operation != "runAgent" || e.Method != "POST" || e.Route != "/ai-agents/v1/agents/{agentId}/run" ||
		e.AgentID != testAgent || e.TeamID != testTeam || e.Attempts != 2 || e.Status != 200 || e.Err != nil {
		t.Errorf("event %+v", e)
	}
	if !strings.HasPrefix(e.Server, "127.0.0.1:") {
		t.Errorf("Server = %q, want the fake's host:port", e.Server)
	}
	if len(e.Retries) != 1 || e.Retries[0].Reason != RetryRateLimited || e.Retries[0].Status != 429 ||
		e.Retries[0].Attempt != 1 || e.Retries[0].Wait != 2*time.Second || !IsRateLimited(e.Retries[0].Err) {
		t.Errorf("retries %+v, want one after attempt 1: rate_limited, 429, waited 2s", e.Retries)
	}
	if e.Duration != 2*time.Second || e.RateLimitWait != 2*time.Second {
		t.Errorf("duration %v, rate limit wait %v; want 2s each (the clock moves only while waiting)", e.Duration, e.RateLimitWait)
	}
	if e.Usage == nil || e.Usage.PromptTokens != 10 || e.Usage.CompletionTokens != 20 || e.ThreadID != res.ThreadID {
		t.Errorf("usage %+v thread %q, want 10/20 and %q", e.Usage, e.ThreadID, res.ThreadID)
	}
	if ev.ctx[0].Value(ctxKey{}) != "caller" {
		t.Error("the event does not carry the caller's context")
	}
}

// A call refused by the pipeline's checks, a failed call and a call of
// the generated client each have their one event.
func TestCallEventOfFailuresAndTheGeneratedClient(t *testing.T) {
	srv := newServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			writeJSON(w, 500, makeErrorBody(500, "boom", ""))
		default:
			writeJSON(w, 200, `[]`)
		}
	})
	ev := &events{}
	c, _, _ := newTestClient(t, srv.Server, ev.option(), WithTeamID(testTeam))
	ctx := context.Background()
	if _, err := c.RunAgent(ctx, testAgent, RunAgentRequest{}); err == nil {
		t.Fatal("an empty run was accepted")
	}
	if _, err := c.RunAgent(ctx, testAgent, runBody()); err == nil {
		t.Fatal("a 500 was not an error")
	}
	if _, err := c.Generated().ListAgentsWithResponse(ctx, &ListAgentsParams{}); err != nil {
		t.Fatal(err)
	}
	got := ev.got()
	if len(got) != 3 {
		t.Fatalf("%d events, want 3", len(got))
	}
	var ve *ValidationError
	if got[0].Attempts != 0 || !errors.As(got[0].Err, &ve) {
		t.Errorf("refused run: %+v", got[0])
	}
	if got[1].Attempts != 1 || got[1].Status != 500 || len(got[1].Retries) != 0 || got[1].Err == nil || got[1].Usage != nil {
		t.Errorf("failed run (a POST is never retried after a 500): %+v", got[1])
	}
	if got[2].Operation != "listAgents" || got[2].Status != 200 || got[2].Err != nil || got[2].TeamID != testTeam {
		t.Errorf("generated client's call: %+v", got[2])
	}
}

// A stream's call ends when its body is closed: one event, with the read
// error if the stream broke.
func TestCallEventOfAStreamEndsAtClose(t *testing.T) {
	srv := newServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Content-Length", "100") // promises more than it sends
		w.WriteHeader(200)
		_, _ = io.WriteString(w, "data: first\n\n")
	})
	ev := &events{}
	c, _, _ := newTestClient(t, srv.Server, ev.option())
	resp, err := c.StartRunStream(context.Background(), testAgent, runBody())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(ev.got()); n != 0 {
		t.Fatalf("%d events before the stream ended", n)
	}
	_, rerr := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	_ = resp.Body.Close()
	got := ev.got()
	if len(got) != 1 || got[0].Operation != "runAgentStream" || got[0].Status != 200 || got[0].Attempts != 1 {
		t.Fatalf("events %+v, want one for the stream", got)
	}
	if rerr == nil || !errors.Is(got[0].Err, rerr) {
		t.Errorf("event error %v, want the read error %v", got[0].Err, rerr)
	}
}

// A middleware wraps each attempt: it sees the request as sent and each
// attempt's response (the token redacted), and a header it adds reaches
// the server.
func TestMiddlewareWrapsEachAttempt(t *testing.T) {
	srv := newServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Echo", r.Header.Get("Authorization"))
		if n == 1 {
			writeJSON(w, 503, makeErrorBody(503, "busy", ""))
			return
		}
		if r.Header.Get("Traceparent") == "" {
			writeJSON(w, 400, makeErrorBody(400, "no trace", ""))
			return
		}
		writeJSON(w, 200, `[]`)
	})
	var (
		mu       sync.Mutex
		statuses []int
		echoes   []string
		outer    int
	)
	c, _, _ := newTestClient(t, srv.Server,
		WithMiddleware(func(req *http.Request, next MiddlewareNext) (*http.Response, error) {
			mu.Lock()
			outer++
			mu.Unlock()
			return next(req)
		}, func(req *http.Request, next MiddlewareNext) (*http.Response, error) {
			if req.Header.Get("Authorization") == "" || req.URL.Query().Get("teamId") == "" {
				t.Error("the middleware does not see the request as sent")
			}
			req.Header.Set("Traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
			resp, err := next(req)
			if err == nil {
				mu.Lock()
				statuses = append(statuses, resp.StatusCode)
				echoes = append(echoes, resp.Header.Get("X-Echo"))
				mu.Unlock()
			}
			return resp, err
		}))
	if _, err := c.ListAgents(context.Background()); err != nil {
		t.Fatal(err)
	}
	if outer != 2 || len(statuses) != 2 || statuses[0] != 503 || statuses[1] != 200 {
		t.Errorf("outer saw %d attempts, inner saw statuses %v; want 2 and [503 200]", outer, statuses)
	}
	for _, e := range echoes {
		if strings.Contains(e, testToken) {
			t.Error("a middleware sees the token echoed in a response header")
		}
	}
}

// A middleware's error ends the attempt like a connection error: a run
// that may have reached Make is not sent again; a GET is retried.
func TestMiddlewareErrorIsRetriedOnlyWhereSafe(t *testing.T) {
	srv := newServer(t, func(n int, w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `[]`) })
	boom := errors.New("middleware refused")
	var calls int
	c, _, _ := newTestClient(t, srv.Server, WithMiddleware(func(req *http.Request, next MiddlewareNext) (*http.Response, error) {
		calls++
		if calls == 1 || req.Method == http.MethodPost {
			return nil, boom
		}
		return next(req)
	}))
	if _, err := c.ListAgents(context.Background()); err != nil || calls != 2 {
		t.Errorf("GET after a middleware error: err %v after %d attempts, want a retry that succeeds", err, calls)
	}
	calls = 1
	if _, err := c.RunAgent(context.Background(), testAgent, runBody()); !errors.Is(err, boom) || calls != 2 {
		t.Errorf("run: err %v after %d attempts; want the middleware's error after one", err, calls-1)
	}
	// next at most once per attempt.
	c3, _, _ := newTestClient(t, srv.Server, WithMiddleware(func(req *http.Request, next MiddlewareNext) (*http.Response, error) {
		if resp, err := next(req); err == nil {
			_ = resp.Body.Close()
		}
		return next(req)
	}))
	if _, err := c3.GetAgent(context.Background(), testAgent); err == nil || !strings.Contains(err.Error(), "called next twice") {
		t.Errorf("next called twice: %v", err)
	}
	// A middleware that answers without an error must answer something.
	c2, _, _ := newTestClient(t, srv.Server, WithMiddleware(func(*http.Request, MiddlewareNext) (*http.Response, error) { return nil, nil }))
	if _, err := c2.GetAgent(context.Background(), testAgent); err == nil || !strings.Contains(err.Error(), "neither a response nor an error") {
		t.Errorf("nil, nil from a middleware: %v", err)
	}
}

// Unlike a request editor, a middleware does not make the pipeline read a
// typed body back from its bytes: counted in allocations per run.
func TestMiddlewareDoesNotReparseTheBody(t *testing.T) {
	doer := rtDoer(func(r *http.Request) (*http.Response, error) {
		_, _ = io.Copy(io.Discard, r.Body)
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(runAnswer)), Request: r}, nil
	})
	allocs := func(opts ...Option) float64 {
		c, err := New(append([]Option{WithoutEnvironment(), WithToken(testToken), WithTeamID(1), WithHTTPClient(doer)}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		// The fewest of three counts: under -race, sync.Pool drops items at
		// random, adding an allocation now and then to any of them.
		fewest := math.Inf(1)
		for range 3 {
			fewest = min(fewest, testing.AllocsPerRun(50, func() {
				if _, err := c.RunAgent(context.Background(), testAgent, runBody()); err != nil {
					t.Fatal(err)
				}
			}))
		}
		return fewest
	}
	none := allocs()
	mw := allocs(WithMiddleware(func(r *http.Request, next MiddlewareNext) (*http.Response, error) { return next(r) }))
	ed := allocs(WithRequestEditorFn(func(context.Context, *http.Request) error { return nil }))
	t.Logf("allocs per run: none %.0f, middleware %.0f, editor %.0f", none, mw, ed)
	if mw-none > 4 || ed-none <= mw-none {
		t.Errorf("allocs per run: none %.0f, middleware %.0f, editor %.0f; a middleware should add a few (its closures), an editor more (the body re-read)", none, mw, ed)
	}
}

// MAKE_RATE_LIMIT: read by New, checked, beaten by the options, ignored
// with WithoutEnvironment.
func TestRateLimitFromEnvironment(t *testing.T) {
	base := []Option{WithBaseURL("http://127.0.0.1:9/api/v2")}
	for _, bad := range []string{"abc", "-5", "60/min", "1.5", "1e3"} {
		_, err := New(append(base, withGetenv(map[string]string{EnvRateLimit: bad}))...)
		if err == nil || !strings.Contains(err.Error(), EnvRateLimit) || !strings.Contains(err.Error(), "requests per minute") {
			t.Errorf("MAKE_RATE_LIMIT=%q: %v", bad, err)
		}
	}
	limitOf := func(opts ...Option) rate.Limit {
		c, err := New(append(base, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		if c.pipe.pacer.limiter == nil {
			return 0
		}
		return c.pipe.pacer.limiter.Limit()
	}
	env := withGetenv(map[string]string{EnvRateLimit: " 120 "})
	if got := limitOf(env); got != 2 {
		t.Errorf("MAKE_RATE_LIMIT=120: %v a second, want 2", got)
	}
	if got := limitOf(env, WithRateLimit(60)); got != 1 {
		t.Errorf("WithRateLimit(60) over the environment: %v a second, want 1", got)
	}
	if got := limitOf(env, WithRateLimit(0)); got != 0 {
		t.Errorf("WithRateLimit(0) over the environment: %v, want no limit", got)
	}
	if got := limitOf(env, WithoutEnvironment()); got != 0 {
		t.Errorf("WithoutEnvironment: %v, want no limit", got)
	}
	if got := limitOf(withGetenv(map[string]string{EnvRateLimit: "0"})); got != 0 {
		t.Errorf("MAKE_RATE_LIMIT=0: %v, want no limit", got)
	}
	if _, err := New(WithRateLimit(-1)); err == nil {
		t.Error("WithRateLimit(-1) accepted")
	}
	if _, err := New(WithRateLimiter(nil)); err == nil {
		t.Error("WithRateLimiter(nil) accepted")
	}
	// A limiter that allows nothing is an error at the call, with nothing sent.
	c, err := New(WithoutEnvironment(), WithBaseURL("http://127.0.0.1:9/api/v2"), WithToken(testToken), WithTeamID(1),
		WithRateLimiter(rate.NewLimiter(1, 0)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListAgents(context.Background()); err == nil || !strings.Contains(err.Error(), "allows no request") {
		t.Errorf("a limiter of burst 0: %v", err)
	}
}

// One limiter shared by two clients; every attempt takes a token (a
// retry too, a stream once); the wait honours the call's context and
// sends nothing when it ends it.
func TestRateLimiterSharedAndCounted(t *testing.T) {
	srv := newServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/run/stream"):
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = io.WriteString(w, "data: x\n\n")
		case n == 3:
			writeJSON(w, 503, makeErrorBody(503, "busy", ""))
		default:
			writeJSON(w, 200, `[]`)
		}
	})
	clock := &stepClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	limit := rate.NewLimiter(rate.Every(time.Minute), 1)
	a, _, _ := newTestClient(t, srv.Server, append(clock.options(), WithRateLimiter(limit))...)
	b, _, _ := newTestClient(t, srv.Server, append(clock.options(), WithRateLimiter(limit))...)
	ctx := context.Background()
	start := clock.Now()
	step := func(name string, want time.Duration, call func() error) {
		t.Helper()
		before := clock.Now()
		if err := call(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := clock.Now().Sub(before); got < want || got > want+10*time.Second {
			t.Errorf("%s took %v of the clock, want %v", name, got, want)
		}
	}
	step("a's first call", 0, func() error { _, err := a.ListAgents(ctx); return err })
	step("b's first call", time.Minute, func() error { _, err := b.ListAgents(ctx); return err })
	// Attempt 1 gets 503, backs off (0.5 s), then waits for its token.
	step("a call retried once", 2*time.Minute, func() error { _, err := a.ListAgents(ctx); return err })
	step("a stream", time.Minute, func() error {
		resp, err := a.StartRunStream(ctx, testAgent, runBody())
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			err = resp.Body.Close()
		}
		return err
	})
	if n := srv.count(); n != 5 {
		t.Errorf("%d requests, want 5", n)
	}
	if took := clock.Now().Sub(start); took < 4*time.Minute {
		t.Errorf("5 requests at one a minute took %v", took)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err := a.ListAgents(cctx)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "rate limit wait aborted") || srv.count() != 5 {
		t.Errorf("a cancelled wait: %v, %d requests", err, srv.count())
	}
}

// 429 pauses the other calls of the client too, even one that is not
// retried itself; what is retried does not change (a run's 500 is not).
func TestPauseAfter429HoldsOtherCalls(t *testing.T) {
	srv := newServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "30")
			writeJSON(w, 429, makeErrorBody(429, "limit", ""))
			return
		}
		writeJSON(w, 200, `[]`)
	})
	clock := &stepClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	c, _, _ := newTestClient(t, srv.Server, append(clock.options(), WithRetry(RetryPolicy{}))...)
	ctx := context.Background()
	if _, err := c.ListAgents(ctx); !IsRateLimited(err) {
		t.Fatalf("first call: %v, want the 429 (retries are off)", err)
	}
	before := clock.Now()
	if _, err := c.ListAgents(ctx); err != nil {
		t.Fatal(err)
	}
	if waited := clock.Now().Sub(before); waited != 30*time.Second {
		t.Errorf("the next call waited %v, want the 429's 30s", waited)
	}
	before = clock.Now()
	if _, err := c.ListAgents(ctx); err != nil {
		t.Fatal(err)
	}
	if waited := clock.Now().Sub(before); waited != 0 {
		t.Errorf("a call after the pause waited %v", waited)
	}
}

// A Retry-After beyond MaxRetryAfter: the call that got it returns the 429
// at once, and the other calls pause for MaxRetryAfter, not for an hour.
func TestPauseIsBoundedByMaxRetryAfter(t *testing.T) {
	srv := newServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "3600")
			writeJSON(w, 429, makeErrorBody(429, "limit", ""))
			return
		}
		writeJSON(w, 200, `[]`)
	})
	clock := &stepClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	c, _, _ := newTestClient(t, srv.Server, append(clock.options(), WithRetry(DefaultRetryPolicy()))...)
	ctx := context.Background()
	var apiErr *APIError
	if _, err := c.ListAgents(ctx); !errors.As(err, &apiErr) || apiErr.RetryAfter != time.Hour || srv.count() != 1 {
		t.Fatalf("first call: %v after %d requests, want the 429 at once", err, srv.count())
	}
	before := clock.Now()
	if _, err := c.ListAgents(ctx); err != nil {
		t.Fatal(err)
	}
	if waited := clock.Now().Sub(before); waited != DefaultMaxRetryAfter {
		t.Errorf("the next call waited %v, want MaxRetryAfter (%v)", waited, DefaultMaxRetryAfter)
	}
}

// Calls whose contexts end while a 429's pause holds them give up their
// turn: a live call after a thousand cancelled ones resumes when the pause
// ends, not a thousand resume slots later.
func TestCancelledCallsDoNotDelayThePause(t *testing.T) {
	srv := newServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "30")
			writeJSON(w, 429, makeErrorBody(429, "limit", ""))
			return
		}
		writeJSON(w, 200, `[]`)
	})
	clock := &stepClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	c, _, _ := newTestClient(t, srv.Server, append(clock.options(), WithRetry(RetryPolicy{}))...)
	if _, err := c.ListAgents(context.Background()); !IsRateLimited(err) {
		t.Fatalf("first call: %v, want the 429 (retries are off)", err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for range 1000 {
		if _, err := c.ListAgents(cancelled); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled call: %v", err)
		}
	}
	before := clock.Now()
	if _, err := c.ListAgents(context.Background()); err != nil {
		t.Fatal(err)
	}
	if waited := clock.Now().Sub(before); waited != 30*time.Second {
		t.Errorf("the live call waited %v, want the 429's 30s", waited)
	}
	if n := srv.count(); n != 2 {
		t.Errorf("%d requests, want 2 (a cancelled call sends none)", n)
	}
}

// While the calls a pause held resume one slot apart, a call arriving then
// queues behind them: going first, it would spend the budget they waited
// for (a run held by three 429s in a row gave up). Once they are through,
// calls go at once again.
func TestCallsArrivingAsThePauseEndsQueueBehindTheHeldOnes(t *testing.T) {
	p := &pacer{spacing: resumeSpacing}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	until := t0.Add(30 * time.Second)
	p.pause(t0, 30*time.Second)
	for i := range 3 { // held, they wake when the pause ends
		if d, _ := p.held(t0); d != 30*time.Second {
			t.Fatalf("held call %d waits %v for the pause, want 30s", i, d)
		}
	}
	for i := range 3 {
		if d := p.resume(until, true); d != time.Duration(i)*resumeSpacing {
			t.Errorf("held call %d resumes after %v, want %v", i, d, time.Duration(i)*resumeSpacing)
		}
	}
	if d, _ := p.held(until); d != 0 {
		t.Fatalf("a call after the pause is held %v", d)
	}
	if d := p.resume(until, false); d != 3*resumeSpacing {
		t.Errorf("a call arriving as they resume goes after %v, want behind them (%v)", d, 3*resumeSpacing)
	}
	later := until.Add(time.Minute)
	for range 3 {
		if d := p.resume(later, false); d != 0 {
			t.Errorf("a call long after the pause waits %v", d)
		}
	}
}
