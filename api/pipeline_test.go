package api

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/makeagents/makeagents-go/internal/redact"
)

// TestClassify is classify's table: every status class, content types, the
// documented success status, the DELETE-404 rule and the retry verdict.
func TestClassify(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	op := func(id OperationID) *operation { return lookupOperation(id) }
	const jsonCT, htmlCT = "application/json", "text/html"
	type want struct {
		result string // "response", "deleted", "api", "unexpected"
		retry  bool
		wait   time.Duration
	}
	cases := []struct {
		name    string
		op      *operation
		status  int
		ct      string
		header  http.Header
		reached bool
		want    want
	}{
		{"200 json list", op("listAgents"), 200, jsonCT, nil, false, want{result: "response"}},
		{"200 json with charset", op("getAgent"), 200, "application/json; charset=utf-8", nil, false, want{result: "response"}},
		{"200 html list", op("listAgents"), 200, htmlCT, nil, false, want{result: "unexpected"}},
		{"200 no content type", op("listAgents"), 200, "", nil, false, want{result: "unexpected"}},
		{"200 where 201 documented", op("createAgent"), 200, jsonCT, nil, false, want{result: "unexpected"}},
		{"201 create", op("createAgent"), 201, jsonCT, nil, false, want{result: "response"}},
		{"204 update (no body documented)", op("updateAgent"), 204, "", nil, false, want{result: "response"}},
		{"200 delete", op("deleteAgent"), 200, htmlCT, nil, false, want{result: "response"}},
		{"200 stream", op("runAgentStream"), 200, "text/event-stream", nil, false, want{result: "response"}},
		{"200 stream, wrong type (sse checks it)", op("runAgentStream"), 200, jsonCT, nil, false, want{result: "response"}},
		{"202 run", op("runAgent"), 202, jsonCT, nil, false, want{result: "unexpected"}},
		{"1xx", op("listAgents"), 103, "", nil, false, want{result: "api"}},
		{"301 get", op("getAgent"), 301, htmlCT, http.Header{"Location": {"https://evil.example/x?token=1"}}, false, want{result: "api"}},
		{"304", op("getAgent"), 304, "", nil, false, want{result: "api"}},
		{"400 create", op("createAgent"), 400, jsonCT, nil, false, want{result: "api"}},
		{"401", op("listAgents"), 401, jsonCT, nil, false, want{result: "api"}},
		{"404 get", op("getAgent"), 404, jsonCT, nil, true, want{result: "api"}},
		{"404 delete, first attempt", op("deleteAgent"), 404, jsonCT, nil, false, want{result: "api"}},
		{"404 delete after a reached attempt", op("deleteAgent"), 404, jsonCT, nil, true, want{result: "deleted"}},
		{"404 context delete after a reached attempt", op("deleteContext"), 404, jsonCT, nil, true, want{result: "deleted"}},
		{"408 get", op("getAgent"), 408, jsonCT, nil, false, want{result: "api", retry: true}},
		{"408 run", op("runAgent"), 408, jsonCT, nil, false, want{result: "api"}},
		{"429 run, Retry-After", op("runAgent"), 429, jsonCT, http.Header{"Retry-After": {"7"}}, false, want{result: "api", retry: true, wait: 7 * time.Second}},
		{"429 list, HTTP date", op("listAgents"), 429, jsonCT, http.Header{"Retry-After": {now.Add(3 * time.Second).Format(http.TimeFormat)}}, false, want{result: "api", retry: true, wait: 3 * time.Second}},
		{"500 get", op("getAgent"), 500, jsonCT, nil, false, want{result: "api", retry: true}},
		{"500 create", op("createAgent"), 500, jsonCT, nil, false, want{result: "api"}},
		{"502 delete", op("deleteAgent"), 502, htmlCT, nil, false, want{result: "api", retry: true}},
		{"503 stream", op("runAgentStream"), 503, jsonCT, http.Header{"Retry-After": {"1"}}, false, want{result: "api"}},
		{"504 providers", op("listLLMProviders"), 504, "", nil, false, want{result: "api", retry: true}},
		{"501 get", op("getAgent"), 501, jsonCT, nil, false, want{result: "api"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tc.header {
				h[k] = v
			}
			if tc.ct != "" {
				h.Set("Content-Type", tc.ct)
			}
			req := httptest.NewRequest(tc.op.method, "https://eu1.make.com/api/v2"+tc.op.path, nil)
			resp := &http.Response{StatusCode: tc.status, Header: h, Body: io.NopCloser(strings.NewReader(`{"message":"m","code":"SC` + http.StatusText(tc.status) + `"}`)), Request: req}
			v := classify(tc.op, resp, tc.reached, now, redact.New(testToken))
			var got string
			var apiErr *APIError
			var unexpected *UnexpectedResponseError
			switch {
			case v.err == nil && v.resp == resp:
				got = "response"
			case v.err == nil && v.resp != nil && v.resp.StatusCode == http.StatusNoContent:
				got = "deleted"
			case errors.As(v.err, &apiErr):
				got = "api"
				if apiErr.StatusCode != tc.status || apiErr.Method != tc.op.method {
					t.Errorf("APIError %+v", apiErr)
				}
			case errors.As(v.err, &unexpected):
				got = "unexpected"
				if unexpected.StatusCode != tc.status || unexpected.WantStatus != tc.op.status {
					t.Errorf("UnexpectedResponseError %+v", unexpected)
				}
			default:
				t.Fatalf("verdict %+v", v)
			}
			if got != tc.want.result || v.retry != tc.want.retry || v.wait != tc.want.wait {
				t.Errorf("classify = %s retry=%v wait=%s; want %s retry=%v wait=%s", got, v.retry, v.wait, tc.want.result, tc.want.retry, tc.want.wait)
			}
			if (v.err == nil) == (v.resp == nil) {
				t.Errorf("verdict has both or neither of a response and an error: %+v", v)
			}
		})
	}
}

