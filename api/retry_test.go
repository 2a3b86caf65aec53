package api

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// retryCase names one operation of the client, for tables over methods.
type retryCase struct {
	name   string
	method string
	do     func(ctx context.Context, c *Client) error
}

var calls = []retryCase{
	{"list", http.MethodGet, func(ctx context.Context, c *Client) error {
		_, err := c.Generated().ListAgentsWithResponse(ctx, &ListAgentsParams{})
		return err
	}},
	{"get", http.MethodGet, func(ctx context.Context, c *Client) error {
		_, err := c.Generated().GetAgentWithResponse(ctx, testAgent, &GetAgentParams{})
		return err
	}},
	{"delete", http.MethodDelete, func(ctx context.Context, c *Client) error {
		_, err := c.Generated().DeleteAgentWithResponse(ctx, testAgent, &DeleteAgentParams{})
		return err
	}},
	{"create", http.MethodPost, func(ctx context.Context, c *Client) error {
		name := "a"
		_, err := c.Generated().CreateAgentWithResponse(ctx, &CreateAgentParams{}, CreateAgentRequest{Name: name})
		return err
	}},
	{"update", http.MethodPatch, func(ctx context.Context, c *Client) error {
		name := "b"
		_, err := c.Generated().UpdateAgentWithResponse(ctx, testAgent, &UpdateAgentParams{}, UpdateAgentRequest{Name: &name})
		return err
	}},
	{"run", http.MethodPost, func(ctx context.Context, c *Client) error {
		_, err := c.Generated().RunAgentWithResponse(ctx, testAgent, &RunAgentParams{}, runBody())
		return err
	}},
	{"stream", http.MethodPost, func(ctx context.Context, c *Client) error {
		resp, err := c.Generated().RunAgentStream(ctx, testAgent, &RunAgentStreamParams{}, runBody())
		if err == nil {
			_ = resp.Body.Close()
		}
		return err
	}},
}

// TestStatusRetryMatrix: for each method and status, how many requests the
// server sees with the default policy (2 retries). A POST or PATCH is sent
// once on every 5xx and 408; 429 is retried for all.
func TestStatusRetryMatrix(t *testing.T) {
	statuses := []int{400, 401, 403, 404, 408, 409, 429, 500, 502, 503, 504}
	for _, cl := range calls {
		for _, status := range statuses {
			want := 1
			switch {
			case status == 429:
				want = 3
			case cl.method == http.MethodGet || cl.method == http.MethodDelete:
				if status == 408 || status >= 500 {
					want = 3
				}
			}
			t.Run(cl.name+"/"+http.StatusText(status), func(t *testing.T) {
				srv := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
					writeJSON(w, status, makeErrorBody(status, "nope", "really"))
				})
				c, _, _ := newTestClient(t, srv.Server)
				err := cl.do(context.Background(), c)
				scanErr(err)
				var apiErr *APIError
				if !errors.As(err, &apiErr) {
					t.Fatalf("err = %v, want *APIError", err)
				}
				if apiErr.StatusCode != status || apiErr.Method != cl.method {
					t.Errorf("APIError status %d method %s, want %d %s", apiErr.StatusCode, apiErr.Method, status, cl.method)
				}
				if got := srv.count(); got != want {
					t.Errorf("server saw %d requests, want %d", got, want)
				}
			})
		}
	}
}

// TestPostCreateSentOnceOn500 is the headline guarantee, on its own.
func TestPostCreateSentOnceOn500(t *testing.T) {
	srv := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 500, makeErrorBody(500, "Internal error", ""))
	})
	c, _, _ := newTestClient(t, srv.Server, WithRetry(RetryPolicy{MaxRetries: 10}))
	res, err := c.Generated().CreateAgentWithResponse(context.Background(), &CreateAgentParams{}, CreateAgentRequest{Name: "x"})
	scanErr(err)
	if res != nil || !hasStatus(err, 500) {
		t.Fatalf("got %v, %v; want nil and a 500 *APIError", res, err)
	}
	if got := srv.count(); got != 1 {
		t.Fatalf("server saw %d POSTs, want exactly 1", got)
	}
}

