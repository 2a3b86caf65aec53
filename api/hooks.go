package api

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Hooks: what lets code outside the SDK see its calls. A Middleware wraps
// each attempt (WithMiddleware); a CallEvent tells of each call once it has
// ended (WithCallEvents). Both cost nothing when unset: the pipeline records
// a call's event only when someone listens.

// Middleware wraps one attempt of a call: it gets the request as it is
// sent (Authorization included: never log its headers whole; its URL holds
// the arguments as given, so a token passed by mistake as an id is in its
// path, unredacted, unlike in the SDK's errors and events) and must call
// next at most once, returning what next returned or a response or error
// of its own. The response next returns is the one the SDK hands up: the
// token redacted from it and its body bounded; an error is the attempt's
// (a transport error, ErrHeaderTimeout, ErrRedirect). A middleware runs
// below validation and retries: it may add headers (a trace id) or observe,
// and what it changes is sent as it is, not checked again, so unlike a
// RequestEditorFn it never makes the SDK re-read a typed body. An error it
// returns ends the attempt like a transport error: retried only where a
// retry is safe (RetryPolicy). The SDK's own retries call it once per
// attempt.
type Middleware func(req *http.Request, next MiddlewareNext) (*http.Response, error)

// MiddlewareNext is the rest of the attempt: the next middleware, then the
// HTTP client.
type MiddlewareNext func(req *http.Request) (*http.Response, error)

// WithMiddleware wraps every attempt of every call in mw; the first one
// given is the outermost.
func WithMiddleware(mw ...Middleware) Option {
	return optionFunc(func(s *settings) error {
		for _, m := range mw {
			if m == nil {
				return errorf("WithMiddleware: nil middleware")
			}
		}
		s.middleware = append(s.middleware, mw...)
		return nil
	})
}

// WithCallEvents calls f once for every call of the client, when the call
// has ended, with the call's context (its trace, its deadline) and what
// happened: the operation, the attempts and why each retry was made, the
// final status, the time it took and, for a run, its token usage. f runs
// on the caller's goroutine before the method returns (for a stream, when
// its body is closed; for the generated client, when the response's
// headers have come, so without Usage): keep it short, and do not keep e.
// A call a method refuses before it reaches the pipeline (an empty agent
// id, an invalid CallOption) has no event.
func WithCallEvents(f func(ctx context.Context, e *CallEvent)) Option {
	return optionFunc(func(s *settings) error {
		if f == nil {
			return errorf("WithCallEvents: nil function")
		}
		s.onCall = append(s.onCall, f)
		return nil
	})
}

// CallEvent is one call of a Client, as WithCallEvents tells of it. A call
// is one method (or one operation of the generated client); it may make
// several attempts.
type CallEvent struct {
	// Operation is the operationId of openapi.yaml, e.g. OpRunAgent.
	Operation OperationID
	// Method and Route are the operation's HTTP method and path template
	// under the base URL, e.g. "POST" "/ai-agents/v1/agents/{agentId}/run".
	Method, Route string
	// Server is the base URL's host and port, e.g. "eu1.make.com:443".
	Server string
	// AgentID is the agent the call is about ("" for none): from the path,
	// a list of contexts' query, or the agent a create made. Like Err and
	// each Retry's Err, it never holds the client's token (one passed by
	// mistake as an agent id is redacted).
	AgentID string
	// TeamID is the call's team (0 when it has none).
	TeamID int64
	// Start is when the call began; Duration how long it took until it
	// ended (for a stream, until its body was closed).
	Start    time.Time
	Duration time.Duration
	// Attempts is the number of requests sent (0 when none was: invalid
	// input, or the context ended first).
	Attempts int
	// Retries are the retries made, in order: why, and how long the call
	// waited before each.
	Retries []Retry
	// RateLimitWait is the time the call spent waiting for the rate limit
	// and for a 429's pause, retries included.
	RateLimitWait time.Duration
	// Status is the HTTP status of the last response, 0 when there was
	// none.
	Status int
	// Err is the call's error, nil when it succeeded.
	Err error
	// Usage is a run's token usage (runAgent through Client.RunAgent),
	// nil for other calls. A stream's is summed from its steps by
	// sse.Transcript.Usage.
	Usage *TokenUsage
	// ThreadID is a run's thread, "" for other calls.
	ThreadID string
}

