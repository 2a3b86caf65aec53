package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// testToken is distinctive so the leak scan cannot match anything by chance.
const testToken = "tok-LEAKCHECK-5c1f8e2a-90b3-4d7e-a6c4-7f0e13d2b9aa"

const (
	testAgent = "3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
	testTeam  = int64(42)
)

// suiteScan collects every error string and log line the tests produce;
// TestMain fails the run if the token shows up in any of them.
var suiteScan = &tokenScan{secret: testToken}

// tokenScan records texts and finds the ones containing secret.
type tokenScan struct {
	secret string
	mu     sync.Mutex
	texts  []string
}

func (s *tokenScan) add(text string) {
	s.mu.Lock()
	s.texts = append(s.texts, text)
	s.mu.Unlock()
}

// Write lets a slog handler log straight into the scan.
func (s *tokenScan) Write(p []byte) (int, error) {
	s.add(string(p))
	return len(p), nil
}

func (s *tokenScan) leaks() (leaked []string, total int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.texts {
		if strings.Contains(t, s.secret) {
			leaked = append(leaked, strings.ReplaceAll(t, s.secret, "<TOKEN>"))
		}
	}
	return leaked, len(s.texts)
}

// scanErr records err as a user would see it printed.
func scanErr(err error) {
	if err != nil {
		suiteScan.add(err.Error())
		suiteScan.add(fmt.Sprintf("%+v", err))
		prefixScan.add(err.Error())
	}
}

// prefixScan collects every error text scanErr sees; TestMain fails the
// run if one says "makeagents:" more than once (issue 18: one prefix per
// message, whatever the wrapping).
var prefixScan = &tokenScan{}

func (s *tokenScan) repeatedPrefix() (bad []string, total int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.texts {
		if strings.Count(t, "makeagents:") > 1 {
			bad = append(bad, strings.ReplaceAll(t, testToken, "<TOKEN>"))
		}
	}
	return bad, len(s.texts)
}

// minScanned is a floor on what the scan must have seen, so a broken
// collector (nothing recorded) cannot pass as "no leaks".
const minScanned = 100

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && flagRunAll() {
		leaked, total := suiteScan.leaks()
		switch {
		case len(leaked) > 0:
			fmt.Fprintf(os.Stderr, "FAIL: the API token appears in %d error or log texts (token shown as <TOKEN>):\n", len(leaked))
			for _, l := range leaked {
				fmt.Fprintln(os.Stderr, "  ", l)
			}
			code = 1
		case total < minScanned:
			fmt.Fprintf(os.Stderr, "FAIL: token scan saw only %d texts (want >= %d); is the collector wired up?\n", total, minScanned)
			code = 1
		default:
			fmt.Fprintf(os.Stderr, "token scan: %d error and log texts, no token\n", total)
		}
		if bad, n := prefixScan.repeatedPrefix(); len(bad) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: %d of %d error texts say makeagents: more than once:\n", len(bad), n)
			for _, b := range bad {
				fmt.Fprintln(os.Stderr, "  ", b)
			}
			code = 1
		}
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "FAIL: goroutines left behind: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}

// flagRunAll reports whether the whole suite ran (no -run filter), so the
// scan's volume floor only applies when every test contributed.
func flagRunAll() bool {
	for _, a := range os.Args[1:] {
		if strings.HasPrefix(a, "-test.run") || strings.HasPrefix(a, "-test.skip") {
			return false
		}
	}
	return true
}

// ---- test seams (unexported options) ----

func withSleep(f func(context.Context, time.Duration) error) Option {
	return optionFunc(func(s *settings) error { s.sleep = f; return nil })
}

func withJitter(f func() float64) Option {
	return optionFunc(func(s *settings) error { s.jitter = f; return nil })
}

func withNow(f func() time.Time) Option {
	return optionFunc(func(s *settings) error { s.now = f; return nil })
}

func withGetenv(env map[string]string) Option {
	return optionFunc(func(s *settings) error {
		s.getenv = func(k string) string { return env[k] }
		return nil
	})
}

// sleeps records the waits the retry layer asked for, without waiting.
type sleeps struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// ---- test server ----

// hit is one request the test server saw.
type hit struct {
	Method, Path, EscapedPath, Query, Auth, UA string
	Body                                       []byte
}

// server is a loopback httptest server that records hits and answers with
// handler (called with the hit number, 1-based).
type server struct {
	*httptest.Server
	n    atomic.Int64
	mu   sync.Mutex
	hits []hit
}

func newServer(t *testing.T, handler func(n int, w http.ResponseWriter, r *http.Request)) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.hits = append(s.hits, hit{r.Method, r.URL.Path, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Get("Authorization"), r.Header.Get("User-Agent"), body})
		s.mu.Unlock()
		handler(int(s.n.Add(1)), w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) count() int { return int(s.n.Load()) }

func (s *server) seen() []hit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]hit(nil), s.hits...)
}

// logs captures one test's log output and feeds the suite's token scan.
type logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logs) Write(p []byte) (int, error) {
	suiteScan.add(string(p))
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logs) lines() []string {
	return strings.Split(strings.TrimSpace(l.String()), "\n")
}

// newTestClient points a client at srv with the test token, the default
// team, bodies logged (the most exposure for the token scan) and a sleep
// that records instead of waiting. Later options override earlier ones.
func newTestClient(t *testing.T, srv *httptest.Server, opts ...Option) (*Client, *logs, *sleeps) {
	t.Helper()
	lg, sl := &logs{}, &sleeps{}
	all := []Option{
		WithoutEnvironment(),
		WithBaseURL(srv.URL + "/api/v2"),
		WithHTTPClient(srv.Client()),
		WithToken(testToken),
		WithTeamID(testTeam),
		WithLogger(slog.New(slog.NewJSONHandler(lg, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		WithLogBodies(4096),
		withSleep(sl.sleep),
		withJitter(func() float64 { return 0.5 }),
	}
	c, err := New(append(all, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, lg, sl
}

// writeJSON answers with status and a JSON body.
func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func makeErrorBody(status int, message, detail string) string {
	return fmt.Sprintf(`{"message":%q,"detail":%q,"code":"SC%d"}`, message, detail, status)
}

func runBody() RunAgentRequest {
	return RunAgentRequest{Messages: []Message{{Role: "user", Content: "hello"}}}
}

// rtFunc is a closure RoundTripper for faults a real server cannot produce.
type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// trackedBody records whether it was closed.
type trackedBody struct {
	io.Reader
	closed atomic.Bool
}

func (b *trackedBody) Close() error { b.closed.Store(true); return nil }

func newJSONLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