func TestGet500RetriedThenSucceeds(t *testing.T) {
	srv := newServer(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n < 3 {
			writeJSON(w, 500, makeErrorBody(500, "oops", ""))
			return
		}
		writeJSON(w, 200, `{"id":"`+testAgent+`","name":"n"}`)
	})
	c, _, sl := newTestClient(t, srv.Server)
	res, err := c.Generated().GetAgentWithResponse(context.Background(), testAgent, &GetAgentParams{})
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON200 == nil || res.HTTPResponse == nil || res.HTTPResponse.StatusCode != 200 {
		t.Fatalf("want a decoded 200 with HTTPResponse, got %+v", res)
	}
	if got := srv.count(); got != 3 {
		t.Errorf("server saw %d, want 3", got)
	}
	// Jitter pinned at 0.5 (factor 1.0): 0.5 s, then 1 s.
	if got := sl.got(); len(got) != 2 || got[0] != 500*time.Millisecond || got[1] != time.Second {
		t.Errorf("waits = %v, want [500ms 1s]", got)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	cases := []struct {
		name, header string
		want         time.Duration
	}{
		{"seconds", "7", 7 * time.Second},
		{"http-date", now.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second},
		{"absent uses backoff", "", 500 * time.Millisecond},
		{"garbage uses backoff", "soon", 500 * time.Millisecond},
		{"date in the past uses backoff", now.Add(-time.Minute).Format(http.TimeFormat), 500 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, func(n int, w http.ResponseWriter, _ *http.Request) {
				if n == 1 {
					if tc.header != "" {
						w.Header().Set("Retry-After", tc.header)
					}
					writeJSON(w, 429, makeErrorBody(429, "Requests limit for organization exceeded, please try again later.", ""))
					return
				}
				writeJSON(w, 200, `[]`)
			})
			c, _, sl := newTestClient(t, srv.Server, withNow(func() time.Time { return now }))
			if _, err := c.Generated().ListAgentsWithResponse(context.Background(), nil); err != nil {
				t.Fatal(err)
			}
			if got := sl.got(); len(got) != 1 || got[0] != tc.want {
				t.Errorf("waits = %v, want [%v]", got, tc.want)
			}
			if srv.count() != 2 {
				t.Errorf("server saw %d, want 2", srv.count())
			}
		})
	}
}

// A Retry-After beyond MaxRetryAfter is not waited for: the caller gets the
// 429 at once, with the delay Make asked for.
func TestRetryAfterBeyondCapReturnsAtOnce(t *testing.T) {
	srv := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "120")
		writeJSON(w, 429, makeErrorBody(429, "Too many", ""))
	})
	c, _, sl := newTestClient(t, srv.Server)
	_, err := c.Generated().RunAgentWithResponse(context.Background(), testAgent, nil, runBody())
	scanErr(err)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || !IsRateLimited(err) || apiErr.RetryAfter != 120*time.Second {
		t.Fatalf("err = %v, want a 429 *APIError with RetryAfter 2m", err)
	}
	if srv.count() != 1 || len(sl.got()) != 0 {
		t.Errorf("server saw %d, waits %v; want 1 and none", srv.count(), sl.got())
	}
}

func TestRetryDisabled(t *testing.T) {
	srv := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 503, makeErrorBody(503, "down", ""))
	})
	c, _, _ := newTestClient(t, srv.Server, WithRetry(RetryPolicy{}))
	_, err := c.Generated().ListAgentsWithResponse(context.Background(), nil)
	scanErr(err)
	if !hasStatus(err, 503) || srv.count() != 1 {
		t.Fatalf("err %v, %d requests; want 503 after exactly 1", err, srv.count())
	}
}

