package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// A token passed by mistake as an agent id reaches the server (a UUID
// passes validation) and so the request path: the call's event, which
// observers export to traces and logs, must not carry it, not in AgentID,
// nor in the call's error, nor in a retry's error (a server echoing the
// path in each answer).
func TestCallEventNeverCarriesTheToken(t *testing.T) {
	srv := newServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		status := http.StatusServiceUnavailable
		if n == 3 {
			status = http.StatusNotFound
		}
		writeJSON(w, status, fmt.Sprintf(`{"message":"no","detail":"nothing at %s","code":"SC%d"}`, r.URL.Path, status))
	})
	clock := &stepClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	var ev events
	opts := append(clock.options(), WithToken(uuidToken), WithRetry(RetryPolicy{MaxRetries: 2, BaseDelay: time.Second, MaxDelay: time.Second, MaxRetryAfter: time.Minute}), ev.option())
	c, _, _ := newTestClient(t, srv.Server, opts...)
	if _, err := c.GetAgent(context.Background(), uuidToken); err == nil {
		t.Fatal("GetAgent: no error, want the 404")
	}
	got := ev.got()
	if len(got) != 1 || len(got[0].Retries) != 2 {
		t.Fatalf("got %d events (%+v), want one with two retries", len(got), got)
	}
	e := got[0]
	texts := map[string]string{"AgentID": e.AgentID, "Err": e.Err.Error(), "event": fmt.Sprintf("%+v", e)}
	for i, r := range e.Retries {
		texts[fmt.Sprintf("Retries[%d].Err", i)] = r.Err.Error()
	}
	for what, text := range texts {
		if strings.Contains(text, uuidToken) {
			t.Errorf("the event's %s holds the token", what)
		}
	}
}

// An upload whose file fails although an answer came (here a middleware
// reads the whole body and answers 201 itself) returns the file's error:
// its call event must say the call failed, not succeeded.
func TestCallEventOfAnUploadWhoseFileFailed(t *testing.T) {
	srv := newServer(t, func(n int, w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) })
	var ev events
	answer := func(req *http.Request, next MiddlewareNext) (*http.Response, error) {
		_, _ = io.Copy(io.Discard, req.Body)
		return &http.Response{StatusCode: http.StatusCreated, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
	}
	c, _, _ := newTestClient(t, srv.Server, ev.option(), WithMiddleware(answer))
	fileErr := errors.New("disk on fire")
	err := c.UploadContext(context.Background(), testAgent, "a.txt", iotest.ErrReader(fileErr))
	if !errors.Is(err, fileErr) {
		t.Fatalf("UploadContext: %v, want the file's error", err)
	}
	got := ev.got()
	if len(got) != 1 || !errors.Is(got[0].Err, fileErr) {
		t.Fatalf("events %+v, want one whose Err is the file's error", got)
	}
}