// An upload to a closed port fails with the dial error, wrapped as for
// every other call: errors.Is finds ECONNREFUSED, and the file is not
// blamed.
func TestUploadConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	c, err := New(WithoutEnvironment(), WithBaseURL("http://"+addr+"/api/v2"), WithToken(testToken), WithTeamID(1), withSleep((&sleeps{}).sleep))
	if err != nil {
		t.Fatal(err)
	}
	err = c.UploadContext(context.Background(), testAgent, "note.txt", strings.NewReader("knowledge"))
	scanErr(err)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("err = %v, want ECONNREFUSED", err)
	}
	if strings.Contains(err.Error(), "closed pipe") || strings.Contains(err.Error(), "reading the file") {
		t.Errorf("err = %v blames the file", err)
	}
	// The same for the other calls.
	if _, err := c.ListAgents(context.Background()); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("ListAgents: err = %v, want ECONNREFUSED", err)
	}
}

// A server that hangs up in the middle of an upload: the error is the
// request's (a reset or EOF), not the file's.
func TestUploadServerClosesMidway(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.CopyN(io.Discard, r.Body, 64<<10)
		hj, ok := w.(http.Hijacker)
		if !ok {
			t.Error("no hijacker")
			return
		}
		conn, _, err := hj.Hijack()
		if err == nil {
			_ = conn.Close()
		}
	}))
	defer srv.Close()
	c, _, _ := newTestClient(t, srv)
	err := c.UploadContext(context.Background(), testAgent, "big.bin", io.LimitReader(zeros{}, 32<<20))
	scanErr(err)
	if err == nil {
		t.Fatal("upload to a server that hung up succeeded")
	}
	if strings.Contains(err.Error(), "closed pipe") || strings.Contains(err.Error(), "reading the file") {
		t.Errorf("err = %v blames the file", err)
	}
	if strings.Count(err.Error(), "makeagents:") != 1 {
		t.Errorf("err = %q, want one makeagents: prefix", err)
	}
}