func TestBackoffSchedule(t *testing.T) {
	p := RetryPolicy{BaseDelay: 500 * time.Millisecond, MaxDelay: 3 * time.Second}
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second}
	for i, w := range want {
		if got := p.backoff(i+1, 0.5); got != w {
			t.Errorf("backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
	// ±20% jitter around the doubled delay, never above MaxDelay.
	if lo, hi := p.backoff(2, 0), p.backoff(2, 0.999999); lo != 800*time.Millisecond || hi < 1199*time.Millisecond || hi > 1200*time.Millisecond {
		t.Errorf("jitter range of retry 2 = [%v, %v], want [800ms, 1.2s]", lo, hi)
	}
	if got := p.backoff(30, 0.999999); got != 3*time.Second {
		t.Errorf("backoff(30) = %v, want the 3s cap", got)
	}
	if d := (RetryPolicy{}).withDefaults(); d.BaseDelay != DefaultBaseDelay || d.MaxDelay != DefaultMaxDelay || d.MaxRetryAfter != DefaultMaxRetryAfter {
		t.Errorf("withDefaults = %+v", d)
	}
	if p := DefaultRetryPolicy(); p.MaxRetries != 2 || p.BaseDelay != 500*time.Millisecond {
		t.Errorf("DefaultRetryPolicy() = %+v, want 2 retries from 500ms", p)
	}
}

// TestBackoffThroughClient proves the schedule is what the client waits.
func TestBackoffThroughClient(t *testing.T) {
	srv := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 502, makeErrorBody(502, "bad gateway", ""))
	})
	c, _, sl := newTestClient(t, srv.Server, WithRetry(RetryPolicy{MaxRetries: 4, MaxDelay: 3 * time.Second}))
	_, err := c.Generated().ListAgentsWithResponse(context.Background(), nil)
	scanErr(err)
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 3 * time.Second}
	got := sl.got()
	if len(got) != len(want) {
		t.Fatalf("waits = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("waits = %v, want %v", got, want)
		}
	}
	if srv.count() != 5 {
		t.Errorf("server saw %d, want 5", srv.count())
	}
}

// faultServer answers by breaking the connection after reading the whole
// request: "eof" closes it, "reset" aborts it with an RST.
func faultServer(t *testing.T, fault string) *server {
	return newServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		if tcp, ok := conn.(*net.TCPConn); ok && fault == "reset" {
			_ = tcp.SetLinger(0)
		}
		_ = conn.Close()
	})
}

// TestDroppedConnectionAfterWrite: the server read the request, then the
// connection died. GET and DELETE are retried; create, update, run and
// stream are sent exactly once.
func TestDroppedConnectionAfterWrite(t *testing.T) {
	for _, fault := range []string{"eof", "reset"} {
		for _, cl := range calls {
			want := 1
			if cl.method == http.MethodGet || cl.method == http.MethodDelete {
				want = 3
			}
			t.Run(fault+"/"+cl.name, func(t *testing.T) {
				srv := faultServer(t, fault)
				c, _, sl := newTestClient(t, srv.Server)
				err := cl.do(context.Background(), c)
				scanErr(err)
				if err == nil {
					t.Fatal("want an error")
				}
				var apiErr *APIError
				if errors.As(err, &apiErr) {
					t.Fatalf("err = %v, want a transport error", err)
				}
				if got := srv.count(); got != want {
					t.Errorf("server saw %d requests, want %d", got, want)
				}
				if len(sl.got()) != want-1 {
					t.Errorf("waits = %v, want %d", sl.got(), want-1)
				}
				if want > 1 && !strings.Contains(err.Error(), "giving up after 3 attempts") {
					t.Errorf("err = %q, want it to say how many attempts were made", err)
				}
				if want == 1 && !strings.Contains(err.Error(), "may have reached Make, so it was not retried") {
					t.Errorf("err = %q, want it to warn that the %s may have reached Make", err, cl.method)
				}
			})
		}
	}
}

