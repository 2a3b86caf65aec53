package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/makeagents/makeagents-go/internal/memtest"
)

// ---- redirects ----

// TestRedirectsNeverFollowed: every redirect status, to the same host on
// another port and from https to http, comes back as an *APIError naming
// the status and only the Location's origin; the other origin never sees
// a request (and so never the token, nor a run body), and a POST never
// turns into a GET.
func TestRedirectsNeverFollowed(t *testing.T) {
	var elsewhere atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		writeJSON(w, 200, `[]`)
	}))
	defer target.Close()
	secretPath := "/steal?sig=location-secret-123"
	for _, tls := range []bool{false, true} {
		for _, status := range []int{301, 302, 303, 307, 308} {
			for _, cl := range []retryCase{calls[0], calls[5]} { // list (GET), run (POST)
				name := fmt.Sprintf("tls=%t/%d/%s", tls, status, cl.name)
				t.Run(name, func(t *testing.T) {
					h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						w.Header().Set("Location", strings.Replace(target.URL, "http://", "http://user:pw@", 1)+secretPath)
						w.WriteHeader(status)
					})
					var srv *httptest.Server
					if tls {
						srv = httptest.NewTLSServer(h)
					} else {
						srv = httptest.NewServer(h)
					}
					defer srv.Close()
					c, _, _ := newTestClient(t, srv)
					err := cl.do(context.Background(), c)
					scanErr(err)
					var apiErr *APIError
					if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
						t.Fatalf("err = %v, want an *APIError with status %d", err, status)
					}
					if apiErr.RedirectOrigin != target.URL || !strings.Contains(err.Error(), "redirect to "+target.URL+" not followed") {
						t.Errorf("err = %q (origin %q), want it to name the origin %s", err, apiErr.RedirectOrigin, target.URL)
					}
					if s := err.Error() + apiErr.Header.Get("Location"); strings.Contains(s, "location-secret") || strings.Contains(s, "pw@") {
						t.Errorf("error or header carries more than the origin: %q", s)
					}
				})
			}
		}
	}
	if n := elsewhere.Load(); n != 0 {
		t.Fatalf("the redirect target received %d requests", n)
	}
}

// followingDoer is a doer that is not an *http.Client and follows
// redirects, as a user's middleware might.
type followingDoer struct{ c *http.Client }

func (f followingDoer) Do(r *http.Request) (*http.Response, error) { return f.c.Do(r) }

