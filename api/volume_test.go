package api_test

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
)

const (
	volumeWorkers = 20
	volumeRuns    = 10
)

// volumeRig is a fake limited to 60 requests a minute and a client, both on
// one simulated clock, with a response-path latency that differs from
// request to request so that the workers drift apart as real ones do.
type volumeRig struct {
	clock  *simClock
	fake   *makeagentstest.Server
	client *api.Client
	agent  string

	mu  sync.Mutex
	log []wireEntry // in the order the client saw them
}

// wireEntry is one request leaving the client, or one 429 reaching it.
type wireEntry struct {
	at         time.Time
	sent       bool          // a request sent
	limited    bool          // a 429 received
	retryAfter time.Duration // of the 429
}

func newVolumeRig(t *testing.T, opts ...api.Option) *volumeRig {
	t.Helper()
	r := &volumeRig{clock: newSimClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), 1)}
	r.fake = makeagentstest.NewServer(t, makeagentstest.WithRateLimit(60), makeagentstest.WithClock(r.clock.Now))
	transport := &http.Transport{MaxIdleConnsPerHost: volumeWorkers}
	t.Cleanup(transport.CloseIdleConnections)
	var n int
	doer := doerFunc(func(req *http.Request) (*http.Response, error) {
		r.mu.Lock()
		n++
		latency := time.Duration(1+n%7) * 13 * time.Millisecond
		r.log = append(r.log, wireEntry{at: r.clock.Now(), sent: true})
		r.mu.Unlock()
		resp, err := transport.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		if err := r.clock.Sleep(req.Context(), latency); err != nil {
			_ = resp.Body.Close()
			return nil, err
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			r.mu.Lock()
			r.log = append(r.log, wireEntry{at: r.clock.Now(), limited: true, retryAfter: time.Duration(secs) * time.Second})
			r.mu.Unlock()
		}
		return resp, nil
	})
	base := []api.Option{api.WithTeamID(1), api.WithHTTPClient(doer), api.WithRetry(api.DefaultRetryPolicy()),
		api.WithTestClock(r.clock.Now, r.clock.Sleep)}
	c, err := r.fake.Client(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	r.client = c
	created, err := c.CreateAgent(context.Background(), api.CreateAgentRequest{Name: "volume", SystemPrompt: "p",
		MakeConnectionID: r.fake.ConnectionID(1), DefaultModel: "gpt-4o"})
	if err != nil {
		t.Fatal(err)
	}
	r.agent = created.ID
	return r
}

// runAll runs volumeWorkers x volumeRuns runs through the one client and
// returns their errors.
func (r *volumeRig) runAll() []error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	r.clock.Add(volumeWorkers)
	for w := 0; w < volumeWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer r.clock.Done()
			for i := 0; i < volumeRuns; i++ {
				if _, err := r.client.RunAgent(context.Background(), r.agent, api.NewRunRequest("hello")); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
	r.clock.Done() // this goroutine only waits from here on
	wg.Wait()
	return errs
}

func (r *volumeRig) statuses() map[int]int {
	out := map[int]int{}
	for _, q := range r.fake.Requests() {
		out[q.Status]++
	}
	return out
}

// 20 goroutines x 10 runs through one client with WithRateLimit(60), against
// a fake that allows 60 a minute: the fake never has to answer 429.
func TestRateLimitKeepsConcurrentRunsUnderTheLimit(t *testing.T) {
	r := newVolumeRig(t, api.WithRateLimit(60))
	start := r.clock.Now()
	for _, err := range r.runAll() {
		t.Errorf("run failed: %v", err)
	}
	st := r.statuses()
	if st[http.StatusTooManyRequests] != 0 {
		t.Errorf("the fake answered 429 %d times (statuses %v)", st[http.StatusTooManyRequests], st)
	}
	if runs := st[http.StatusOK]; runs != volumeWorkers*volumeRuns {
		t.Errorf("%d runs answered 200, want %d (statuses %v)", runs, volumeWorkers*volumeRuns, st)
	}
	// 201 requests at one a second: the last goes 200 s after the first.
	if took := r.clock.Now().Sub(start); took < 200*time.Second {
		t.Errorf("201 requests took %v of the clock; at 60 a minute they need at least 200s", took)
	}
}

// Without a client-side limit, the first 429 (with Retry-After) pauses
// every call of the client: no request leaves it until the wait has
// passed, and every run still completes.
func TestFirst429PausesEveryCall(t *testing.T) {
	r := newVolumeRig(t)
	for _, err := range r.runAll() {
		t.Errorf("run failed: %v", err)
	}
	st := r.statuses()
	if st[http.StatusOK] != volumeWorkers*volumeRuns || st[http.StatusTooManyRequests] == 0 {
		t.Fatalf("statuses %v: want %d runs answered 200 and some 429s (the fake's limit is 60 a minute)", st, volumeWorkers*volumeRuns)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	pauses := 0
	for i, e := range r.log {
		if !e.limited {
			continue
		}
		pauses++
		until := e.at.Add(e.retryAfter)
		for _, later := range r.log[i+1:] {
			if later.sent && later.at.After(e.at) && later.at.Before(until) {
				t.Fatalf("a 429 reached the client at %v with Retry-After %v, yet a request was sent at %v, %v before the wait ended",
					e.at.Format(time.TimeOnly), e.retryAfter, later.at.Format("15:04:05.000"), until.Sub(later.at))
			}
		}
	}
	t.Logf("statuses %v, %d 429s received", st, pauses)
}
