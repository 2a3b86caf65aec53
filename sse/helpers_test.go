package sse_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/sse"
)

// TestMain fails the package if any test left a goroutine behind: the
// decoder's goroutine is the one the sse package promises to end.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const testAgentID = "0f8fad5b-d9cb-469f-a165-70867728950e"

const testTeam = 7

func testRequest() api.RunAgentRequest {
	return api.RunAgentRequest{Messages: []api.Message{{Role: "user", Content: "hello"}}}
}

// sseServer is a loopback server for the stream endpoint. handler writes the
// response body through w, which flushes after every Write so each write
// reaches the client as its own chunk. requests counts the requests made.
type sseServer struct {
	*httptest.Server
	requests atomic.Int64
}

func newSSEServer(t *testing.T, handler func(w io.Writer, r *http.Request)) *sseServer {
	t.Helper()
	s := &sseServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		// HTTP/1 servers may stop reading the request once the response has
		// started, so the body is read first and handed on in memory.
		reqBody, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(reqBody))
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		handler(flushWriter{w}, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// client returns a client for the server, the way users build one.
func (s *sseServer) client(t *testing.T) *api.Client {
	t.Helper()
	return testClient(t, s.URL+"/api/v2", s.Client())
}

// testClient is api.New for a test server: its base URL and HTTP client, a
// token, team testTeam, the environment ignored.
func testClient(t *testing.T, baseURL string, doer api.HttpRequestDoer, opts ...api.Option) *api.Client {
	t.Helper()
	base := []api.Option{api.WithoutEnvironment(), api.WithBaseURL(baseURL), api.WithHTTPClient(doer),
		api.WithToken("test-token"), api.WithTeamID(testTeam)}
	c, err := api.New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// run starts a stream against the server and fails the test on error.
func (s *sseServer) run(t *testing.T, ctx context.Context, opts ...sse.Option) *sse.Stream {
	t.Helper()
	st, err := sse.Run(ctx, s.client(t), testAgentID, testRequest(), opts...)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return st
}

type flushWriter struct{ w http.ResponseWriter }

func (f flushWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	f.w.(http.Flusher).Flush()
	return n, err
}

// writeString writes s and reports whether the client is still there.
func writeString(w io.Writer, s string) bool {
	_, err := io.WriteString(w, s)
	return err == nil
}

// events reads a stream to its end.
func events(st *sse.Stream) ([]sse.Event, error) {
	var out []sse.Event
	for st.Next() {
		out = append(out, st.Event())
	}
	return out, st.Err()
}

// summary is an event in a form that compares and prints well.
type summary struct {
	Type, ID, Data string
}

func summarize(evs []sse.Event) []summary {
	out := make([]summary, 0, len(evs))
	for _, e := range evs {
		out = append(out, summary{e.Type, e.ID, string(e.Data)})
	}
	return out
}
