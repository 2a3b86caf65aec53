package sse_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/launchdarkly/eventsource"
	"go.uber.org/goleak"

	"github.com/makeagents/makeagents-go/sse"
)

// verifyNoLeaks registers, before anything else, a cleanup that runs after
// the test's servers are closed and fails the test if a goroutine is left.
func verifyNoLeaks(t *testing.T) {
	t.Helper()
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

// keepOpen sends one event and then holds the connection open until the
// client goes away, the shape of a long agent run.
func keepOpen(w io.Writer, r *http.Request) {
	writeString(w, "event: step\ndata: {\"role\":\"user\",\"content\":\"hi\"}\n\n")
	<-r.Context().Done()
}

// The control experiment: launchdarkly's Decoder alone leaks its goroutine
// when the reader stops before EOF, even once the body is closed. This is
// what the tests below would catch if the sse package stopped draining it.
func TestBareDecoderLeaksWithoutDrain(t *testing.T) {
	before := goleak.IgnoreCurrent()
	pr, pw := io.Pipe()
	go func() { _, _ = io.WriteString(pw, "data: 1\n\ndata: 2\n\n") }()
	dec := eventsource.NewDecoder(pr)
	if _, err := dec.Decode(); err != nil {
		t.Fatal(err)
	}
	_ = pr.Close()
	err := goleak.Find(before)
	if err == nil || !strings.Contains(err.Error(), "eventsource.newLineStreamChannel") {
		t.Fatalf("goleak.Find = %v; want it to report launchdarkly's decoder goroutine (fixed upstream?)", err)
	}
	// Now clean up the way the sse package does: drain to the error.
	for {
		if _, err := dec.Decode(); err != nil {
			break
		}
	}
}

func TestNoLeakAfter100AbandonedStreams(t *testing.T) {
	verifyNoLeaks(t)
	srv := newSSEServer(t, keepOpen)
	for range 100 {
		st := srv.run(t, context.Background())
		if !st.Next() {
			t.Fatal(st.Err())
		}
		st.Close()
	}
	srv.Close()
}

func TestNoLeakAfterCancelWithoutClose(t *testing.T) {
	verifyNoLeaks(t)
	srv := newSSEServer(t, keepOpen)
	for range 20 {
		ctx, cancel := context.WithCancel(context.Background())
		st := srv.run(t, ctx)
		if !st.Next() {
			t.Fatal(st.Err())
		}
		// Abandoned without Close and without another Next: cancelling ctx
		// alone must end the decoder's goroutine.
		cancel()
	}
	srv.Close()
}

func TestNoLeakAfterCancelWhileBlocked(t *testing.T) {
	verifyNoLeaks(t)
	srv := newSSEServer(t, keepOpen)
	ctx, cancel := context.WithCancel(context.Background())
	st := srv.run(t, ctx)
	st.Next()
	done := make(chan struct{})
	go func() { st.Next(); close(done) }()
	cancel()
	<-done
	srv.Close()
}

func TestNoLeakAfterTruncatedAndOversizeStreams(t *testing.T) {
	verifyNoLeaks(t)
	for name, tc := range map[string]struct {
		body string
		hold bool // keep the connection open after the body
		want error
	}{
		"truncated": {"data: 1\n\ndata: 2", false, io.ErrUnexpectedEOF},
		"oversize":  {"data: 1\n\ndata: " + strings.Repeat("x", 4096) + "\n\n", true, sse.ErrEventTooLarge},
	} {
		srv := newSSEServer(t, func(w io.Writer, r *http.Request) {
			writeString(w, tc.body)
			if tc.hold {
				<-r.Context().Done()
			}
		})
		st := srv.run(t, context.Background(), sse.WithMaxEventSize(1024))
		if _, err := events(st); !errors.Is(err, tc.want) {
			t.Fatalf("%s: Err = %v, want %v", name, err, tc.want)
		}
		srv.Close()
	}
}

// A Stream the caller forgets to Close is cleaned up once it is garbage:
// nothing else would end the decoder's goroutine while the server keeps the
// connection open.
func TestNoLeakAfterDroppedStream(t *testing.T) {
	verifyNoLeaks(t)
	srv := newSSEServer(t, keepOpen)
	func() {
		st := srv.run(t, context.Background())
		if !st.Next() {
			t.Fatal(st.Err())
		}
	}()
	// The cleanup runs after a GC cycle finds the handle unreachable; the
	// leak check then retries until the drained goroutine has returned.
	runtime.GC()
	runtime.GC()
	// Cutting the connection ends the body but not the decoder's goroutine,
	// which then waits to hand over its error: only the cleanup drains it.
	srv.CloseClientConnections()
	srv.Close()
}

// silent answers with the stream's headers and then sends nothing until the
// client goes away: an agent that is still thinking.
func silent(_ io.Writer, r *http.Request) {
	<-r.Context().Done()
}

// The decoder starts only once the body has sent something, so Close must
// end a Next that is still waiting for the first byte, and a stream never
// read at all, with nothing left behind.
func TestCloseBeforeFirstByte(t *testing.T) {
	verifyNoLeaks(t)
	srv := newSSEServer(t, silent)
	st := srv.run(t, context.Background())
	done := make(chan bool)
	go func() { done <- st.Next() }()
	st.Close()
	if <-done {
		t.Fatal("Next returned an event from a silent server")
	}
	if !errors.Is(st.Err(), sse.ErrClosed) {
		t.Fatalf("Err = %v, want ErrClosed", st.Err())
	}

	unread := srv.run(t, context.Background())
	unread.Close()
	if unread.Next() || !errors.Is(unread.Err(), sse.ErrClosed) {
		t.Fatalf("after Close without Next: Next true or Err = %v, want ErrClosed", unread.Err())
	}
	srv.Close()
}

func TestIdleTimeoutBeforeFirstByte(t *testing.T) {
	verifyNoLeaks(t)
	srv := newSSEServer(t, silent)
	st := srv.run(t, context.Background(), sse.WithIdleTimeout(50*time.Millisecond))
	if st.Next() {
		t.Fatal("Next returned an event from a silent server")
	}
	if !errors.Is(st.Err(), sse.ErrIdleTimeout) {
		t.Fatalf("Err = %v, want ErrIdleTimeout", st.Err())
	}
	st.Close()
	srv.Close()
}