// Retry is one retry of a call: why the attempt before it failed and how
// long the call waited before sending again.
type Retry struct {
	// Attempt is the attempt that failed (1 for the first).
	Attempt int
	// At is when it failed (its answer or error came).
	At time.Time
	// Reason is why it is retried: "rate_limited" (429), "status" (408 or
	// 5xx to a GET or DELETE) or "connection" (a connection error).
	Reason string
	// Status is the failed attempt's HTTP status, 0 for a connection error.
	Status int
	// Err is the failed attempt's error.
	Err error
	// Wait is how long the call waited before the retry: the backoff or
	// Retry-After, the pause shared with the client's other calls and the
	// rate limit.
	Wait time.Duration
}

// Reasons of Retry.
const (
	RetryRateLimited = "rate_limited"
	RetryStatus      = "status"
	RetryConnection  = "connection"
)

// newEvent starts a call's event, nil when no one listens.
func (p *pipeline) newEvent(c *call) *CallEvent {
	if len(p.onCall) == 0 {
		return nil
	}
	e := &CallEvent{Start: p.now(), Server: p.server}
	if c.op != nil {
		e.Operation, e.Method, e.Route = c.op.id, c.op.method, c.op.path
	}
	return e
}

// describe fills what the request tells: the agent and the team.
func (e *CallEvent) describe(op *operation, req *http.Request, basePath string) {
	if op == nil {
		return
	}
	q := req.URL.Query()
	if t, err := strconv.ParseInt(q.Get("teamId"), 10, 64); err == nil {
		e.TeamID = t
	}
	if op.id == OpListContexts {
		e.AgentID = q.Get("agentId")
		return
	}
	rest, _ := strings.CutPrefix(req.URL.EscapedPath(), basePath)
	if v, ok := pathParam(op.path, rest, "{agentId}"); ok {
		e.AgentID = v
	}
}

// pathParam returns the segment of path at the place of param in pattern.
func pathParam(pattern, path, param string) (string, bool) {
	for {
		p, prest, pmore := strings.Cut(pattern, "/")
		x, xrest, xmore := strings.Cut(path, "/")
		if p == param {
			return x, true
		}
		if !pmore || !xmore {
			return "", false
		}
		pattern, path = prest, xrest
	}
}

// emit ends the event and hands it to the listeners.
func (p *pipeline) emit(ctx context.Context, e *CallEvent, err error) {
	if e == nil {
		return
	}
	e.Duration = p.now().Sub(e.Start)
	if e.Err == nil {
		e.Err = err
	}
	// Observers export the event (traces, logs): a token passed by mistake
	// as an agent id is in the path, so in AgentID and in every answer
	// echoing it, a retried attempt's too.
	e.AgentID = p.red.String(e.AgentID)
	e.Err = scrub(p.red, e.Err)
	for i := range e.Retries {
		e.Retries[i].Err = scrub(p.red, e.Retries[i].Err)
	}
	for _, f := range p.onCall {
		f(ctx, e)
	}
}

// eventBody reports a stream's read error on its call's event and emits
// the event when the body is closed.
type eventBody struct {
	io.ReadCloser
	once sync.Once
	done func(err error)
	mu   sync.Mutex
	err  error
}

func (b *eventBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		b.mu.Lock()
		if b.err == nil {
			b.err = err
		}
		b.mu.Unlock()
	}
	return n, err
}

func (b *eventBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.done(b.err)
	})
	return err
}

// withMiddleware runs an attempt's core through the middleware.
func (p *pipeline) withMiddleware(req *http.Request, core MiddlewareNext) (*http.Response, error) {
	next := core
	for i := len(p.middleware) - 1; i >= 0; i-- {
		mw, inner := p.middleware[i], next
		next = func(r *http.Request) (*http.Response, error) { return mw(r, inner) }
	}
	resp, err := next(req)
	if err == nil && resp == nil {
		return nil, errorf("%s %s: a middleware returned neither a response nor an error", req.Method, req.URL.EscapedPath())
	}
	if err != nil && resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	return resp, err
}

// hostPort is the host and port of a base URL, the port made explicit.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "http" {
		return net.JoinHostPort(u.Hostname(), "80")
	}
	return net.JoinHostPort(u.Hostname(), "443")
}
