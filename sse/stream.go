package sse

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/launchdarkly/eventsource"
	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/internal/mediatype"
)

// DefaultMaxEventSize is the default bound on one event's size on the wire
// (its field lines and line endings; comments do not count).
const DefaultMaxEventSize = 16 << 20

// Option configures a Stream.
type Option func(*config)

type config struct {
	maxEventSize int64
	idleTimeout  time.Duration
	callOpts     []api.CallOption
}

// WithCallOptions passes options to the call that starts the stream (Run
// only): api.ForTeam, api.CallHeader, api.CallTimeout (which then bounds
// the whole stream), api.CallResponseInto.
func WithCallOptions(opts ...api.CallOption) Option {
	return func(c *config) { c.callOpts = append(c.callOpts, opts...) }
}

// WithMaxEventSize bounds the size of one event on the wire (field lines and
// line endings; comments count only while they are being read); an event
// that grows past it ends the stream with ErrEventTooLarge. It also bounds
// the memory the decoder holds for an event, which stays near 2n, and the
// time it spends on it: an event split into so many data lines that joining
// them would copy more than 64n bytes fails the same way (Make sends each
// step's data on one line). n <= 0 means DefaultMaxEventSize.
func WithMaxEventSize(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxEventSize = int64(n)
		} else {
			c.maxEventSize = DefaultMaxEventSize
		}
	}
}

// WithIdleTimeout ends the stream with ErrIdleTimeout when the server sends
// no bytes for d while the stream is waiting for it. Time the caller spends
// between calls to Next does not count. 0 (the default) means no idle
// timeout: the stream lasts as long as its context.
func WithIdleTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.idleTimeout = d
		} else {
			c.idleTimeout = 0
		}
	}
}

// RunStarter starts a streamed run and returns its response unread:
// *api.Client is one (StartRunStream), and so is a fake in a test.
type RunStarter interface {
	StartRunStream(ctx context.Context, agentID string, body api.RunAgentRequest, opts ...api.CallOption) (*http.Response, error)
}

// Run starts a streamed run of an agent: c sends POST
// /ai-agents/v1/agents/{agentId}/run/stream with Accept: text/event-stream,
// and Run returns the stream of its events.
//
//	stream, err := sse.Run(ctx, client, agentID, api.RunAgentRequest{Messages: msgs})
//
// The agent id and body are checked first; bad input returns an
// *api.ValidationError and sends nothing. A non-2xx answer returns the same
// *api.APIError as every other call of the SDK. A 2xx answer that is not
// text/event-stream returns a *ContentTypeError. Options for the call
// itself (its team, headers) go in WithCallOptions.
//
// ctx governs the whole stream: cancelling it ends the stream and unblocks a
// waiting Next. The request is sent once and never re-sent, since sending it
// again would run the agent again. An http.Client.Timeout on the client's
// HTTP client would cut the stream short; use ctx and WithIdleTimeout
// instead.
func Run(ctx context.Context, c RunStarter, agentID string, body api.RunAgentRequest, opts ...Option) (*Stream, error) {
	if c == nil {
		return nil, errors.New("sse: nil client")
	}
	if err := api.ValidateAgentID(agentID); err != nil {
		return nil, err
	}
	if err := api.ValidateRunRequest(body); err != nil {
		return nil, err
	}
	cfg := newConfig(opts)
	resp, err := c.StartRunStream(ctx, agentID, body, cfg.callOpts...)
	if err != nil {
		if resp != nil && resp.Body != nil {
			_ = resp.Body.Close()
		}
		return nil, err
	}
	return newStreamOf(ctx, resp, cfg)
}

// NewStream reads the events of a response the caller has already received,
// for tools that send the request themselves. A non-2xx status returns an
// *api.APIError and a 2xx status without a text/event-stream content type a
// *ContentTypeError; in both cases the body is closed. Otherwise the Stream
// owns the body: Close it (or read to the end) to release it. ctx governs the
// stream as in Run.
func NewStream(ctx context.Context, resp *http.Response, opts ...Option) (*Stream, error) {
	return newStreamOf(ctx, resp, newConfig(opts))
}

func newConfig(opts []Option) config {
	cfg := config{maxEventSize: DefaultMaxEventSize}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	return cfg
}

func newStreamOf(ctx context.Context, resp *http.Response, cfg config) (*Stream, error) {
	if resp == nil {
		return nil, errors.New("sse: nil response")
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, api.NewAPIError(resp)
	}
	body := resp.Body
	if body == nil {
		body = http.NoBody
	}
	ct := resp.Header.Get("Content-Type")
	if !mediatype.IsEventStream(ct) {
		_ = body.Close()
		return nil, &ContentTypeError{StatusCode: resp.StatusCode, ContentType: ct}
	}
	s := newStream(ctx, body, cfg)
	h := &Stream{s: s}
	// A Stream dropped without Close would leave the decoder's goroutine
	// blocked until the server hung up; the cleanup ends it once the
	// Stream is garbage. It references only the inner stream, which the
	// decoder's goroutine and ctx may keep alive, but never the handle.
	runtime.AddCleanup(h, func(s *stream) { s.close() }, s)
	return h, nil
}