// countingClient dials through a counter, so tests can see attempts that
// never reach a server.
func countingClient(t *testing.T, dials *atomic.Int64) *http.Client {
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// TestRefusedConnectionRetriedForEveryMethod: nothing listens, so nothing
// can have been sent: even a POST run is retried, then the dial error is
// returned.
func TestRefusedConnectionRetriedForEveryMethod(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	for _, cl := range calls {
		t.Run(cl.name, func(t *testing.T) {
			var dials atomic.Int64
			lg, sl := &logs{}, &sleeps{}
			c, err := New(WithoutEnvironment(), WithBaseURL("http://"+addr+"/api/v2"), WithToken(testToken), WithTeamID(testTeam),
				WithHTTPClient(countingClient(t, &dials)), withSleep(sl.sleep), withJitter(func() float64 { return 0.5 }),
				WithLogger(newJSONLogger(lg)))
			if err != nil {
				t.Fatal(err)
			}
			err = cl.do(context.Background(), c)
			scanErr(err)
			var op *net.OpError
			if !errors.As(err, &op) || op.Op != "dial" {
				t.Fatalf("err = %v, want a dial *net.OpError", err)
			}
			if !strings.Contains(err.Error(), "giving up after 3 attempts") {
				t.Errorf("err = %q, want the attempt count", err)
			}
			if dials.Load() != 3 || len(sl.got()) != 2 {
				t.Errorf("dials %d, waits %v; want 3 dials, 2 waits", dials.Load(), sl.got())
			}
			if n := len(lg.lines()); n != 3 {
				t.Errorf("%d log records, want one per attempt (3)", n)
			}
		})
	}
}

// A doer that hides net/http's trace (no GotConn) and fails with a non-dial
// error must not make a POST look unsent; a dial error proves it was.
func TestNeverSentNeedsDialError(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want int
	}{
		{"unexpected EOF", io.ErrUnexpectedEOF, 1},
		{"dial refused", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, 3},
		{"read reset", &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int64
			doer := &http.Client{Transport: rtFunc(func(r *http.Request) (*http.Response, error) {
				n.Add(1)
				return nil, tc.err
			})}
			sl := &sleeps{}
			c, err := New(WithoutEnvironment(), WithBaseURL("http://127.0.0.1:9/api/v2"), WithToken(testToken), WithTeamID(1),
				WithHTTPClient(doer), withSleep(sl.sleep))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Generated().RunAgentWithResponse(context.Background(), testAgent, nil, runBody())
			scanErr(err)
			if !errors.Is(err, tc.err) {
				t.Errorf("err = %v, want it to wrap %v", err, tc.err)
			}
			if int(n.Load()) != tc.want {
				t.Errorf("doer called %d times, want %d", n.Load(), tc.want)
			}
		})
	}
}

// TestCancelDuringBackoff: the wait before a retry is an hour; cancelling
// the context ends it at once with the context's error, and the last
// attempt's *APIError is still reachable.
func TestCancelDuringBackoff(t *testing.T) {
	waiting := make(chan struct{})
	srv := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 503, makeErrorBody(503, "down", ""))
	})
	sleep := func(ctx context.Context, d time.Duration) error {
		close(waiting) // a second retryCase would panic: only one wait is expected
		return sleepCtx(ctx, d)
	}
	c, _, _ := newTestClient(t, srv.Server, withSleep(sleep), WithRetry(RetryPolicy{MaxRetries: 2, BaseDelay: time.Hour, MaxDelay: time.Hour}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := c.Generated().ListAgentsWithResponse(ctx, nil)
		done <- err
	}()
	<-waiting
	cancel()
	select {
	case err := <-done:
		scanErr(err)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if !hasStatus(err, 503) {
			t.Errorf("err = %v, want the last 503 reachable with errors.As", err)
		}
	case <-time.After(30 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("retryCase did not return after cancel")
	}
	if srv.count() != 1 {
		t.Errorf("server saw %d, want 1", srv.count())
	}
}

// TestCancelledContextNotRetried: a retryCase whose context ends mid-request is
// not retried, even a GET.
func TestCancelledContextNotRetried(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 4)
	srv := newServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	c, _, _ := newTestClient(t, srv.Server)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }()
	_, err := c.Generated().ListAgentsWithResponse(ctx, nil)
	scanErr(err)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if srv.count() != 1 {
		t.Errorf("server saw %d, want 1", srv.count())
	}
}

