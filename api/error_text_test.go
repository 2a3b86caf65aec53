package api

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Error texts say what the retry policy did (attempts made and why it
// stopped) and never repeat a phrase, over a table of server answers.
func TestErrorTextsSayWhatTheRetryPolicyDid(t *testing.T) {
	type call func(context.Context, *Client) error
	get := func(ctx context.Context, c *Client) error { _, err := c.GetAgent(ctx, testAgent); return err }
	run := func(ctx context.Context, c *Client) error {
		_, err := c.RunAgent(ctx, testAgent, runBody())
		return err
	}
	upload := func(ctx context.Context, c *Client) error {
		return c.UploadContext(ctx, testAgent, "a.txt", strings.NewReader("x"))
	}
	cases := []struct {
		name     string
		status   int
		body     string
		header   http.Header
		call     call
		retries  int
		attempts int      // requests the server must see
		want     []string // in the text
		once     []string // in the text exactly once (case-insensitive)
	}{
		{name: "exhausted 429", status: 429, body: `{"message":"Too Many Requests","detail":"Too Many Requests","code":"SC429"}`,
			call: get, retries: 2, attempts: 3,
			want: []string{"gave up after 3 attempts", "MaxRetries is 2", "(SC429)"}, once: []string{"too many requests", "GET /api/v2"}},
		{name: "exhausted 429 on a run", status: 429, body: `{"message":"Too Many Requests","code":"SC429"}`,
			call: run, retries: 1, attempts: 2,
			want: []string{"gave up after 2 attempts"}, once: []string{"too many requests"}},
		{name: "503 on a run", status: 503, body: `{"message":"Service Unavailable","detail":"Try later.","code":"SC503"}`,
			call: run, retries: 3, attempts: 1,
			want: []string{"503 Service Unavailable: Try later.", "not retried: the request may have reached Make"}, once: []string{"service unavailable"}},
		{name: "503 on a get, exhausted", status: 503, body: `<html>503</html>`,
			call: get, retries: 1, attempts: 2,
			want: []string{"503 Service Unavailable", "gave up after 2 attempts"}},
		{name: "429 on an upload", status: 429, body: `{"message":"Too Many Requests","code":"SC429"}`,
			call: upload, retries: 3, attempts: 1,
			want: []string{"not retried: the request's body was streamed"}, once: []string{"too many requests"}},
		{name: "429 asking a long wait", status: 429, body: `{"message":"Too Many Requests","code":"SC429"}`, header: http.Header{"Retry-After": {"7200"}},
			call: get, retries: 3, attempts: 1,
			want: []string{"not retried: Make asked to wait 2h0m0s, longer than RetryPolicy.MaxRetryAfter"}},
		{name: "404 detail repeats the message", status: 404, body: `{"message":"Not found","detail":"Agent not found.","code":"SC404"}`,
			call: get, retries: 3, attempts: 1,
			want: []string{"404 Not Found: Agent not found. (SC404)"}, once: []string{"agent not found"}},
		{name: "404 message is the status", status: 404, body: `{"message":"Not found","code":"SC404"}`,
			call: get, retries: 3, attempts: 1,
			want: []string{"404 Not Found (SC404)"}, once: []string{"not found"}},
		{name: "400 sub-errors repeat the detail", status: 400,
			body: `{"message":"Invalid input","detail":["name is required","Invalid input"],"code":"IM005","suberrors":[{"message":"name is required"},{"message":"model is unknown"}]}`,
			call: get, retries: 3, attempts: 1,
			want: []string{"400 Bad Request: Invalid input", "name is required", "model is unknown"},
			once: []string{"invalid input", "name is required"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				for k, vs := range tc.header {
					w.Header()[k] = vs
				}
				if strings.HasPrefix(tc.body, "<") {
					w.Header().Set("Content-Type", "text/html")
					w.WriteHeader(tc.status)
					_, _ = w.Write([]byte(tc.body))
					return
				}
				writeJSON(w, tc.status, tc.body)
			})
			c, _, _ := newTestClient(t, srv.Server, WithRetry(RetryPolicy{MaxRetries: tc.retries, MaxRetryAfter: time.Minute, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
			err := tc.call(context.Background(), c)
			scanErr(err)
			if err == nil {
				t.Fatal("no error")
			}
			text := err.Error()
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("text %q\nwant it to say %q", text, w)
				}
			}
			for _, w := range tc.once {
				if n := strings.Count(strings.ToLower(text), strings.ToLower(w)); n != 1 {
					t.Errorf("text %q says %q %d times, want once", text, w, n)
				}
			}
			if n := srv.count(); n != tc.attempts {
				t.Errorf("%d requests, want %d", n, tc.attempts)
			}
			var apiErr *APIError
			if errors.As(err, &apiErr) && apiErr.Attempts != tc.attempts {
				t.Errorf("APIError.Attempts = %d, want %d", apiErr.Attempts, tc.attempts)
			}
		})
	}
}

// A context that ends while the call waits to retry: the text says so,
// with the attempts made and the last answer, and names the request once.
func TestErrorTextWhenTheContextEndsDuringARetryWait(t *testing.T) {
	srv := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 503, `{"message":"Service Unavailable","detail":"Down for maintenance.","code":"SC503"}`)
	})
	ctx, cancel := context.WithCancel(context.Background())
	c, _, _ := newTestClient(t, srv.Server, withSleep(func(context.Context, time.Duration) error {
		cancel()
		return context.Canceled
	}))
	_, err := c.GetAgent(ctx, testAgent)
	scanErr(err)
	var apiErr *APIError
	if !errors.Is(err, context.Canceled) || !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
		t.Fatalf("err = %v, want it to wrap context.Canceled and the 503", err)
	}
	text := err.Error()
	for _, w := range []string{"context canceled while waiting to retry, after 1 attempt", "503 Service Unavailable: Down for maintenance."} {
		if !strings.Contains(text, w) {
			t.Errorf("text %q\nwant %q", text, w)
		}
	}
	if n := strings.Count(text, "/api/v2/ai-agents"); n != 1 {
		t.Errorf("text %q names the request %d times", text, n)
	}
}

// A context that ends during a retry (not during the wait) says the
// context ended the call, not that the policy gave up.
func TestErrorTextWhenTheContextEndsDuringARetry(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	attempts := 0
	c, _, _ := newTestClient(t, httptestServerNeverUsed(t), WithHTTPClient(&http.Client{Transport: rtFunc(func(r *http.Request) (*http.Response, error) {
		attempts++
		if attempts == 2 {
			cancel()
			return nil, r.Context().Err()
		}
		return nil, errors.New("connection reset by peer")
	})}))
	_, err := c.GetAgent(ctx, testAgent)
	scanErr(err)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "the context ended during attempt 2") || strings.Contains(err.Error(), "giving up") {
		t.Errorf("err = %v, want it to say the context ended during attempt 2", err)
	}
}

func httptestServerNeverUsed(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	return srv
}
