package api

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"
)

// bottomOf returns the HTTP client at the bottom of New's pipeline.
func bottomOf(t *testing.T, c *Client) HttpRequestDoer {
	t.Helper()
	return c.pipe.http
}

// TestDefaultHTTPClient: no whole-request timeout; bounded dial, TLS and
// response-header phases.
func TestDefaultHTTPClient(t *testing.T) {
	c, err := New(WithoutEnvironment())
	if err != nil {
		t.Fatal(err)
	}
	hc, ok := bottomOf(t, c).(*http.Client)
	if !ok {
		t.Fatalf("bottom is %T", bottomOf(t, c))
	}
	tr := hc.Transport.(*http.Transport)
	defer tr.CloseIdleConnections()
	if hc.Timeout != 0 {
		t.Errorf("Timeout = %v, want none (it would cut streams)", hc.Timeout)
	}
	// The header timeouts are the pipeline's (one mechanism, for any
	// client), not the transport's.
	if tr.ResponseHeaderTimeout != 0 || tr.TLSHandshakeTimeout != DefaultTLSHandshakeTimeout || tr.DialContext == nil || tr.Proxy == nil {
		t.Errorf("transport = %+v", tr)
	}
}

// TestStreamThroughDefaultStack is what the sse package relies on, with the
// default transport: the raw RunAgentStream returns a 200 as soon as the
// headers arrive, unread, and the body yields each event as the server
// sends it, however long the gaps (the server waits for the test between
// events, so a whole-request timeout or a buffering layer would hang or
// fail here).
func TestStreamThroughDefaultStack(t *testing.T) {
	next := make(chan struct{}, 1)
	srv := newServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		rc := http.NewResponseController(w)
		for i := range 3 {
			select {
			case <-next:
			case <-r.Context().Done():
				return
			}
			_, _ = io.WriteString(w, "event: step\ndata: {\"n\":"+string(rune('0'+i))+"}\n\n")
			_ = rc.Flush()
		}
	})
	lg := &logs{}
	c, err := New(WithoutEnvironment(), WithBaseURL(srv.URL+"/api/v2"), WithToken(testToken), WithTeamID(1),
		WithLogger(newJSONLogger(lg)), WithLogBodies(1<<20))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bottomOf(t, c).(*http.Client).CloseIdleConnections)

	next <- struct{}{} // buffered: lets the server send the first event once the request arrives
	// A hang guard, not a timing assertion: a layer that buffered the body
	// would deadlock with the server, and this deadline breaks it.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := c.Generated().RunAgentStream(ctx, testAgent, nil, runBody())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	br := bufio.NewReader(resp.Body)
	for i := range 3 {
		if i > 0 {
			next <- struct{}{}
		}
		var ev string
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("event %d: %v", i, err)
			}
			if line == "\n" {
				break
			}
			ev += line
		}
		if want := "event: step\ndata: {\"n\":" + string(rune('0'+i)) + "}\n"; ev != want {
			t.Errorf("event %d = %q, want %q", i, ev, want)
		}
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Errorf("after the last event: %v, want EOF", err)
	}
}

// TestStreamErrorsAreAPIErrors: a non-2xx on the stream endpoint is a
// *APIError from the raw method too, and a 5xx stream POST is not retried.
func TestStreamErrorsAreAPIErrors(t *testing.T) {
	srv := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 500, makeErrorBody(500, "boom", ""))
	})
	c, _, _ := newTestClient(t, srv.Server)
	// A hang guard, not a timing assertion: a layer that buffered the body
	// would deadlock with the server, and this deadline breaks it.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := c.Generated().RunAgentStream(ctx, testAgent, nil, runBody())
	scanErr(err)
	var apiErr *APIError
	if resp != nil || !errors.As(err, &apiErr) || apiErr.StatusCode != 500 || apiErr.Message != "boom" {
		t.Fatalf("resp %v, err %v", resp, err)
	}
	if srv.count() != 1 {
		t.Errorf("server saw %d stream POSTs, want 1", srv.count())
	}
}