// TestBodyReplayedIdentically: a create rejected twice with 429 is resent
// with the same bytes, for generated bodies (GetBody set) and for a
// caller's one-shot reader (buffered by the SDK).
func TestBodyReplayedIdentically(t *testing.T) {
	const raw = `{"name":"replay me","systemPrompt":"be brief","llmConfig":{"model":"m"}}`
	bodies := map[string]func(context.Context, *Client) error{
		"generated": func(ctx context.Context, c *Client) error {
			_, err := c.Generated().CreateAgentWithBodyWithResponse(ctx, nil, "application/json", strings.NewReader(raw))
			return err
		},
		"one-shot reader": func(ctx context.Context, c *Client) error {
			_, err := c.Generated().CreateAgentWithBodyWithResponse(ctx, nil, "application/json", bufio.NewReader(strings.NewReader(raw)))
			return err
		},
		"run": func(ctx context.Context, c *Client) error {
			_, err := c.Generated().RunAgentWithBodyWithResponse(ctx, testAgent, nil, "application/json", io.MultiReader(strings.NewReader(`{"messages":[{"role":"user",`), strings.NewReader(`"content":"hi"}]}`)))
			return err
		},
	}
	for name, do := range bodies {
		t.Run(name, func(t *testing.T) {
			srv := newServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
				if n < 3 {
					writeJSON(w, 429, makeErrorBody(429, "slow down", ""))
					return
				}
				if strings.HasSuffix(r.URL.Path, "/run") {
					writeJSON(w, 200, `{"response":"ok"}`)
					return
				}
				writeJSON(w, 201, `{"agentId":"`+testAgent+`"}`)
			})
			c, _, _ := newTestClient(t, srv.Server)
			if err := do(context.Background(), c); err != nil {
				t.Fatal(err)
			}
			hits := srv.seen()
			if len(hits) != 3 {
				t.Fatalf("server saw %d, want 3", len(hits))
			}
			for i, h := range hits {
				if len(h.Body) == 0 || string(h.Body) != string(hits[0].Body) {
					t.Errorf("attempt %d body %q, want %q", i+1, h.Body, hits[0].Body)
				}
			}
		})
	}
}

// TestPreviousResponseBodiesClosed: each retried response's body is read
// and closed before the next attempt, so connections are reused and
// nothing leaks.
func TestPreviousResponseBodiesClosed(t *testing.T) {
	var bodies []*trackedBody
	doer := &http.Client{Transport: rtFunc(func(r *http.Request) (*http.Response, error) {
		for i, b := range bodies {
			if !b.closed.Load() {
				t.Errorf("attempt %d started before body %d was closed", len(bodies)+1, i+1)
			}
		}
		status := 503
		if len(bodies) == 2 {
			status = 200
		}
		b := &trackedBody{Reader: strings.NewReader(`[]`)}
		bodies = append(bodies, b)
		return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: b, Request: r}, nil
	})}
	c, err := New(WithoutEnvironment(), WithBaseURL("http://127.0.0.1:9"), WithToken(testToken), WithTeamID(1), WithHTTPClient(doer), withSleep((&sleeps{}).sleep))
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Generated().ListAgentsWithResponse(context.Background(), nil)
	if err != nil || res.JSON200 == nil {
		t.Fatalf("res %v err %v", res, err)
	}
	if len(bodies) != 3 || !bodies[0].closed.Load() || !bodies[1].closed.Load() {
		t.Fatalf("%d attempts; want 3 with the first two bodies closed", len(bodies))
	}
}

