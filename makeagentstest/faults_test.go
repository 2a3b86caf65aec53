package makeagentstest_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
)

// TestFailNext: the next n requests fail with the status, Make's body and
// Retry-After; the one after is served normally, and the failed ones had no
// effect.
func TestFailNext(t *testing.T) {
	s := makeagentstest.NewServer(t)
	c := newClient(t, s)
	ctx := context.Background()
	s.FailNext(2, http.StatusServiceUnavailable, 1500*time.Millisecond)
	for i := range 2 {
		res, err := c.CreateAgentWithResponse(ctx, &api.CreateAgentParams{TeamID: team}, api.CreateAgentRequest{
			Name: "n", TeamID: team, MakeConnectionID: 1001, DefaultModel: "gpt-4.1-mini", SystemPrompt: "p",
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode() != 503 || errorBody(t, res.Body).Code != "SC503" {
			t.Fatalf("request %d: status %d body %s, want 503 SC503", i+1, res.StatusCode(), res.Body)
		}
		if got := res.HTTPResponse.Header.Get("Retry-After"); got != "2" {
			t.Errorf("Retry-After %q, want 2 (1.5 s rounded up)", got)
		}
	}
	if n := len(s.Agents(team)); n != 0 {
		t.Fatalf("failed creates stored %d agents", n)
	}
	createAgent(t, c, "third", "p")

	// Retry-After is left out when not asked for; ResetFaults cancels.
	s.FailNext(5, http.StatusInternalServerError, 0)
	res, _ := c.ListAgentsWithResponse(ctx, &api.ListAgentsParams{TeamID: team})
	if res.StatusCode() != 500 || res.HTTPResponse.Header.Get("Retry-After") != "" {
		t.Errorf("status %d Retry-After %q", res.StatusCode(), res.HTTPResponse.Header.Get("Retry-After"))
	}
	s.ResetFaults()
	if res, _ := c.ListAgentsWithResponse(ctx, &api.ListAgentsParams{TeamID: team}); res.StatusCode() != 200 {
		t.Errorf("after ResetFaults: status %d", res.StatusCode())
	}
}

func TestFailNextRejectsSuccessStatus(t *testing.T) {
	s := makeagentstest.NewServer(t)
	defer func() {
		if recover() == nil {
			t.Error("FailNext(1, 200, 0) did not panic")
		}
	}()
	s.FailNext(1, http.StatusOK, 0)
}

// streamWith starts a server with the faults and returns the raw stream of
// a run on it.
func streamWith(t *testing.T, faults ...makeagentstest.StreamFault) (*makeagentstest.Server, *http.Response) {
	t.Helper()
	s := makeagentstest.NewServer(t)
	id := createAgent(t, newClient(t, s), "faulty", "p")
	s.StreamFaults(faults...)
	return s, streamRequest(context.Background(), t, s, id, runBody)
}

func TestEndStreamAfter(t *testing.T) {
	_, resp := streamWith(t, makeagentstest.EndStreamAfter(1))
	events, rest, err := readAll(resp.Body)
	if err != nil || len(rest) != 0 || len(events) != 1 {
		t.Fatalf("%d events, rest %q, err %v; want exactly 1 event and a clean end", len(events), rest, err)
	}
}

func TestCutStreamMidEvent(t *testing.T) {
	_, resp := streamWith(t, makeagentstest.CutStreamMidEvent(1))
	events, rest, err := readAll(resp.Body)
	if err != nil {
		t.Fatalf("the HTTP body should end cleanly, got %v", err)
	}
	if len(events) != 1 || len(rest) == 0 || bytes.Contains(rest, []byte("\n\n")) || !bytes.HasPrefix(rest, []byte("event:step\n")) {
		t.Fatalf("%d events, rest %q; want 1 event then the start of another", len(events), rest)
	}
}

func TestMalformedEvent(t *testing.T) {
	_, resp := streamWith(t, makeagentstest.MalformedEvent(1))
	events, _, err := readAll(resp.Body)
	if err != nil || len(events) != 4 {
		t.Fatalf("%d events, %v; want the 3 of the run plus the malformed one", len(events), err)
	}
	if json.Valid([]byte(events[1].Data)) || events[1].Type != "step" {
		t.Errorf("event 2 %+v: want a step whose data is not JSON", events[1])
	}
	for _, i := range []int{0, 2, 3} {
		decodeStep(t, events[i].Data)
	}
}

func TestOversizeEvent(t *testing.T) {
	const size = 1 << 20
	_, resp := streamWith(t, makeagentstest.OversizeEvent(2, size))
	events, _, err := readAll(resp.Body)
	if err != nil || len(events) != 4 {
		t.Fatalf("%d events, %v", len(events), err)
	}
	if n := len(events[2].Data); n < size {
		t.Fatalf("event 3 data is %d bytes, want at least %d", n, size)
	}
	if st := decodeStep(t, events[2].Data); st.Role != "assistant" {
		t.Errorf("oversize event role %q", st.Role)
	}
}

// TestStallStream: after k events nothing more comes; the stream ends only
// when the server closes (or the client gives up, see
// TestStallStreamEndsWithClient). Had the fake not stalled, the rest of the
// run would be read here before the end.
func TestStallStream(t *testing.T) {
	s, resp := streamWith(t, makeagentstest.StallStream(1))
	br := bufio.NewReader(resp.Body)
	if _, _, err := nextEvent(br); err != nil {
		t.Fatal(err)
	}
	go s.Close() // ends the stall; the read below sees what came after
	events, rest, err := readAll(br)
	if len(events) != 0 || len(rest) != 0 {
		t.Fatalf("after the stall: %d events, %q", len(events), rest)
	}
	// Close may end the body cleanly or cut the connection; both are fine.
	_ = err
}

func TestStallStreamEndsWithClient(t *testing.T) {
	s := makeagentstest.NewServer(t)
	id := createAgent(t, newClient(t, s), "stalled", "p")
	s.StreamFaults(makeagentstest.StallStream(0))
	ctx, cancel := context.WithCancel(context.Background())
	resp := streamRequest(ctx, t, s, id, runBody)
	read := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(resp.Body)
		read <- err
	}()
	cancel()
	if err := <-read; !errors.Is(err, context.Canceled) {
		t.Fatalf("read after cancel: %v, want context.Canceled", err)
	}
	// Close returns only once the server's stream goroutine has ended, so
	// it must not hang on the stalled stream either.
	s.Close()
}

func TestDropConnection(t *testing.T) {
	s, resp := streamWith(t, makeagentstest.DropConnection(2))
	events, _, err := readAll(resp.Body)
	if len(events) != 2 || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("%d events, err %v; want 2 events then an unexpected EOF", len(events), err)
	}
	s.Close()
	if log := s.Requests(); log[len(log)-1].Operation != "runAgentStream" || log[len(log)-1].Status != 200 {
		t.Errorf("dropped stream logged as %+v", log[len(log)-1])
	}
}

// TestStreamFaultsCombineAndReset: faults at different positions combine;
// StreamFaults() with none, or ResetFaults, restores normal streams.
func TestStreamFaultsCombineAndReset(t *testing.T) {
	s := makeagentstest.NewServer(t)
	id := createAgent(t, newClient(t, s), "combo", "p")
	count := func() int {
		events, _, _ := readAll(streamRequest(context.Background(), t, s, id, runBody).Body)
		return len(events)
	}
	s.StreamFaults(makeagentstest.MalformedEvent(0), makeagentstest.EndStreamAfter(2))
	if n := count(); n != 3 {
		t.Errorf("malformed at 0 + end after 2: %d events, want 3", n)
	}
	s.StreamFaults()
	if n := count(); n != 3 {
		t.Errorf("no faults: %d events, want 3", n)
	}
	s.StreamFaults(makeagentstest.EndStreamAfter(0))
	if n := count(); n != 0 {
		t.Errorf("end after 0: %d events", n)
	}
	s.ResetFaults()
	if n := count(); n != 3 {
		t.Errorf("after ResetFaults: %d events, want 3", n)
	}
}
