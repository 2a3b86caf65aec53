package sse_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/sse"
)

// streamExample returns the example body of runAgentStream's 200 response
// from openapi.yaml, and the schema its x-makeagents-sse-events names
// for step events, so the test follows the spec rather than a copy of it.
func streamExample(t *testing.T) (body, stepSchema string) {
	t.Helper()
	var spec struct {
		Paths map[string]struct {
			Post struct {
				Responses map[string]struct {
					Content map[string]struct {
						Example   string            `yaml:"example"`
						SSEEvents map[string]string `yaml:"x-makeagents-sse-events"`
					} `yaml:"content"`
				} `yaml:"responses"`
			} `yaml:"post"`
		} `yaml:"paths"`
	}
	data, err := os.ReadFile(filepath.Join("..", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	c := spec.Paths["/ai-agents/v1/agents/{agentId}/run/stream"].Post.Responses["200"].Content["text/event-stream"]
	if c.Example == "" {
		t.Fatal("openapi.yaml: runAgentStream 200 has no text/event-stream example")
	}
	return c.Example, c.SSEEvents["step"]
}

func TestDocumentedExampleEvent(t *testing.T) {
	example, stepSchema := streamExample(t)
	if stepSchema != "#/components/schemas/Step" {
		t.Fatalf("x-makeagents-sse-events step = %q, want the Step schema", stepSchema)
	}
	var gotReq struct {
		method, path, query, accept, contentType string
		body                                     api.RunAgentRequest
	}
	srv := newSSEServer(t, func(w io.Writer, r *http.Request) {
		gotReq.method, gotReq.path, gotReq.query = r.Method, r.URL.Path, r.URL.RawQuery
		gotReq.accept, gotReq.contentType = r.Header.Get("Accept"), r.Header.Get("Content-Type")
		_ = json.NewDecoder(r.Body).Decode(&gotReq.body)
		writeString(w, example)
	})
	st := srv.run(t, context.Background())
	evs, err := events(st)
	if err != nil {
		t.Fatalf("Err = %v, want a clean end", err)
	}
	if gotReq.method != http.MethodPost || gotReq.path != "/api/v2/ai-agents/v1/agents/"+testAgentID+"/run/stream" ||
		gotReq.query != "teamId=7" || gotReq.accept != "text/event-stream" || gotReq.contentType != "application/json" {
		t.Errorf("request = %+v", gotReq)
	}
	if len(gotReq.body.Messages) != 1 || gotReq.body.Messages[0] != testRequest().Messages[0] {
		t.Errorf("request body = %+v", gotReq.body)
	}
	if len(evs) != 1 {
		t.Fatalf("got %d events, want 1: %+v", len(evs), summarize(evs))
	}
	ev := evs[0]
	if ev.Type != "step" || ev.ID != "4ebb9c59-ab75-41d5-8146-7407ce71f484" {
		t.Errorf("event = %+v", summarize(evs)[0])
	}
	step, err := ev.Step()
	if err != nil {
		t.Fatal(err)
	}
	if step.Role != api.StepRoleSystem || step.Content != "do what user says\nCurrent time (ISO): 2025-06-26T01:42:30.080-06:00" ||
		step.ID != "445431dd-c20e-4a58-a043-ca9c131d4010" || step.AgentIterationID != "a132ced5-4afd-4444-ac9d-330cc99c4986" {
		t.Errorf("step = %+v", step)
	}
	if n := srv.requests.Load(); n != 1 {
		t.Errorf("server saw %d requests, want 1", n)
	}
}

// The same two events, with a comment, a multi-line data field, an id, a
// retry and an event without an event field, written with each of the three
// line endings the SSE standard allows.
func TestLineEndings(t *testing.T) {
	const lf = ": keep-alive comment\n" +
		"event: step\nid: 1\nretry: 1500\ndata: {\"role\":\"user\",\ndata:  \"content\":\"hi\"}\n\n" +
		":another\n\n\n" +
		"data:plain\ndata\n\n"
	want := []summary{
		{"step", "1", "{\"role\":\"user\",\n \"content\":\"hi\"}"},
		{"message", "", "plain\n"},
	}
	for name, body := range map[string]string{
		"LF":    lf,
		"CRLF":  strings.ReplaceAll(lf, "\n", "\r\n"),
		"CR":    strings.ReplaceAll(lf, "\n", "\r"),
		"mixed": mixEndings(lf),
	} {
		t.Run(name, func(t *testing.T) {
			srv := newSSEServer(t, func(w io.Writer, r *http.Request) { writeString(w, body) })
			evs, err := events(srv.run(t, context.Background()))
			if err != nil {
				t.Fatal(err)
			}
			if got := summarize(evs); !reflect.DeepEqual(got, want) {
				t.Fatalf("events = %q\nwant     %q", got, want)
			}
			if evs[0].Retry != 1500*time.Millisecond {
				t.Errorf("Retry = %v, want 1.5s", evs[0].Retry)
			}
		})
	}
}

// mixEndings replaces the LFs of s with CRLF, CR and LF in turn.
func mixEndings(s string) string {
	lines := strings.Split(s, "\n")
	var b strings.Builder
	for i, l := range lines {
		b.WriteString(l)
		if i < len(lines)-1 {
			b.WriteString([]string{"\r\n", "\r", "\n"}[i%3])
		}
	}
	return b.String()
}

// Every byte in its own chunk, so that a CRLF is split between two reads and
// every line is assembled across many.
func TestEventsSplitAcrossOneByteWrites(t *testing.T) {
	const body = "event: step\r\nid: a\r\ndata: {\"role\":\"assistant\",\"content\":\"x\"}\r\n\r\n" +
		": c\r\rdata: second\rdata: line\r\r"
	srv := newSSEServer(t, func(w io.Writer, r *http.Request) {
		for i := range len(body) {
			if !writeString(w, body[i:i+1]) {
				return
			}
		}
	})
	evs, err := events(srv.run(t, context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	want := []summary{{"step", "a", `{"role":"assistant","content":"x"}`}, {"message", "", "second\nline"}}
	if got := summarize(evs); !reflect.DeepEqual(got, want) {
		t.Fatalf("events = %q\nwant     %q", got, want)
	}
}

// The server sends event 2 only after the client has seen event 1. If the
// stream waited for more bytes before handing out event 1 (read-ahead,
// buffering), neither side would move and ctx would end the test with an
// error instead of event 2.
func TestFirstEventArrivesBeforeMoreData(t *testing.T) {
	seen := make(chan struct{})
	srv := newSSEServer(t, func(w io.Writer, r *http.Request) {
		writeString(w, "event: step\ndata: 1\n\n")
		select {
		case <-seen:
		case <-r.Context().Done():
			return
		}
		writeString(w, "event: step\ndata: 2\n\n")
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st := srv.run(t, ctx)
	defer st.Close()
	if !st.Next() || string(st.Event().Data) != "1" {
		t.Fatalf("first Next: event %q, err %v", st.Event().Data, st.Err())
	}
	close(seen)
	if !st.Next() || string(st.Event().Data) != "2" {
		t.Fatalf("second Next: event %q, err %v", st.Event().Data, st.Err())
	}
	if st.Next() {
		t.Fatalf("unexpected third event %q", st.Event().Data)
	}
	if err := st.Err(); err != nil {
		t.Fatalf("Err = %v", err)
	}
}

func TestEventsWithoutDataAreNotDispatched(t *testing.T) {
	srv := newSSEServer(t, func(w io.Writer, r *http.Request) {
		writeString(w, "event: step\nid: 1\n\n"+ // no data: not dispatched
			"event: ping\n\n"+ // no data
			"data:\n\n"+ // one empty data line: dispatched with empty data
			"event: usage\ndata: {\"tokens\":3}\n\n"+ // unknown type: passed through
			"retry: 10\n\n"+
			"datum: x\ndata2: y\n\n"+ // not data fields
			"data: last\n\n")
	})
	evs, err := events(srv.run(t, context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	want := []summary{{"message", "", ""}, {"usage", "", `{"tokens":3}`}, {"message", "", "last"}}
	if got := summarize(evs); !reflect.DeepEqual(got, want) {
		t.Fatalf("events = %q\nwant     %q", got, want)
	}
}

// An error event in Make's validation-error shape (detail as an array of
// strings), sent as the last event without a closing blank line, ends the
// stream with its message, code and every detail.
func TestErrorEventWithDetailArray(t *testing.T) {
	srv := newSSEServer(t, func(w io.Writer, r *http.Request) {
		writeString(w, "event: step\ndata: {\"role\":\"user\",\"content\":\"hi\"}\n\n")
		writeString(w, `event:error`+"\n"+`data:{"code":"SC400","message":"Invalid input parameters","detail":["Validation failed for 1 parameter(s).","messages must not be empty"]}`+"\n")
	})
	evs, err := events(srv.run(t, context.Background()))
	var se *sse.ServerError
	if len(evs) != 1 || !errors.As(err, &se) {
		t.Fatalf("%d events, Err = %v; want one step, then a *sse.ServerError", len(evs), err)
	}
	if se.Code != "SC400" || se.Message != "Invalid input parameters" ||
		!reflect.DeepEqual(se.Details, []string{"Validation failed for 1 parameter(s).", "messages must not be empty"}) ||
		se.Detail != "Validation failed for 1 parameter(s).; messages must not be empty" {
		t.Fatalf("ServerError = %+v", se)
	}
}

func TestErrorEventEndsStreamWithServerError(t *testing.T) {
	srv := newSSEServer(t, func(w io.Writer, r *http.Request) {
		writeString(w, "event: step\ndata: {\"role\":\"user\",\"content\":\"hi\"}\n\n")
		writeString(w, "event: error\nid: e1\ndata: {\"message\":\"Rate limit\",\"detail\":\"Too many runs.\",\"code\":\"IM017\"}\n\n")
		// Anything after the error event must not be delivered.
		writeString(w, "event: step\ndata: {}\n\n")
	})
	evs, err := events(srv.run(t, context.Background()))
	if len(evs) != 1 || evs[0].Type != "step" {
		t.Fatalf("events = %q, want only the first step", summarize(evs))
	}
	var se *sse.ServerError
	if !errors.As(err, &se) {
		t.Fatalf("Err = %v (%T), want *sse.ServerError", err, err)
	}
	if se.Message != "Rate limit" || se.Detail != "Too many runs." || se.Code != "IM017" || se.EventID != "e1" {
		t.Errorf("ServerError = %+v", se)
	}
	if got := err.Error(); got != "sse: server sent an error event: Rate limit: Too many runs. (IM017)" {
		t.Errorf("Error() = %q", got)
	}
}

func TestTruncatedMidLine(t *testing.T) {
	for name, tail := range map[string]string{
		"partial first line":         "data: {\"role\":\"assis",
		"partial field name":         "ev",
		"data then partial":          "data: a\nid: 1",
		"partial line after CR":      "data: a\rdata: b",
		"partial comment in event":   "data: a\n: half a comm",
		"event field, partial data":  "event: step\ndata: {}",
		"complete id, partial event": "id: 1\nevent: st",
	} {
		t.Run(name, func(t *testing.T) {
			srv := newSSEServer(t, func(w io.Writer, r *http.Request) {
				writeString(w, "data: complete\n\n")
				writeString(w, tail)
			})
			evs, err := events(srv.run(t, context.Background()))
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("Err = %v, want io.ErrUnexpectedEOF", err)
			}
			if got := summarize(evs); !reflect.DeepEqual(got, []summary{{"message", "", "complete"}}) {
				t.Errorf("events = %q, want the complete event only", got)
			}
			if n := srv.requests.Load(); n != 1 {
				t.Errorf("server saw %d requests, want 1: a stream is never re-sent", n)
			}
		})
	}
	// Between events, or after the last complete line of an event, the end
	// of the body is the normal end of a run. A final event whose lines all
	// ended is dispatched without its blank line; one without a data line is
	// not dispatched, as anywhere else in the stream.
	complete := summary{"message", "", "complete"}
	for name, tc := range map[string]struct {
		tail string
		want []summary
	}{
		"after blank line":              {"", nil},
		"trailing comment":              {": bye", nil},
		"trailing comment with line":    {": bye\n", nil},
		"trailing blank lines":          {"\n\n\r\n", nil},
		"last event, LF, no blank":      {"event: step\ndata: {}\n", []summary{{"step", "", "{}"}}},
		"last event, CRLF, no blank":    {"event: step\r\nid: 7\r\ndata: {}\r\n", []summary{{"step", "7", "{}"}}},
		"last event, CR, no blank":      {"data: a\rdata: b\r", []summary{{"message", "", "a\nb"}}},
		"last event, comment after":     {"data: x\n: bye\n", []summary{{"message", "", "x"}}},
		"last event without data":       {"event: step\n", nil},
		"last event, id only, CRLF":     {"id: 9\r\n", nil},
		"last event, empty data line":   {"data\n", []summary{{"message", "", ""}}},
		"last event after blank events": {"\n\ndata: y\n", []summary{{"message", "", "y"}}},
	} {
		t.Run("clean "+name, func(t *testing.T) {
			srv := newSSEServer(t, func(w io.Writer, r *http.Request) {
				writeString(w, "data: complete\n\n"+tc.tail)
			})
			evs, err := events(srv.run(t, context.Background()))
			want := append([]summary{complete}, tc.want...)
			if got := summarize(evs); err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("events %q, Err = %v; want %q and a clean end", got, err, want)
			}
		})
	}
}

// Make's documented stream, verbatim from its published OpenAPI (the
// text/event-stream example of POST /ai-agents/v1/agents/{agentId}/run/stream):
// one step event, its data on one line, ended by a single LF and no blank
// line. It is one event and a clean end, delivered in one write or byte by
// byte.
func TestMakeDocumentedStream(t *testing.T) {
	const data = `{"role":"system","content":"do what user says\nCurrent time (ISO): 2025-06-26T01:42:30.080-06:00","id":"445431dd-c20e-4a58-a043-ca9c131d4010","agentIterationId":"a132ced5-4afd-4444-ac9d-330cc99c4986"}`
	const doc = "event:step\nid:4ebb9c59-ab75-41d5-8146-7407ce71f484\ndata:" + data + "\n"
	for _, bytewise := range []bool{false, true} {
		srv := newSSEServer(t, func(w io.Writer, r *http.Request) {
			if !bytewise {
				writeString(w, doc)
				return
			}
			for i := range len(doc) {
				writeString(w, doc[i:i+1])
			}
		})
		st := srv.run(t, context.Background())
		evs, err := events(st)
		if err != nil || len(evs) != 1 {
			t.Fatalf("bytewise=%v: %d events, Err = %v; want one event and a clean end", bytewise, len(evs), err)
		}
		e := evs[0]
		if e.Type != "step" || e.ID != "4ebb9c59-ab75-41d5-8146-7407ce71f484" || string(e.Data) != data {
			t.Fatalf("bytewise=%v: event %+v", bytewise, e)
		}
		if _, err := e.Step(); err != nil {
			t.Fatalf("bytewise=%v: Step() = %v", bytewise, err)
		}
		if st.Next() || st.Err() != nil {
			t.Fatalf("bytewise=%v: after the end Next = true or Err = %v", bytewise, st.Err())
		}
		if n := srv.requests.Load(); n != 1 {
			t.Fatalf("server saw %d requests, want 1", n)
		}
	}
}

// A connection that dies without the chunked terminator is a broken stream
// even between events: launchdarkly's Decoder would report it as a clean EOF.
func TestConnectionCutIsAnError(t *testing.T) {
	srv := newSSEServer(t, func(w io.Writer, r *http.Request) {
		writeString(w, "data: one\n\n")
		conn, _, err := http.NewResponseController(w.(flushWriter).w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		conn.Close()
	})
	evs, err := events(srv.run(t, context.Background()))
	if err == nil || len(evs) != 1 {
		t.Fatalf("events %q, Err = %v; want one event and an error", summarize(evs), err)
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("Err = %v, want it to wrap io.ErrUnexpectedEOF", err)
	}
}

func TestMaxEventSizeBoundary(t *testing.T) {
	// "data: " + 24 bytes + "\n" + "\n" = 32 bytes on the wire.
	ev := "data: " + strings.Repeat("x", 24) + "\n\n"
	for _, tc := range []struct {
		name   string
		max    int
		body   string
		events int
		tooBig bool
	}{
		{"exactly the limit", 32, ev + ev, 2, false},
		{"one byte over", 31, ev, 0, true},
		{"comment lines do not add up", 32, strings.Repeat(": c\n", 20) + ev, 1, false},
		{"a long comment line counts while it is read", 64, ": " + strings.Repeat("c", 100) + "\n" + ev, 0, true},
		{"split into many lines", 64, strings.Repeat("data: x\n", 9) + "\n", 0, true},
		{"event and id lines count", 32, "event: " + strings.Repeat("e", 20) + "\nid: 1234\ndata: x\n\n", 0, true},
		{"CRLF counts as one byte", 32, strings.ReplaceAll(ev, "\n", "\r\n"), 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newSSEServer(t, func(w io.Writer, r *http.Request) { writeString(w, tc.body) })
			evs, err := events(srv.run(t, context.Background(), sse.WithMaxEventSize(tc.max)))
			if len(evs) != tc.events || errors.Is(err, sse.ErrEventTooLarge) != tc.tooBig {
				t.Fatalf("got %d events, Err = %v; want %d events, too large %v", len(evs), err, tc.events, tc.tooBig)
			}
			if !tc.tooBig && err != nil {
				t.Fatalf("Err = %v", err)
			}
		})
	}
}

func TestIdleTimeout(t *testing.T) {
	srv := newSSEServer(t, func(w io.Writer, r *http.Request) {
		writeString(w, "data: 1\n\n")
		<-r.Context().Done() // then silence, until the client gives up
	})
	// Generous, so that a loaded machine still delivers event 1 in time.
	st := srv.run(t, context.Background(), sse.WithIdleTimeout(200*time.Millisecond))
	defer st.Close()
	if !st.Next() {
		t.Fatalf("Next = false, Err = %v", st.Err())
	}
	if st.Next() {
		t.Fatal("Next = true after the server went silent")
	}
	if err := st.Err(); !errors.Is(err, sse.ErrIdleTimeout) {
		t.Fatalf("Err = %v, want ErrIdleTimeout", err)
	}
}

// The idle timeout measures the server's silence, not the caller's: time
// spent between calls to Next, while the next event is already on its way,
// does not count.
func TestIdleTimeoutIgnoresSlowConsumer(t *testing.T) {
	const idle = 50 * time.Millisecond
	srv := newSSEServer(t, func(w io.Writer, r *http.Request) {
		writeString(w, "data: 1\n\ndata: 2\n\n"+strings.Repeat(": padding so the reader blocks on a send\n", 200)+"data: 3\n\n")
	})
	st := srv.run(t, context.Background(), sse.WithIdleTimeout(idle))
	defer st.Close()
	n := 0
	for st.Next() {
		n++
		time.Sleep(3 * idle) // the slow consumer under test, not synchronisation
	}
	if err := st.Err(); err != nil || n != 3 {
		t.Fatalf("read %d events, Err = %v; want 3 and a clean end", n, err)
	}
}

func TestCancelUnblocksNext(t *testing.T) {
	srv := newSSEServer(t, func(w io.Writer, r *http.Request) {
		writeString(w, "data: 1\n\n")
		<-r.Context().Done()
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := srv.run(t, ctx)
	defer st.Close()
	if !st.Next() {
		t.Fatal(st.Err())
	}
	done := make(chan bool)
	go func() { done <- st.Next() }()
	cancel()
	if <-done {
		t.Fatal("Next = true after cancel")
	}
	if err := st.Err(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Err = %v, want context.Canceled", err)
	}
}

func TestCloseFromAnotherGoroutine(t *testing.T) {
	srv := newSSEServer(t, func(w io.Writer, r *http.Request) {
		writeString(w, "data: 1\n\n")
		<-r.Context().Done()
	})
	st := srv.run(t, context.Background())
	if !st.Next() {
		t.Fatal(st.Err())
	}
	done := make(chan bool)
	go func() { done <- st.Next() }()
	var wg sync.WaitGroup
	for range 3 { // Close is idempotent and safe to race with itself
		wg.Go(func() { _ = st.Close() })
	}
	wg.Wait()
	if <-done {
		t.Fatal("Next = true after Close")
	}
	if err := st.Err(); !errors.Is(err, sse.ErrClosed) {
		t.Fatalf("Err = %v, want ErrClosed", err)
	}
	if st.Next() {
		t.Fatal("Next = true on a closed stream")
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestCloseAfterCleanEndKeepsNilErr(t *testing.T) {
	srv := newSSEServer(t, func(w io.Writer, r *http.Request) { writeString(w, "data: 1\n\n") })
	st := srv.run(t, context.Background())
	if _, err := events(st); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if err := st.Err(); err != nil {
		t.Fatalf("Err after Close of a finished stream = %v, want nil", err)
	}
}

func TestAll(t *testing.T) {
	srv := newSSEServer(t, func(w io.Writer, r *http.Request) {
		writeString(w, "data: 1\n\ndata: 2\n\ndata: 3")
	})
	var got []string
	var gotErr error
	for ev, err := range srv.run(t, context.Background()).All() {
		if err != nil {
			gotErr = err
			continue
		}
		got = append(got, string(ev.Data))
	}
	if !reflect.DeepEqual(got, []string{"1", "2"}) || !errors.Is(gotErr, io.ErrUnexpectedEOF) {
		t.Fatalf("All yielded %q then %v; want 1, 2 then io.ErrUnexpectedEOF", got, gotErr)
	}

	// Leaving the loop early closes the stream (goleak in TestMain checks
	// that the decoder's goroutine is gone).
	srv2 := newSSEServer(t, func(w io.Writer, r *http.Request) {
		writeString(w, "data: 1\n\n")
		<-r.Context().Done()
	})
	st := srv2.run(t, context.Background())
	for range st.All() {
		break
	}
	if err := st.Err(); !errors.Is(err, sse.ErrClosed) {
		t.Fatalf("Err after break = %v, want ErrClosed", err)
	}
}

func TestNon2xxIsAPIError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, `{"message":"Permission denied","detail":"Access denied.","code":"SC403"}`)
	}))
	defer srv.Close()
	c := testClient(t, srv.URL+"/api/v2", srv.Client(), api.WithToken("secret-token-value"))
	st, err := sse.Run(context.Background(), c, testAgentID, testRequest())
	if st != nil {
		t.Fatal("got a stream for a 403")
	}
	var apiErr *api.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v (%T), want *api.APIError", err, err)
	}
	if apiErr.StatusCode != 403 || apiErr.Code != "SC403" || apiErr.Message != "Permission denied" || apiErr.Detail != "Access denied." {
		t.Errorf("APIError = %+v", apiErr)
	}
	if strings.Contains(err.Error(), "secret-token-value") {
		t.Errorf("error leaks the token: %v", err)
	}
}

// A doer that already turns non-2xx into an error (as the SDK's own client
// may) gets its error passed through, still reachable with errors.As.
func TestDoerErrorIsWrapped(t *testing.T) {
	want := &api.APIError{StatusCode: 500, Message: "boom"}
	doer := doerFunc(func(*http.Request) (*http.Response, error) { return nil, want })
	c := testClient(t, "http://127.0.0.1:1/api/v2", doer)
	_, err := sse.Run(context.Background(), c, testAgentID, testRequest())
	var got *api.APIError
	if !errors.As(err, &got) || got != want {
		t.Fatalf("err = %v, want it to wrap the doer's *api.APIError", err)
	}
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

func TestWrongContentType(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<html>please log in</html>")
	}))
	defer srv.Close()
	c := testClient(t, srv.URL, srv.Client())
	_, err := sse.Run(context.Background(), c, testAgentID, testRequest())
	var cte *sse.ContentTypeError
	if !errors.As(err, &cte) || cte.ContentType != "text/html; charset=utf-8" || cte.StatusCode != 200 {
		t.Fatalf("err = %v, want *sse.ContentTypeError naming text/html", err)
	}
	if !strings.Contains(err.Error(), "text/html") {
		t.Errorf("error does not name the content type: %v", err)
	}
}

func TestNewStreamClosesBodyOnRejection(t *testing.T) {
	for name, resp := range map[string]*http.Response{
		"wrong type": {StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}},
		"no type":    {StatusCode: 200, Header: http.Header{}},
		"404":        {StatusCode: 404, Header: http.Header{"Content-Type": {"application/json"}}},
	} {
		t.Run(name, func(t *testing.T) {
			body := &closeRecorder{Reader: strings.NewReader(`{"message":"Not found"}`)}
			resp.Body = body
			st, err := sse.NewStream(context.Background(), resp)
			if err == nil || st != nil {
				t.Fatalf("NewStream = %v, %v; want an error", st, err)
			}
			if !body.closed {
				t.Error("body not closed")
			}
		})
	}
	// Parameters on the media type are fine.
	resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/event-stream; charset=utf-8"}},
		Body: io.NopCloser(strings.NewReader("data: ok\n\n"))}
	st, err := sse.NewStream(context.Background(), resp)
	if err != nil {
		t.Fatal(err)
	}
	if evs, err := events(st); err != nil || len(evs) != 1 {
		t.Fatalf("events %q, err %v", summarize(evs), err)
	}
}

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestBadInputSendsNoRequest(t *testing.T) {
	srv := newSSEServer(t, func(w io.Writer, r *http.Request) {})
	c := srv.client(t)
	for name, call := range map[string]func() error{
		"empty agent id": func() error {
			_, err := sse.Run(context.Background(), c, "", testRequest())
			return err
		},
		"path in agent id": func() error {
			_, err := sse.Run(context.Background(), c, "../agents", testRequest())
			return err
		},
		"no messages": func() error {
			_, err := sse.Run(context.Background(), c, testAgentID, api.RunAgentRequest{})
			return err
		},
		"empty content": func() error {
			_, err := sse.Run(context.Background(), c, testAgentID,
				api.RunAgentRequest{Messages: []api.Message{{Role: "user", Content: " "}}})
			return err
		},
	} {
		if err := call(); !api.IsValidationError(err) {
			t.Errorf("%s: err = %v, want a validation error", name, err)
		}
	}
	if n := srv.requests.Load(); n != 0 {
		t.Fatalf("server saw %d requests, want none", n)
	}
}

// A ctx that is already done when the stream is made fires its callback at
// once, on another goroutine, racing newStream's own setup; -race caught
// that in the CLI's Ctrl-C test. The stream must still end with ctx's error.
func TestAlreadyCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 200 {
		pr, pw := io.Pipe()
		resp := &http.Response{
			StatusCode: 200,
			Header:     http.Header{"Content-Type": {"text/event-stream"}},
			Body:       pr,
		}
		st, err := sse.NewStream(ctx, resp)
		if err != nil {
			t.Fatal(err)
		}
		if st.Next() {
			t.Fatal("Next = true on a cancelled stream")
		}
		if err := st.Err(); !errors.Is(err, context.Canceled) {
			t.Fatalf("Err = %v, want context.Canceled", err)
		}
		_ = st.Close()
		_ = pw.Close()
	}
}