// TestRedirectFollowedBelowIsAnError: a doer of the user's own that follows
// a redirect anyway does not get the other server's 200 taken for the
// run's result.
func TestRedirectFollowedBelowIsAnError(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"response":"from elsewhere"}`)
	}))
	defer target.Close()
	srv := newServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/x", http.StatusSeeOther)
	})
	c, _, _ := newTestClient(t, srv.Server, WithHTTPClient(followingDoer{srv.Client()}))
	res, err := c.Generated().RunAgentWithResponse(context.Background(), testAgent, nil, runBody())
	scanErr(err)
	if !errors.Is(err, ErrRedirect) || res != nil {
		t.Fatalf("err = %v, res = %v; want ErrRedirect and no result", err, res)
	}
}

// ---- partial tokens at the error body's cut ----

// TestAPIErrorBodyCutKeepsNoTokenPrefix echoes the token so that the 64 KiB
// cut of APIError.Body falls at every position inside it.
func TestAPIErrorBodyCutKeepsNoTokenPrefix(t *testing.T) {
	for _, inside := range []int{1, 4, 5, 10, len(testToken) / 2, len(testToken) - 1} {
		body := strings.Repeat("x", MaxErrorBodyBytes-inside) + testToken + strings.Repeat("y", 100)
		srv := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(500)
			_, _ = io.WriteString(w, body)
		})
		c, _, _ := newTestClient(t, srv.Server, WithLogger(nil))
		_, err := c.Generated().CreateAgentWithResponse(context.Background(), nil, CreateAgentRequest{Name: "n", MakeConnectionID: 1, DefaultModel: "m", SystemPrompt: "s"})
		scanErr(err)
		var apiErr *APIError
		if !errors.As(err, &apiErr) {
			t.Fatalf("err = %v", err)
		}
		if keepsTokenPart(string(apiErr.Body)) {
			t.Errorf("cut %d bytes into the token: Body ends in %q", inside, tail(apiErr.Body))
		}
		if len(apiErr.Body) > MaxErrorBodyBytes+len(redactedMark) {
			t.Errorf("Body is %d bytes, more than the bound", len(apiErr.Body))
		}
	}
}

func keepsTokenPart(s string) bool {
	if strings.Contains(s, testToken) {
		return true
	}
	for k := 4; k < len(testToken); k++ {
		if strings.HasSuffix(s, testToken[:k]) {
			return true
		}
	}
	return false
}

func tail(b []byte) string {
	if len(b) > 60 {
		b = b[len(b)-60:]
	}
	return strings.ReplaceAll(string(b), testToken, "<TOKEN>")
}

// ---- no nil typed result with a nil error ----

// TestUnexpectedSuccessIsAnError: a 2xx that is not the documented status
// with JSON (a proxy's HTML page, no Content-Type, 201 or 299 where 200 is
// documented) is an *UnexpectedResponseError with the raw body kept, so the
// README's loop over *res.JSON200 after err == nil cannot panic.
func TestUnexpectedSuccessIsAnError(t *testing.T) {
	cases := []struct {
		name, ct, body string
		status         int
	}{
		{"html", "text/html", "<html>sign in</html>", 200},
		{"no content type", "", `[]`, 200},
		{"201", "application/json", `[]`, 201},
		{"299", "application/json", `[]`, 299},
		{"echoed token in content type", "text/html; x=" + testToken, "<p>", 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				w.Header()["Content-Type"] = []string{tc.ct}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			})
			c, _, _ := newTestClient(t, srv.Server)
			res, err := c.Generated().ListAgentsWithResponse(context.Background(), nil)
			scanErr(err)
			if err == nil {
				for _, a := range *res.JSON200 { // the README's loop; panics on nil
					_ = a
				}
				t.Fatal("err = nil for an undocumented success")
			}
			var ue *UnexpectedResponseError
			if !errors.As(err, &ue) || ue.StatusCode != tc.status || ue.WantStatus != 200 || string(ue.Body) != tc.body {
				t.Fatalf("err = %v (%+v), want an *UnexpectedResponseError keeping the body", err, ue)
			}
		})
	}
	// The documented shapes still pass: create's 201, update's 204.
	srv := newServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch {
			w.WriteHeader(204)
			return
		}
		writeJSON(w, 201, `{"agentId":"`+testAgent+`"}`)
	})
	c, _, _ := newTestClient(t, srv.Server)
	res, err := c.Generated().CreateAgentWithResponse(context.Background(), nil, CreateAgentRequest{Name: "n", MakeConnectionID: 1, DefaultModel: "m", SystemPrompt: "s"})
	if err != nil || res.JSON201 == nil {
		t.Fatalf("create: %v", err)
	}
	name := "x"
	if _, err := c.Generated().UpdateAgentWithResponse(context.Background(), testAgent, nil, UpdateAgentRequest{Name: &name}); err != nil {
		t.Fatalf("update: %v", err)
	}
}

// ---- DELETE whose answer was lost ----

// TestDeleteRetriedInto404IsSuccess: the first DELETE reached the server
// (a 503 from a proxy after Make deleted it, or a connection dropped after
// the request was written); its retry finds the agent gone. That is
// success. A 404 without such an earlier attempt (first answer, or after a
// 429, which Make sends unprocessed) is still a 404.
func TestDeleteRetriedInto404IsSuccess(t *testing.T) {
	notFound := func(w http.ResponseWriter) { writeJSON(w, 404, makeErrorBody(404, "Not found", "")) }
	cases := []struct {
		name    string
		first   func(w http.ResponseWriter)
		success bool
	}{
		{"503 then 404", func(w http.ResponseWriter) { writeJSON(w, 503, makeErrorBody(503, "busy", "")) }, true},
		{"reset then 404", func(w http.ResponseWriter) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		}, true},
		{"429 then 404", func(w http.ResponseWriter) { writeJSON(w, 429, makeErrorBody(429, "slow", "")) }, false},
		{"404 at once", notFound, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, func(n int, w http.ResponseWriter, _ *http.Request) {
				if n == 1 {
					tc.first(w)
					return
				}
				notFound(w)
			})
			c, _, _ := newTestClient(t, srv.Server)
			res, err := c.Generated().DeleteAgentWithResponse(context.Background(), testAgent, nil)
			scanErr(err)
			if tc.success {
				if err != nil || res.StatusCode() != 204 {
					t.Fatalf("err = %v, want success (204)", err)
				}
				return
			}
			if !IsNotFound(err) {
				t.Fatalf("err = %v, want the 404", err)
			}
		})
	}
}

// ---- Retry-After of any size ----

func TestRetryAfterOfAnySizeGivesUp(t *testing.T) {
	for _, v := range []string{"99999999999999999999999", "9223372036854775808", "86401"} {
		srv := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", v)
			writeJSON(w, 429, makeErrorBody(429, "Too many", ""))
		})
		c, _, sl := newTestClient(t, srv.Server)
		_, err := c.Generated().ListAgentsWithResponse(context.Background(), nil)
		scanErr(err)
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.RetryAfter != 24*time.Hour {
			t.Fatalf("Retry-After %s: err = %v, want a 429 with RetryAfter capped at 24h", v, err)
		}
		if srv.count() != 1 || len(sl.got()) != 0 {
			t.Errorf("Retry-After %s: server saw %d, waits %v; want 1 and none", v, srv.count(), sl.got())
		}
	}
}

// ---- header timeouts per operation ----

// stallServer accepts requests and never answers until the test ends.
func stallServer(t *testing.T) *server {
	release := make(chan struct{})
	srv := newServer(t, func(_ int, _ http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(release) }) // runs before srv.Close
	return srv
}

// TestHeaderTimeoutPerOperation: a GET whose server never answers ends
// after one header timeout (ErrHeaderTimeout, one attempt, not three of ten
// minutes each); a run is given its own, longer bound.
func TestHeaderTimeoutPerOperation(t *testing.T) {
	srv := stallServer(t)
	c, _, _ := newTestClient(t, srv.Server, WithHeaderTimeout(50*time.Millisecond))
	_, err := c.Generated().ListAgentsWithResponse(context.Background(), nil)
	scanErr(err)
	if !errors.Is(err, ErrHeaderTimeout) || srv.count() != 1 {
		t.Fatalf("err = %v after %d attempt(s), want ErrHeaderTimeout after 1", err, srv.count())
	}

	// The run answers later than the short bound: it must not be cut.
	slow := newServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(300 * time.Millisecond):
		case <-r.Context().Done():
			return
		}
		writeJSON(w, 200, `{"response":"ok"}`)
	})
	c, _, _ = newTestClient(t, slow.Server, WithHeaderTimeout(50*time.Millisecond), WithRunHeaderTimeout(time.Hour))
	if _, err := c.Generated().RunAgentWithResponse(context.Background(), testAgent, nil, runBody()); err != nil {
		t.Fatalf("run: %v, want it bounded by the run header timeout only", err)
	}
	c, _, _ = newTestClient(t, slow.Server, WithRunHeaderTimeout(50*time.Millisecond))
	_, err = c.Generated().RunAgentWithResponse(context.Background(), testAgent, nil, runBody())
	scanErr(err)
	if !errors.Is(err, ErrHeaderTimeout) {
		t.Fatalf("run: err = %v, want ErrHeaderTimeout", err)
	}
}

// TestDefaultBounds: New's defaults are the documented ones.
func TestDefaultBounds(t *testing.T) {
	c, err := New(WithoutEnvironment())
	if err != nil {
		t.Fatal(err)
	}
	b := c.pipe.limits
	if b.maxBody != 256<<20 || b.bodyIdle != time.Minute || b.headerTimeout != 2*time.Minute || b.runHeaderTimeout != 10*time.Minute {
		t.Fatalf("bounds = %+v", b)
	}
	for _, o := range []Option{WithMaxBodyBytes(0), WithBodyIdleTimeout(0), WithHeaderTimeout(-1), WithRunHeaderTimeout(0)} {
		if _, err := New(WithoutEnvironment(), o); err == nil {
			t.Error("a non-positive bound was accepted")
		}
	}
}

// ---- body idle ----

// TestBodyIdle: headers and part of the body, then silence: the read ends
// with ErrBodyIdle instead of hanging.
func TestBodyIdle(t *testing.T) {
	release := make(chan struct{})
	srv := newServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		_, _ = io.WriteString(w, `[{"id":"`)
		_ = http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(release) })
	c, _, _ := newTestClient(t, srv.Server, WithBodyIdleTimeout(50*time.Millisecond))
	_, err := c.Generated().ListAgentsWithResponse(context.Background(), nil)
	scanErr(err)
	if !errors.Is(err, ErrBodyIdle) {
		t.Fatalf("err = %v, want ErrBodyIdle", err)
	}
}