// TestHeaderTimeoutRetriedOnlyForGet: a server that never answers trips the
// transport's ResponseHeaderTimeout; the GET is retried, the POST run is not.
func TestHeaderTimeoutRetriedOnlyForGet(t *testing.T) {
	release := make(chan struct{})
	srv := newServer(t, func(_ int, _ http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	tr := &http.Transport{ResponseHeaderTimeout: 20 * time.Millisecond}
	t.Cleanup(tr.CloseIdleConnections)
	for _, tc := range []struct {
		cl   retryCase
		want int
	}{{calls[0], 3}, {calls[5], 1}} {
		before := srv.count()
		c, _, _ := newTestClient(t, srv.Server, WithHTTPClient(&http.Client{Transport: tr}))
		err := tc.cl.do(context.Background(), c)
		scanErr(err)
		if err == nil || !strings.Contains(err.Error(), "timeout awaiting response headers") {
			t.Fatalf("%s: err = %v, want a header timeout", tc.cl.name, err)
		}
		if got := srv.count() - before; got != tc.want {
			t.Errorf("%s: server saw %d, want %d", tc.cl.name, got, tc.want)
		}
	}
}

func TestClassifiers(t *testing.T) {
	if !permanentError(&net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}) {
		t.Error("unknown host should be permanent")
	}
	if retryableTransportError(http.MethodPost, &net.OpError{Op: "dial", Err: errors.New("refused")}, true) {
		t.Error("a dial error after GotConn cannot prove the POST unsent")
	}
	if !retryableStatus(http.MethodPatch, 429) || retryableStatus(http.MethodPatch, 503) || !retryableStatus(http.MethodDelete, 504) {
		t.Error("status classification wrong")
	}
}

// TestBodyReplayedToPlainDoer: net/http rewinds bodies by itself, so this
// uses a bare HttpRequestDoer to prove the retry layer hands every attempt
// a fresh copy of the body (from GetBody).
func TestBodyReplayedToPlainDoer(t *testing.T) {
	var bodies []string
	doer := rtDoer(func(r *http.Request) (*http.Response, error) {
		b, err := io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err != nil {
			return nil, err
		}
		bodies = append(bodies, string(b))
		status := 429
		if len(bodies) == 3 {
			status = 200
		}
		return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(`{}`)), Request: r}, nil
	})
	c, err := New(WithoutEnvironment(), WithToken(testToken), WithTeamID(1), WithHTTPClient(doer), withSleep((&sleeps{}).sleep))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Generated().RunAgentWithResponse(context.Background(), testAgent, nil, runBody()); err != nil {
		t.Fatal(err)
	}
	want := `{"config":{},"messages":[{"content":"hello","role":"user"}]}`
	if len(bodies) != 3 || bodies[0] != want || bodies[1] != want || bodies[2] != want {
		t.Fatalf("bodies = %q, want 3 x %q", bodies, want)
	}
}

// TestOneShotPatchBodyReplayed: a PATCH body from a plain reader (no
// GetBody; the validation layer leaves PATCH bodies alone) is buffered by
// the retry layer and resent identically after a 429.
func TestOneShotPatchBodyReplayed(t *testing.T) {
	const raw = `{"name":"renamed"}`
	srv := newServer(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n < 3 {
			writeJSON(w, 429, makeErrorBody(429, "slow down", ""))
			return
		}
		w.WriteHeader(204)
	})
	c, _, _ := newTestClient(t, srv.Server)
	body := &trackedBody{Reader: bufio.NewReader(strings.NewReader(raw))}
	if _, err := c.Generated().UpdateAgentWithBodyWithResponse(context.Background(), testAgent, nil, "application/json", body); err != nil {
		t.Fatal(err)
	}
	hits := srv.seen()
	if len(hits) != 3 || string(hits[0].Body) != raw || string(hits[1].Body) != raw || string(hits[2].Body) != raw {
		t.Fatalf("hits = %+v", hits)
	}
	if !body.closed.Load() {
		t.Error("the caller's reader was not closed")
	}
}

// TestOversizedBodySentOnceUnbuffered: a body beyond maxBufferedBody is not
// held in memory; it streams through whole, and the request is not retried.
func TestOversizedBodySentOnceUnbuffered(t *testing.T) {
	const extra = 1000
	r := &http.Request{Method: http.MethodPatch, Body: io.NopCloser(io.LimitReader(zeros{}, maxBufferedBody+extra))}
	if makeReplayable(r) {
		t.Fatal("an oversized body was reported replayable")
	}
	if r.GetBody != nil {
		t.Error("GetBody set for a body that was not buffered")
	}
	n, err := io.Copy(io.Discard, r.Body)
	if err != nil || n != maxBufferedBody+extra {
		t.Fatalf("body yields %d bytes, %v; want all %d", n, err, maxBufferedBody+extra)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }
