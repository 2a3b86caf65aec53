package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// stallingReader gives a little of the file, then blocks in Read until
// released, as a pipe or a network stream whose writer went quiet does.
type stallingReader struct {
	entered  chan struct{} // closed when Read blocks
	release  chan struct{} // closing it lets the blocked Read return
	returned chan struct{} // closed when the blocked Read has returned
	reads    atomic.Int64
}

func newStallingReader() *stallingReader {
	return &stallingReader{entered: make(chan struct{}), release: make(chan struct{}), returned: make(chan struct{})}
}

func (s *stallingReader) Read(p []byte) (int, error) {
	switch s.reads.Add(1) {
	case 1:
		return copy(p, "the first bytes of a file"), nil
	case 2:
		close(s.entered)
		<-s.release
		defer close(s.returned)
		return copy(p, "bytes read after the call ended"), nil
	}
	return 0, io.EOF
}

// The context bounds an upload whatever the reader does: a Read that
// blocks does not hold the call once the context ends. The goroutine left
// in that Read (which Go cannot interrupt) exits when it returns, without
// reading again.
func TestUploadReturnsWhenContextEndsDuringStalledRead(t *testing.T) {
	var sawLate atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if strings.Contains(string(b), "after the call ended") {
			sawLate.Store(true)
		}
	}))
	defer srv.Close()
	c, _, _ := newTestClient(t, srv)
	src := newStallingReader()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	result := make(chan error, 1)
	go func() { result <- c.UploadContext(ctx, testAgent, "a.txt", src) }()
	<-src.entered
	cancel()

	// The reader is only released when the call has returned, or, if the
	// call waits for the reader (the bug), by the watchdog; the order of
	// the two tells which happened.
	var err error
	select {
	case err = <-result:
	case <-time.After(20 * time.Second):
		close(src.release)
		err = <-result
		t.Fatalf("UploadContext returned only after the stalled Read did (err %v): the context did not bound the call", err)
	}
	scanErr(err)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	select {
	case <-src.returned:
		t.Fatal("the stalled Read returned before the call; the test proves nothing")
	default:
	}

	// The goroutine still in Read is the documented one: it exits once
	// Read returns and never reads again.
	close(src.release)
	<-src.returned
	goleak.VerifyNone(t, goleak.IgnoreCurrent())
	if n := src.reads.Load(); n != 2 {
		t.Errorf("content was read %d times, want 2 (nothing after the call ended)", n)
	}
	if sawLate.Load() {
		t.Error("bytes read after the call ended were sent")
	}
}

// A server that answers at once while the file stalls: the call returns
// the answer without waiting for the Read, and the goroutine left in it
// exits when it returns.
func TestUploadEarlyAnswerWhileReadStalls(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Full duplex and flushed, so the answer goes out before the body
		// is read (otherwise net/http reads the body first).
		rc := http.NewResponseController(w)
		_ = rc.EnableFullDuplex()
		w.WriteHeader(http.StatusCreated)
		_ = rc.Flush()
	}))
	defer srv.Close()
	c, _, _ := newTestClient(t, srv)
	src := newStallingReader()
	result := make(chan error, 1)
	go func() { result <- c.UploadContext(context.Background(), testAgent, "a.txt", src) }()
	<-src.entered
	var err error
	select {
	case err = <-result:
	case <-time.After(20 * time.Second):
		close(src.release)
		err = <-result
		t.Fatalf("UploadContext returned only after the stalled Read did (err %v)", err)
	}
	scanErr(err)
	if err != nil {
		t.Fatalf("err = %v, want Make's 201", err)
	}
	close(src.release)
	<-src.returned
	goleak.VerifyNone(t, goleak.IgnoreCurrent())
	if n := src.reads.Load(); n != 2 {
		t.Errorf("content was read %d times, want 2", n)
	}
}
