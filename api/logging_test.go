package api

import (
	"context"
	"encoding/json"
	"github.com/makeagents/makeagents-go/internal/redact"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

type logRecord struct {
	Level, Msg          string
	Method, Path, Error string
	Status, Attempt     int
	Duration            int64
	RawRequestBody      *string `json:"request_body"`
	RawResponseBody     *string `json:"response_body"`
}

func parseLogs(t *testing.T, l *logs) []logRecord {
	t.Helper()
	var out []logRecord
	for _, line := range l.lines() {
		if line == "" {
			continue
		}
		var r logRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, r)
	}
	return out
}

// TestOneRecordPerAttempt: a GET answered 503, 503, 200 logs three debug
// records with the attempt number, method, path without query, status and
// a duration, and none of them mentions the token or Authorization.
func TestOneRecordPerAttempt(t *testing.T) {
	srv := newServer(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n < 3 {
			writeJSON(w, 503, makeErrorBody(503, "down", ""))
			return
		}
		writeJSON(w, 200, `[]`)
	})
	tick := time.Unix(0, 0)
	c, lg, _ := newTestClient(t, srv.Server, WithLogBodies(0), withNow(func() time.Time { tick = tick.Add(time.Millisecond); return tick }))
	if _, err := c.Generated().ListAgentsWithResponse(context.Background(), &ListAgentsParams{TeamID: 7}); err != nil {
		t.Fatal(err)
	}
	recs := parseLogs(t, lg)
	if len(recs) != 3 {
		t.Fatalf("%d records, want 3:\n%s", len(recs), lg)
	}
	for i, r := range recs {
		wantStatus := 503
		if i == 2 {
			wantStatus = 200
		}
		if r.Level != "DEBUG" || r.Method != "GET" || r.Path != "/api/v2/ai-agents/v1/agents" || r.Attempt != i+1 || r.Status != wantStatus || r.Duration <= 0 {
			t.Errorf("record %d = %+v", i, r)
		}
		if r.RawRequestBody != nil || r.RawResponseBody != nil {
			t.Errorf("record %d logs a body without WithLogBodies", i)
		}
	}
	out := lg.String()
	for _, bad := range []string{"teamId", "Authorization", "Token ", testToken, "down"} {
		if strings.Contains(out, bad) {
			t.Errorf("log output contains %q", strings.ReplaceAll(bad, testToken, "<TOKEN>"))
		}
	}
}

func TestLogRecordsTransportError(t *testing.T) {
	srv := faultServer(t, "eof")
	c, lg, _ := newTestClient(t, srv.Server)
	_, err := c.Generated().RunAgentWithResponse(context.Background(), testAgent, nil, runBody())
	scanErr(err)
	recs := parseLogs(t, lg)
	if len(recs) != 1 || recs[0].Error == "" || recs[0].Status != 0 || recs[0].Path != "/api/v2/ai-agents/v1/agents/"+testAgent+"/run" {
		t.Fatalf("records = %+v", recs)
	}
}

// TestLogBodiesBounded: with WithLogBodies(n) the first n bytes of each
// body are logged, the caller still reads the whole response, and a token
// echoed in a body is redacted.
func TestLogBodiesBounded(t *testing.T) {
	respBody := `{"id":"` + testAgent + `","name":"` + strings.Repeat("n", 100) + `","echo":"` + testToken + `"}`
	srv := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, respBody) })
	c, lg, _ := newTestClient(t, srv.Server, WithLogBodies(24))
	name := strings.Repeat("m", 50)
	res, err := c.Generated().UpdateAgentWithResponse(context.Background(), testAgent, nil, UpdateAgentRequest{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	// The whole body, with the echoed token redacted on the way in.
	if want := strings.ReplaceAll(respBody, testToken, redactedMark); string(res.Body) != want {
		t.Fatalf("caller read %q, want the whole body", res.Body)
	}
	recs := parseLogs(t, lg)
	if len(recs) != 1 || recs[0].RawRequestBody == nil || recs[0].RawResponseBody == nil {
		t.Fatalf("records = %s", lg)
	}
	if got := *recs[0].RawRequestBody; got != `{"name":"mmmmmmmmmmmmmmm…(truncated)` {
		t.Errorf("request_body = %q", got)
	}
	if got := *recs[0].RawResponseBody; !strings.HasPrefix(got, `{"id":"3f2b1c4d-5e6f-4a7`) || !strings.HasSuffix(got, "…(truncated)") {
		t.Errorf("response_body = %q", got)
	}

	// A body short enough to log whole has the echoed token redacted.
	srv2 := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 401, `{"message":"bad token `+testToken+`"}`)
	})
	c2, lg2, _ := newTestClient(t, srv2.Server, WithLogBodies(1<<10))
	_, err = c2.Generated().ListAgentsWithResponse(context.Background(), nil)
	scanErr(err)
	if out := lg2.String(); strings.Contains(out, testToken) || !strings.Contains(out, redactedMark) {
		t.Errorf("echoed token not redacted in logs: %s", strings.ReplaceAll(out, testToken, "<TOKEN>"))
	}
}

func TestTrimSecretPrefix(t *testing.T) {
	r := redact.New(testToken)
	if got, _ := r.Cut("body "+testToken[:10], 100, true); got != "body "+redactedMark {
		t.Errorf("got %q", got)
	}
	if got, _ := r.Cut("body tok", 100, true); got != "body tok" {
		t.Errorf("a 3-byte overlap is not a leak, got %q", got)
	}
}

// TestLoggingDoesNotReadStreams: with bodies logged, an event-stream
// response is handed over before the server has sent any event.
func TestLoggingDoesNotReadStreams(t *testing.T) {
	release := make(chan struct{})
	srv := newServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		_, _ = io.WriteString(w, "event: step\ndata: {}\n\n")
	})
	c, lg, _ := newTestClient(t, srv.Server, WithLogBodies(1<<20))
	// A hang guard, not a timing assertion: a logger that waited for the
	// stream would deadlock with the server, and this deadline breaks it.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := c.Generated().RunAgentStream(ctx, testAgent, nil, runBody())
	if err != nil {
		close(release)
		t.Fatal(err)
	}
	close(release) // only now can the server send the event
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil || string(b) != "event: step\ndata: {}\n\n" {
		t.Fatalf("read %q, %v", b, err)
	}
	recs := parseLogs(t, lg)
	if len(recs) != 1 || recs[0].RawResponseBody != nil || recs[0].RawRequestBody == nil {
		t.Errorf("records = %s", lg)
	}
}

func TestLoggerBelowDebugLogsNothing(t *testing.T) {
	srv := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, `[]`) })
	lg := &logs{}
	c, _, _ := newTestClient(t, srv.Server, WithLogger(slog.New(slog.NewJSONHandler(lg, &slog.HandlerOptions{Level: slog.LevelInfo}))))
	if _, err := c.Generated().ListAgentsWithResponse(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if lg.String() != "" {
		t.Errorf("logged at info level: %s", lg)
	}
}
