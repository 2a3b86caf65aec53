package makeagentstest

import (
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/makeagents/makeagents-go/makeagentstest/internal/fakeapi"
)

// Limits bound what one request, one connection and days of requests can
// cost the fake: it is a server on a network (makeagents fake can listen
// beyond loopback) and is left running for load tests. Every field has a
// default (DefaultLimits); a zero field in WithLimits keeps it. A request
// over a limit gets Make's error shape naming the limit, and a kind of state
// that is evicted rather than refused says so below.
type Limits struct {
	// ReadHeaderTimeout bounds reading a request's headers (default 10s).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, headers and body (default
	// 2m, room for a 100 MiB upload on a slow link). Once the body is read
	// it no longer applies, so a long stream is not cut by it.
	ReadTimeout time.Duration
	// WriteTimeout bounds each write of a response (default 1m): a client
	// that stops reading is cut off, while a stream that keeps sending may
	// last as long as it likes (a deadline is set before every write, not
	// once per response).
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that carries no request for
	// this long (default 1m).
	IdleTimeout time.Duration
	// MaxConnections caps the open connections (default 1024); further
	// connections wait in the listen queue until one closes.
	MaxConnections int
	// RequestLog is how many requests Requests keeps, the newest (default
	// 10,000). Their logged bodies and query strings together are also kept
	// under 32 MiB: beyond it the oldest entries go first.
	RequestLog int
	// Agents caps the agents of all teams together (default 1,000); a create
	// beyond it is a 400 naming the limit. AddAgent is not refused.
	Agents int
	// Contexts caps the knowledge contexts of all agents together (default
	// 1,000); a create beyond it is a 400 naming the limit.
	Contexts int
	// StoreBytes caps the text agents and contexts hold together (names,
	// prompts, past configurations, the kept text of contexts; default 256
	// MiB); a create or update that would pass it is a 400 naming the limit.
	StoreBytes int64
	// Threads caps the conversation threads of all teams together (default
	// 10,000). Beyond it the thread used least recently is forgotten (a run
	// naming it starts it afresh, as a run naming a new thread does).
	Threads int
	// ThreadBytes caps the text all threads keep for later runs (default 64
	// MiB), forgetting least recently used threads first. A thread also keeps
	// only its newest 100 iterations and 8 MiB of text (an iteration larger
	// than that is not kept), so history is bounded whatever an agent's
	// iterationsFromHistoryCount.
	ThreadBytes int64
}

// DefaultLimits returns the limits a server has unless WithLimits changes
// them.
func DefaultLimits() Limits {
	return Limits{
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      time.Minute,
		IdleTimeout:       time.Minute,
		MaxConnections:    1024,
		RequestLog:        10_000,
		Agents:            1_000,
		Contexts:          1_000,
		StoreBytes:        256 << 20,
		Threads:           10_000,
		ThreadBytes:       64 << 20,
	}
}

// WithLimits changes the server's limits: each non-zero field of l replaces
// the default (see Limits); a negative one makes Start fail.
func WithLimits(l Limits) Option {
	return func(c *config) {
		c.limits = mergeLimits(c.limits, l)
	}
}

func mergeLimits(base, l Limits) Limits {
	pick := func(d *time.Duration, v time.Duration) {
		if v != 0 {
			*d = v
		}
	}
	pick(&base.ReadHeaderTimeout, l.ReadHeaderTimeout)
	pick(&base.ReadTimeout, l.ReadTimeout)
	pick(&base.WriteTimeout, l.WriteTimeout)
	pick(&base.IdleTimeout, l.IdleTimeout)
	for _, p := range []struct {
		to *int
		v  int
	}{{&base.MaxConnections, l.MaxConnections}, {&base.RequestLog, l.RequestLog},
		{&base.Agents, l.Agents}, {&base.Contexts, l.Contexts}, {&base.Threads, l.Threads}} {
		if p.v != 0 {
			*p.to = p.v
		}
	}
	if l.StoreBytes != 0 {
		base.StoreBytes = l.StoreBytes
	}
	if l.ThreadBytes != 0 {
		base.ThreadBytes = l.ThreadBytes
	}
	return base
}

func (l Limits) check() error {
	for name, d := range map[string]time.Duration{"read header timeout": l.ReadHeaderTimeout, "read timeout": l.ReadTimeout,
		"write timeout": l.WriteTimeout, "idle timeout": l.IdleTimeout} {
		if d < 0 {
			return fmt.Errorf("negative %s %s", name, d)
		}
	}
	for name, n := range map[string]int64{"connection cap": int64(l.MaxConnections), "request log size": int64(l.RequestLog),
		"agent cap": int64(l.Agents), "context cap": int64(l.Contexts), "store bytes": l.StoreBytes,
		"thread cap": int64(l.Threads), "thread bytes": l.ThreadBytes} {
		if n < 0 {
			return fmt.Errorf("negative %s %d", name, n)
		}
	}
	return nil
}

// Bounds the fake applies whatever the limits: a thread's kept history, the
// request log's bytes, and a past configuration list.
const (
	maxThreadIterations = 100
	maxThreadText       = 8 << 20
	maxLogBytes         = 32 << 20
	maxPastConfigs      = 10
)

// limitReached answers a create that would pass a limit: Make's 400 shape,
// naming the limit and how to change it.
func limitReached(what string, limit any, option, flag string) fakeapi.BadRequestJSONResponse {
	detail := fmt.Sprintf("The fake holds at most %v %s (Limits.%s; makeagents fake --%s); delete some first.", limit, what, option, flag)
	return fakeapi.BadRequestJSONResponse(makeError("Invalid input parameters", detail, "IM005", what+": limit of "+fmt.Sprint(limit)+" reached"))
}

// limitListener caps the connections accepted at once; Accept waits for a
// slot, so extra clients queue in the kernel's listen backlog instead of
// costing the fake a goroutine and buffers each. A slot is released when
// its connection closes.
type limitListener struct {
	net.Listener
	slots chan struct{}
	done  chan struct{}
	once  sync.Once
}

func newLimitListener(ln net.Listener, n int) *limitListener {
	return &limitListener{Listener: ln, slots: make(chan struct{}, n), done: make(chan struct{})}
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &slotConn{Conn: c, release: func() { <-l.slots }}, nil
}

func (l *limitListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}

type slotConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *slotConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// connStates counts connections that are reading or serving a request
// (http.StateActive), so Close can tell "nothing in flight" from a client
// that opened a connection and sent nothing: net/http's Shutdown waits 5 s
// for the latter, Close does not.
type connStates struct {
	mu     sync.Mutex
	state  map[net.Conn]http.ConnState
	active int
	quiet  chan struct{} // closed and replaced when active drops to 0
}

func newConnStates() *connStates {
	return &connStates{state: map[net.Conn]http.ConnState{}, quiet: make(chan struct{})}
}

func (cs *connStates) track(c net.Conn, st http.ConnState) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	was := cs.state[c]
	if was == http.StateActive {
		cs.active--
	}
	if st == http.StateActive {
		cs.active++
	}
	if st == http.StateClosed || st == http.StateHijacked {
		delete(cs.state, c)
	} else {
		cs.state[c] = st
	}
	if cs.active == 0 && was == http.StateActive {
		close(cs.quiet)
		cs.quiet = make(chan struct{})
	}
}

// waitQuiet returns when no connection is active, or when stop is closed.
func (cs *connStates) waitQuiet(stop <-chan struct{}) {
	for {
		cs.mu.Lock()
		active, quiet := cs.active, cs.quiet
		cs.mu.Unlock()
		if active == 0 {
			return
		}
		select {
		case <-quiet:
		case <-stop:
			return
		}
	}
}