// Per-call options: the team, a header, the raw response, a timeout.
func TestCallOptions(t *testing.T) {
	srv := newServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Seen-Trace", r.Header.Get("X-Trace"))
		writeJSON(w, 200, `[{"id":"`+testAgent+`","name":"a"}]`)
	})
	c, _, _ := newTestClient(t, srv.Server)
	var raw *http.Response
	agents, err := c.ListAgents(context.Background(), ForTeam(9), CallHeader("X-Trace", "t-1"), CallResponseInto(&raw), CallTimeout(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(agents) != 1 || agents[0].Name != "a" {
		t.Errorf("agents = %+v", agents)
	}
	if h := srv.seen()[0]; h.Query != "teamId=9" {
		t.Errorf("query %q, want the call's team", h.Query)
	}
	if raw == nil || raw.StatusCode != 200 || raw.Header.Get("X-Seen-Trace") != "t-1" {
		t.Fatalf("raw response %+v", raw)
	}
	if b, _ := io.ReadAll(raw.Body); !strings.Contains(string(b), `"name":"a"`) {
		t.Errorf("raw body %q", b)
	}
	for name, o := range map[string]CallOption{
		"team 0":             ForTeam(0),
		"header with CRLF":   CallHeader("X-A", "a\r\nX-B: b"),
		"authorization":      CallHeader("authorization", "Token other"),
		"bad header name":    CallHeader("X A", "v"),
		"non-positive timer": CallTimeout(0),
		"nil destination":    CallResponseInto(nil),
	} {
		before := len(srv.seen())
		_, err := c.ListAgents(context.Background(), o)
		if err == nil || strings.Count(err.Error(), "makeagents:") != 1 {
			t.Errorf("%s: err = %v, want an error with one prefix", name, err)
		}
		if len(srv.seen()) != before {
			t.Errorf("%s: a request was sent", name)
		}
	}
}

// A 404 that is not Make's (no code) is not IsNotFound and says the base
// URL may be wrong; Make's own 404 is.
func TestNotMakes404(t *testing.T) {
	srv := newServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/api/v2/") {
			writeJSON(w, 404, `{"message":"Not found","code":"SC404"}`)
			return
		}
		http.NotFound(w, r)
	})
	wrongBase, _, _ := newTestClient(t, srv.Server, WithBaseURL(srv.URL))
	_, err := wrongBase.GetAgent(context.Background(), testAgent)
	if IsNotFound(err) || !strings.Contains(err.Error(), "/api/v2") {
		t.Errorf("plain 404: IsNotFound=%v err=%v; want false and a hint at /api/v2", IsNotFound(err), err)
	}
	c, _, _ := newTestClient(t, srv.Server)
	if _, err := c.GetAgent(context.Background(), testAgent); !IsNotFound(err) {
		t.Errorf("Make's 404: err = %v, want IsNotFound", err)
	}
}

// TestErrorPrefixOnce walks the error constructors and wrapping paths a
// caller can reach and checks that each message starts with "makeagents: "
// and says it once. (TestMain also checks every error the suite scans.)
func TestErrorPrefixOnce(t *testing.T) {
	var errs []error
	add := func(err error) { errs = append(errs, err) }
	env := func(kv ...string) Option {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return withGetenv(m)
	}
	for _, opts := range [][]Option{
		{WithTeamID(-1)}, {WithZone("mars")}, {WithToken(" ")}, {WithOAuthToken("a b")},
		{WithBaseURL("ftp://x")}, {WithBaseURL("https://u:p@x")}, {WithRetry(RetryPolicy{MaxRetries: -1})},
		{WithUserAgent("a\nb")}, {WithMaxBodyBytes(0)}, {WithHeaderTimeout(0)}, {WithHTTPClient(nil)},
		{env(EnvZone, "mars")}, {env(EnvZone, "mars", EnvBaseURL, "https://x.example/api/v2")},
		{env(EnvTeamID, "x")}, {env(EnvTeamID, "-1")}, {env(EnvToken, "a\x00")}, {env(EnvBaseURL, "x")},
	} {
		_, err := New(opts...)
		add(err)
	}
	add(ValidateAgentID(""))
	add(ValidateContextName(strings.Repeat("x", 200)))
	_, err := ParseZone("mars")
	add(err)
	_, err = ParseBaseURL("::")
	add(err)
	_, err = ParseTeamID("x")
	add(err)

	srv := newServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/run"):
			writeJSON(w, 400, `{"message":"Bad request","detail":["a","b"],"code":"IM001","suberrors":[{"message":"a"}]}`)
		case r.Method == http.MethodDelete:
			writeJSON(w, 503, `{"message":"down"}`)
		default:
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<html>")
		}
	})
	c, _, _ := newTestClient(t, srv.Server)
	ctx := context.Background()
	_, err = c.ListAgents(ctx)
	add(err) // UnexpectedResponseError
	_, err = c.RunAgent(ctx, testAgent, runBody())
	add(err)                           // APIError with detail and suberrors
	add(c.DeleteAgent(ctx, testAgent)) // giving up after attempts? no: 503 APIError after retries
	_, err = c.RunAgent(ctx, "nope", runBody())
	add(err)
	_, err = c.ListAgents(ctx, ForTeam(0))
	add(err)
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = c.GetAgent(canceled, testAgent)
	add(err)
	add(c.UploadContext(ctx, testAgent, "a.txt", &failingReader{n: 10, err: errors.New("disk")}))
	noToken, err := New(WithoutEnvironment(), WithTeamID(1))
	if err != nil {
		t.Fatal(err)
	}
	_, err = noToken.ListAgents(ctx)
	add(err)

	for i, err := range errs {
		if err == nil {
			t.Errorf("case %d: no error", i)
			continue
		}
		scanErr(err)
		if msg := err.Error(); !strings.HasPrefix(msg, "makeagents: ") || strings.Count(msg, "makeagents:") != 1 {
			t.Errorf("case %d: %q: want one leading makeagents: prefix", i, msg)
		}
	}
}