// ---- measured memory bounds ----

// chunk is one piece of a generated agent list; the server writes it again
// and again instead of allocating the whole body.
var chunk = bytes.Repeat([]byte(`{"id":"`+testAgent+`","name":"n","teamId":42},`), 1<<10)

// TestHugeBodyBoundedMeasured: the server offers a 1 GiB agent list; the
// SDK stops at its limit with ErrBodyTooLarge, and the heap grows by a
// small multiple of the limit, not of the body (4.7 GiB before).
func TestHugeBodyBoundedMeasured(t *testing.T) {
	const limit = 32 << 20
	var sent atomic.Int64
	srv := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "[")
		for sent.Load() < 1<<30 {
			n, err := w.Write(chunk)
			sent.Add(int64(n))
			if err != nil {
				return
			}
		}
	})
	c, _, _ := newTestClient(t, srv.Server, WithMaxBodyBytes(limit), WithLogger(nil))
	stop := memtest.HeapPeak()
	_, err := c.Generated().ListAgentsWithResponse(context.Background(), nil)
	peak := stop()
	scanErr(err)
	if !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("err = %v, want ErrBodyTooLarge", err)
	}
	t.Logf("1 GiB offered, limit %d MiB: peak heap growth %d MiB, server wrote %d MiB", limit>>20, peak>>20, sent.Load()>>20)
	if peak > 4*limit {
		t.Errorf("peak heap growth %d MiB, want at most %d MiB", peak>>20, 4*limit>>20)
	}
}