// Stream is the sequence of events of one streamed run. Use Next, Event and
// Err in a loop, or All with range. Next, Event and All belong to one
// goroutine; Close may be called from any goroutine at any time, and more
// than once.
type Stream struct {
	s *stream
	// acc is what Steps has read, for Transcript.
	acc Accumulator
}

// stream holds everything; Stream is only a handle, so that the cleanup in
// NewStream can tell when the caller has let go of it.
type stream struct {
	body     io.ReadCloser
	fr       *framer
	stopCtx  func() bool // guarded by mu
	stopOnce sync.Once
	ctx      context.Context

	// decMu is held by whoever calls the decoder: Next, or whoever drains
	// it after the stream was stopped. The decoder is not safe for
	// concurrent use, and after it has returned an error it must not be
	// called again (its channels are closed and it would spin). dec is nil
	// until the first Next has seen the body's first bytes.
	decMu   sync.Mutex
	dec     *eventsource.Decoder
	decDone bool
	cur     Event

	mu     sync.Mutex
	reason error // why the stream was stopped from outside (Close, ctx, idle timeout)
	ended  bool
	err    error
}

func newStream(ctx context.Context, body io.ReadCloser, cfg config) *stream {
	s := &stream{body: body, ctx: ctx}
	s.fr = newFramer(body, cfg.maxEventSize)
	if cfg.idleTimeout > 0 {
		d := cfg.idleTimeout
		s.fr.wait = d
		// Created stopped: the framer arms it only while it waits on the body.
		s.fr.idle = time.AfterFunc(math.MaxInt64, func() {
			s.stop(fmt.Errorf("%w for %v", ErrIdleTimeout, d))
		})
		s.fr.idle.Stop()
	}
	// The Decoder (with its goroutine and 4 KiB buffer) is made by the
	// first Next, once the body has sent something: see start.
	// With ctx already done the callback runs at once, on another
	// goroutine, and may reach release before AfterFunc has returned: the
	// field is written and read under mu.
	stopCtx := context.AfterFunc(ctx, func() { s.stop(ctx.Err()) })
	s.mu.Lock()
	s.stopCtx = stopCtx
	s.mu.Unlock()
	return s
}

// stop ends the stream from outside: it records why (unless the stream has
// already ended), closes the body so that the decoder's read fails, and then
// drains the decoder so that its goroutine returns. If Next is blocked in the
// decoder it holds decMu and returns promptly once the body is closed; the
// drain then finds nothing left to do.
func (s *stream) stop(reason error) {
	s.mu.Lock()
	if !s.ended && s.reason == nil {
		s.reason = reason
	}
	s.mu.Unlock()
	s.release()
	s.decMu.Lock()
	s.drainLocked()
	s.decMu.Unlock()
}

// release closes the body and stops the ctx and idle-timer callbacks, once.
func (s *stream) release() {
	s.stopOnce.Do(func() {
		_ = s.body.Close()
		s.mu.Lock()
		stopCtx := s.stopCtx
		s.mu.Unlock()
		if stopCtx != nil { // nil: the ctx callback already ran
			stopCtx()
		}
		if s.fr.idle != nil {
			s.fr.idle.Stop()
		}
	})
}

// drainLocked reads the decoder to its error so that its goroutine, which
// blocks on an unbuffered channel send until someone receives, can return.
// The body is closed first, so this reads at most what is already buffered.
func (s *stream) drainLocked() {
	if s.dec == nil && !s.decDone {
		// Never started: there is no goroutine to end. The reason set by
		// stop is the outcome.
		s.finishLocked(io.EOF)
		return
	}
	for !s.decDone {
		if _, err := s.dec.Decode(); err != nil {
			s.finishLocked(err)
		}
	}
}

// finishLocked records the decoder's final error and the stream's outcome.
// A reason from outside wins over the read error it caused; a cancelled ctx
// wins over the transport's report of it.
func (s *stream) finishLocked(decErr error) {
	s.decDone = true
	s.end(decErr)
}

func (s *stream) end(err error) {
	s.mu.Lock()
	if !s.ended {
		s.ended = true
		switch {
		case s.reason != nil:
			err = s.reason
		case err == io.EOF:
			err = nil
		case s.ctx.Err() != nil:
			err = s.ctx.Err()
		}
		s.err = err
	}
	s.mu.Unlock()
	s.release()
}