// CallTimeout on StartRunStream bounds the whole stream: a stream that
// stalls after its headers ends with the deadline, and a stream that ends
// in time is unaffected.
func TestStreamCallTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := newServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		_, _ = io.WriteString(w, "data: first\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	c, _, _ := newTestClient(t, srv.Server)
	resp, err := c.StartRunStream(context.Background(), testAgent, runBody(), CallTimeout(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("reading a stalled stream: err = %v, want the call's deadline", err)
	}
}

// A request editor may change the body: after one, a typed body is checked
// from the bytes that will be sent, not from the value it was built from.
func TestEditedBodyIsValidatedFromItsBytes(t *testing.T) {
	srv := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, `{}`) })
	emptyRun := func(_ context.Context, r *http.Request) error {
		if strings.HasSuffix(r.URL.Path, "/run") {
			r.Body = io.NopCloser(strings.NewReader(`{"messages":[],"config":{}}`))
			r.GetBody, r.ContentLength = nil, -1
		}
		return nil
	}
	c, _, _ := newTestClient(t, srv.Server, WithRequestEditorFn(emptyRun))
	_, err := c.RunAgent(context.Background(), testAgent, runBody())
	if !IsValidationError(err) || !strings.Contains(err.Error(), "messages") {
		t.Fatalf("err = %v, want the edited body's empty messages refused", err)
	}
	if n := srv.count(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// CallResponseInto keeps the body it read, so it reads it under the same
// bound as the typed result: a body over WithMaxBodyBytes is an error, not
// a copy held in memory.
func TestResponseIntoIsBounded(t *testing.T) {
	srv := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, `[`+strings.Repeat(`{"name":"x"},`, 1000)+`{"name":"y"}]`)
	})
	c, _, _ := newTestClient(t, srv.Server, WithMaxBodyBytes(1024))
	var raw *http.Response
	_, err := c.ListAgents(context.Background(), CallResponseInto(&raw))
	scanErr(err)
	if !errors.Is(err, ErrBodyTooLarge) || raw != nil {
		t.Fatalf("err = %v, raw %v; want ErrBodyTooLarge and nothing kept", err, raw)
	}
}

// A server that answers an upload at once, before reading it, while the
// file then fails: the file's error is returned and nothing is left open
// (TestMain checks for goroutines left behind).
func TestUploadEarlyAnswerThenFileFails(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(201)
		w.(http.Flusher).Flush()
	}))
	defer srv.Close()
	c, _, _ := newTestClient(t, srv)
	diskErr := errors.New("disk gone")
	for range 5 {
		err := c.UploadContext(context.Background(), testAgent, "a.txt", &failingReader{n: 4 << 20, err: diskErr})
		scanErr(err)
		// Either the answer came before the file failed (Make's 201
		// stands) or the file's error is what is said.
		if err != nil && !errors.Is(err, diskErr) {
			t.Fatalf("err = %v, want nil or the file's error", err)
		}
	}
	srv.CloseClientConnections()
}