// zeroReader yields zeros without allocating them.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (c countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// gzipMember is 1 MiB of zeros, gzipped.
var gzipMember = func() []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	_, _ = io.Copy(zw, io.LimitReader(zeroReader{}, 1<<20))
	_ = zw.Close()
	return b.Bytes()
}()

// TestGzipBombBoundedMeasured: about 1 MiB of gzip on the wire that would
// inflate to 1 GiB. The limit counts decompressed bytes, so the read stops
// at the limit though the wire carried a thousandth of it.
func TestGzipBombBoundedMeasured(t *testing.T) {
	const limit = 32 << 20
	var wire atomic.Int64
	srv := newServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			t.Error("client did not ask for gzip")
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		// 1024 gzip members of 1 MiB of zeros each: one gzip stream that
		// inflates to 1 GiB (readers join members), about 1 MiB on the wire.
		for i := 0; i < 1024; i++ {
			if _, err := (countWriter{w, &wire}).Write(gzipMember); err != nil {
				return
			}
		}
	})
	c, _, _ := newTestClient(t, srv.Server, WithMaxBodyBytes(limit), WithLogger(nil))
	stop := memtest.HeapPeak()
	_, err := c.Generated().ListAgentsWithResponse(context.Background(), nil)
	peak := stop()
	scanErr(err)
	if !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("err = %v, want ErrBodyTooLarge", err)
	}
	t.Logf("gzip bomb (1 GiB inflated), limit %d MiB: %d KiB on the wire when stopped, peak heap growth %d MiB", limit>>20, wire.Load()>>10, peak>>20)
	if wire.Load() > limit/16 {
		t.Errorf("%d bytes on the wire: the bomb did not inflate, the test proves nothing", wire.Load())
	}
	if peak > 4*limit {
		t.Errorf("peak heap growth %d MiB, want at most %d MiB", peak>>20, 4*limit>>20)
	}
}