func (s *stream) next() bool {
	s.decMu.Lock()
	defer s.decMu.Unlock()
	if s.decDone {
		return false
	}
	if s.dec == nil {
		s.start()
	}
	for {
		ev, err := s.dec.Decode()
		if err != nil {
			s.finishLocked(err)
			s.cur = Event{}
			return false
		}
		if !s.fr.pop() {
			continue // no data line: not dispatched, as the SSE standard says
		}
		e := Event{Type: ev.Event(), ID: ev.Id(), Data: []byte(ev.Data())}
		if e.Type == "" {
			e.Type = TypeMessage
		}
		if r, ok := ev.(interface{ Retry() int64 }); ok && r.Retry() > 0 {
			// The decoder keeps a too-large value as MaxInt64 milliseconds,
			// which would overflow a Duration.
			e.Retry = time.Duration(min(r.Retry(), int64(math.MaxInt64/time.Millisecond))) * time.Millisecond
		}
		if e.Type == TypeError {
			s.end(newServerError(e))
			s.drainLocked()
			s.cur = Event{}
			return false
		}
		s.cur = e
		return true
	}
}

// start waits, on the caller's goroutine, for the body's first bytes, and
// only then makes the Decoder, which reads the rest on a goroutine of its
// own. A stream that has been opened but not yet answered (the agent is
// still thinking) so holds no goroutine and no buffer beyond what a plain
// read of the body would. The first read goes through the framer like every
// other, so the size bounds, the idle timeout and Close apply to it too.
func (s *stream) start() {
	p := &primed{rest: s.fr}
	n, err := s.fr.Read(p.buf[:])
	p.head, p.err = p.buf[:n], err
	s.dec = eventsource.NewDecoder(p)
}

// primed hands on the bytes (and the error) of the read start made, then
// reads on from the framer.
type primed struct {
	buf  [64]byte
	head []byte
	err  error
	rest io.Reader
}

func (p *primed) Read(b []byte) (int, error) {
	if len(p.head) > 0 {
		n := copy(b, p.head)
		p.head = p.head[n:]
		return n, nil
	}
	if p.err != nil {
		return 0, p.err
	}
	return p.rest.Read(b)
}

func (s *stream) close() {
	s.stop(ErrClosed)
}

func (s *stream) errValue() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Next waits for the next event and reports whether there is one. It returns
// false at the end of the stream, after an error, or once the stream is
// closed; Err then says which. Next returns as soon as an event's bytes have
// arrived: nothing is read ahead before an event is delivered.
func (st *Stream) Next() bool { return st.s.next() }

// Event returns the event Next has just read.
func (st *Stream) Event() Event { return st.s.cur }

// Err returns the error that ended the stream, or nil when the server ended
// it cleanly (Make sends no terminal event): between events, or after the
// last complete line of an event, which is then delivered without its blank
// line. It is: ErrEventTooLarge, ErrIdleTimeout or ErrClosed (wrapped; use
// errors.Is); an error wrapping io.ErrUnexpectedEOF when the stream ended in
// the middle of a line of an event; a *ServerError after an error event;
// ctx.Err() when ctx ended it; or the network error that cut it.
func (st *Stream) Err() error { return st.s.errValue() }

// Close ends the stream and releases everything it holds: the response body
// and the decoder's goroutine. It may be called from any goroutine, also while
// Next is blocked (Next then returns false), and more than once. Closing a
// stream before its end makes Err return ErrClosed. Close always returns nil;
// the error result is there for io.Closer.
func (st *Stream) Close() error {
	st.s.close()
	return nil
}

// All returns the events as an iterator for range. A stream error is
// yielded last, with a zero Event. The stream is closed when the loop ends,
// also when it is left early.
func (st *Stream) All() iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		defer st.Close()
		for st.Next() {
			if !yield(st.Event(), nil) {
				return
			}
		}
		if err := st.Err(); err != nil {
			yield(Event{}, err)
		}
	}
}

// Steps returns the run's steps as an iterator for range, as they arrive,
// and keeps every event it reads for Transcript. A stream error, or an
// event Accumulator.Add refuses (a step that does not decode, Make's error
// event as a *ServerError), is yielded last with a zero Step. Events other
// than steps are kept, not yielded. The stream is closed when the loop
// ends, also when it is left early.
//
//	for step, err := range stream.Steps() {
//		if err != nil {
//			return err
//		}
//		fmt.Printf("[%s] %s\n", step.Role, step.Content)
//	}
//	answer := stream.Transcript().FinalAnswer()
func (st *Stream) Steps() iter.Seq2[api.Step, error] {
	return func(yield func(api.Step, error) bool) {
		for ev, err := range st.All() {
			if err == nil {
				err = st.acc.Add(ev)
			}
			if err != nil {
				yield(api.Step{}, err)
				return
			}
			if ev.Type != TypeStep {
				continue
			}
			if !yield(st.acc.t.Steps[len(st.acc.t.Steps)-1], nil) {
				return
			}
		}
	}
}

// Transcript returns what Steps has read so far: the steps, grouped by
// iteration, the final answer and the token usage. It belongs to the
// goroutine that ranges over Steps.
func (st *Stream) Transcript() Transcript { return st.acc.Transcript() }
