package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/makeagents/makeagents-go/internal/mediatype"
)

// The request pipeline. Every call, from a Client method or from the
// generated client (Client.Generated), takes this one path, in this file:
//
//	prepare   check the request against its operation: ids, typed bodies,
//	          team id, then Authorization and User-Agent. Bad input is a
//	          *ValidationError and nothing is sent.
//	attempts  wait for the call's turn (a 429's pause shared by every call
//	          of the client, then the rate limit: ratelimit.go); send
//	          through the middleware (hooks.go) with the operation's header
//	          timeout, refuse redirects, bound and redact the response; wait
//	          and retry what RetryPolicy allows.
//	classify  a pure function from a response to its outcome: the response,
//	          an *APIError or an *UnexpectedResponseError, and whether a
//	          retry may help.
//	log       one record per attempt (WithLogger); one CallEvent per
//	          call when it ends (WithCallEvents).
//
// The operation travels as a value (call.op). The only context values the
// pipeline sets are net/http's own: an httptrace.ClientTrace, the one way
// net/http says whether a connection was handed over (so a POST's failure
// is known to be before sending) and when the request was written (when
// the header timeout starts); and the cancel cause that tells the header
// and idle timeouts from the caller's own cancellation.

// pipeline holds what New resolved; it is shared by all calls and never
// changed after New.
type pipeline struct {
	basePath      string // escaped path of the base URL, no trailing slash
	authorization string // "Token <t>" or "Bearer <t>"; "" sends none
	userAgent     string
	teamID        int64 // default team; 0 for none
	retry         RetryPolicy
	http          HttpRequestDoer // the bottom: redirects off
	red           redactor
	limits        limits
	logger        *slog.Logger // nil: no log records
	logBodies     int
	pacer         *pacer // the 429 pause and the rate limit
	middleware    []Middleware
	onCall        []func(context.Context, *CallEvent)
	server        string // host:port of the base URL, for CallEvent

	sleep  func(context.Context, time.Duration) error
	jitter func() float64
	now    func() time.Time
}

// limits are the per-attempt bounds (see limits.go).
type limits struct {
	maxBody          int64
	bodyIdle         time.Duration
	headerTimeout    time.Duration
	runHeaderTimeout time.Duration
}

// call is one request on its way through the pipeline, with what its
// caller knows of it.
type call struct {
	op  *operation
	req *http.Request // the pipeline's own: built for this call, changed in place
	// typed is the value the body was encoded from (a RunAgentRequest, a
	// CreateAgentRequest, ...), or nil when the caller gave the body as
	// bytes. A typed body is validated as a value, never re-parsed.
	typed any
	// streamed: the body is sent as it is produced (an upload), once; it
	// is never buffered for a replay.
	streamed bool
	// ev is the call's event, nil when no one listens (WithCallEvents).
	ev *CallEvent
}

// send runs the generated client's request through the pipeline, the
// client's and the call's request editors first.
func (c *generatedClient) send(ctx context.Context, operationID OperationID, req *http.Request, typed any, editors []RequestEditorFn) (*http.Response, error) {
	if c.pipe == nil { // NewUnvalidatedClient
		req = req.WithContext(ctx)
		if err := edit(ctx, req, c.editors, editors); err != nil {
			return nil, err
		}
		return c.doer.Do(req)
	}
	cl := call{op: lookupOperation(operationID), req: req, typed: typed}
	cl.ev = c.pipe.newEvent(&cl)
	resp, err := c.pipe.send(ctx, cl, c.editors, editors)
	// The generated client reads the body after this returns: its call's
	// event ends with the response's headers.
	c.pipe.emit(ctx, cl.ev, err)
	return resp, err
}

// send is the way in: the request editors, then the pipeline. An editor may
// change the body, so after one a typed body is validated from its bytes.
func (p *pipeline) send(ctx context.Context, c call, editors ...[]RequestEditorFn) (*http.Response, error) {
	c.req = c.req.WithContext(ctx)
	if err := edit(ctx, c.req, editors...); err != nil {
		return nil, err
	}
	for _, group := range editors {
		if len(group) > 0 {
			c.typed = nil
		}
	}
	return p.do(c)
}

// edit runs the editors on req; on an error the body is closed, as
// http.Client's Do contract has it.
func edit(ctx context.Context, req *http.Request, editors ...[]RequestEditorFn) error {
	for _, group := range editors {
		for _, e := range group {
			if err := e(ctx, req); err != nil {
				closeRequestBody(req)
				return err
			}
		}
	}
	return nil
}

// do is the pipeline: prepare, then attempts until one is final. Before
// each attempt the call waits for its turn (the pause after a 429, the
// rate limit); a 429 pauses every call of the client.
func (p *pipeline) do(c call) (*http.Response, error) {
	if err := p.prepare(&c); err != nil {
		closeRequestBody(c.req)
		return nil, err
	}
	req := c.req
	ctx := req.Context()
	ev := c.ev
	if ev != nil {
		ev.describe(c.op, req, p.basePath)
	}
	replayable := !c.streamed && (p.retry.MaxRetries == 0 || makeReplayable(req))
	// reached: an earlier attempt may have been processed by Make (it got a
	// 408/5xx, or its connection failed after the request could have been
	// written), so a 404 to a DELETE now means "already deleted".
	reached := false
	var lastErr error // the previous attempt's, when this one is a retry
	for attempt := 1; ; attempt++ {
		waited, werr := p.wait(ctx)
		if ev != nil {
			ev.RateLimitWait += waited
			if n := len(ev.Retries); n > 0 {
				ev.Retries[n-1].Wait += waited
			}
		}
		if werr != nil {
			closeRequestBody(req)
			if lastErr != nil {
				return nil, errorf("%s %s: rate limit wait aborted: %w (last attempt: %w)", req.Method, req.URL.EscapedPath(), werr, lastErr)
			}
			return nil, errorf("%s %s: rate limit wait aborted: %w", req.Method, req.URL.EscapedPath(), werr)
		}
		start := p.now()
		resp, connected, err := p.attempt(c, attempt)
		p.log(req, attempt, p.now().Sub(start), resp, err)

		var v verdict
		if err != nil {
			v = verdict{err: err, retry: ctx.Err() == nil && !errors.Is(err, ErrHeaderTimeout) && retryableTransportError(req.Method, err, connected)}
			reached = reached || !neverSent(err, connected)
		} else {
			v = classify(c.op, resp, reached, p.now(), p.red)
			reached = reached || resp.StatusCode != http.StatusTooManyRequests
		}
		limited := err == nil && resp.StatusCode == http.StatusTooManyRequests
		if ev != nil {
			ev.Attempts = attempt
			ev.Status = 0
			if v.resp != nil {
				ev.Status = v.resp.StatusCode
			} else if err == nil {
				ev.Status = resp.StatusCode
			}
		}
		if v.err == nil {
			return v.resp, nil
		}
		wait := v.wait
		if wait == 0 && v.retry {
			wait = p.retry.backoff(attempt, p.jitter())
		}
		if limited {
			// Make rejected the request for the organisation's budget:
			// every call of this client waits, not only this one.
			p.pacer.pause(p.now(), min(wait, p.retry.MaxRetryAfter))
		}
		if v.retry && v.wait > p.retry.MaxRetryAfter {
			// Waiting less than asked would only burn another request of
			// the organisation's per-minute budget.
			return nil, v.err
		}
		if !v.retry || !replayable || attempt > p.retry.MaxRetries {
			return nil, finalError(req, attempt, err, v.err, connected)
		}
		if ev != nil {
			ev.Retries = append(ev.Retries, Retry{Attempt: attempt, At: p.now(), Reason: retryReason(limited, err), Status: statusOf(err, resp), Err: v.err})
		}
		lastErr = v.err
		if limited {
			continue // the pause is the wait, shared with the other calls
		}
		sleepStart := p.now()
		serr := p.sleep(ctx, wait)
		if ev != nil {
			ev.Retries[len(ev.Retries)-1].Wait += p.now().Sub(sleepStart)
		}
		if serr != nil {
			return nil, errorf("%s %s: retry wait aborted: %w (last attempt: %w)", req.Method, req.URL.EscapedPath(), serr, v.err)
		}
	}
}

func retryReason(limited bool, transportErr error) string {
	switch {
	case limited:
		return RetryRateLimited
	case transportErr != nil:
		return RetryConnection
	}
	return RetryStatus
}

func statusOf(err error, resp *http.Response) int {
	if err != nil || resp == nil {
		return 0
	}
	return resp.StatusCode
}

// finalError is the error of the last attempt, saying what the caller needs
// to know to decide what to do next.
func finalError(req *http.Request, attempt int, transportErr, err error, connected bool) error {
	if transportErr == nil {
		return err
	}
	what := ""
	switch {
	case attempt > 1:
		what = fmt.Sprintf("giving up after %d attempts: ", attempt)
	case req.Context().Err() == nil && !idempotent(req.Method) && connected:
		// A connection was handed over, so the request may have been
		// written. Say so: the caller must decide whether to check for (or
		// accept) a duplicate before sending it again.
		what = "request may have reached Make, so it was not retried: "
	}
	var own *prefixedError
	if what == "" && errors.As(transportErr, &own) {
		return transportErr // the pipeline's own: it names the request already
	}
	// net/http's *url.Error repeats the method and the whole URL, query
	// included; the text keeps its cause, the chain keeps it whole.
	cause := transportErr
	var ue *url.Error
	if errors.As(transportErr, &ue) {
		cause = ue.Err
	}
	return &prefixedError{
		msg: errPrefix + req.Method + " " + req.URL.EscapedPath() + ": " + what + strings.ReplaceAll(cause.Error(), errPrefix, ""),
		err: fmt.Errorf("%w", transportErr),
	}
}

// prepare checks the request against its operation, fills the default
// team and sets the headers every request carries.
func (p *pipeline) prepare(c *call) error {
	req := c.req
	rest, under := strings.CutPrefix(req.URL.EscapedPath(), p.basePath)
	if c.op == nil || !under || c.op.method != req.Method || !matchPath(c.op.path, rest) {
		// Through the generated client only an id of "." or ".." gets here
		// (url resolution turned it into a path of no operation), or a
		// request editor that changed the method or path.
		field := "agentId"
		if strings.Contains(req.URL.EscapedPath(), "/ai-agents/v1/contexts") {
			field = "contextId"
		}
		what := "no operation of the API"
		if c.op != nil {
			what = "not a path of " + string(c.op.id) + " (a request editor may have changed it)"
		}
		return &ValidationError{Field: field, Reason: fmt.Sprintf("%s %.100q is %s; is the id a UUID?", req.Method, req.URL.EscapedPath(), what)}
	}
	if err := checkPathParams(c.op, rest); err != nil {
		return err
	}
	// No token is a configuration error, named before the call's team
	// (configuration too) and its body.
	if p.authorization == "" {
		return errorf("%s %s: %w", req.Method, req.URL.EscapedPath(), ErrNoToken)
	}
	if err := p.checkBody(c); err != nil {
		return err
	}
	if !c.op.teamless {
		if _, err := p.resolveTeam(req, 0); err != nil {
			return err
		}
	}
	// Brackets in query names as Make documents them (type[]=, pg[limit]=),
	// whichever encoder wrote the query last.
	req.URL.RawQuery = literalBrackets(req.URL.RawQuery)
	req.Header.Set("Authorization", p.authorization)
	if p.userAgent != "" {
		req.Header.Set("User-Agent", p.userAgent)
	}
	return nil
}

// checkBody validates what the operation's body and query must hold: the
// checks of its body type and of its query parameters, which the generated
// operations table names for each operation (from openapi.yaml).
func (p *pipeline) checkBody(c *call) error {
	if c.op.checkBody != nil {
		if err := c.op.checkBody(p, c); err != nil {
			return err
		}
	}
	return checkQuery(c.op, c.req.URL.Query())
}

// attempt sends one attempt of the request and bounds its response: the
// operation's header timeout, no followed redirect, the body's size and
// idle bounds (a stream's events are bounded by the sse package), and the
// token redacted from the response's headers and body. connected reports
// whether a connection was handed over for the attempt (the request may
// have been written).
func (p *pipeline) attempt(c call, n int) (resp *http.Response, connected bool, err error) {
	req := c.req
	ctx, cancel := context.WithCancelCause(req.Context())
	clock := &headerClock{timeout: p.headerTimeout(c.op.kind), cancel: cancel}
	st := attemptState{c: c, ctx: ctx, cancel: cancel, clock: clock}
	var gotConn atomic.Bool
	trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { gotConn.Store(true) }}
	// The wait for the headers starts once the request is written: an
	// upload may take longer than the header timeout to send, and must not
	// be cut for it. A request without a body is written at once.
	if req.Body == nil || req.Body == http.NoBody {
		clock.start()
	} else {
		trace.WroteRequest = func(httptrace.WroteRequestInfo) { clock.start() }
	}
	areq := req.WithContext(httptrace.WithClientTrace(ctx, trace))
	if n > 1 && req.GetBody != nil {
		body, gerr := req.GetBody()
		if gerr != nil {
			cancel(nil)
			return nil, false, errorf("%s %s: replay request body: %w", req.Method, req.URL.EscapedPath(), gerr)
		}
		areq.Body = body
	}

	if len(p.middleware) == 0 {
		resp, err = p.roundTrip(&st, areq)
	} else {
		hs := new(attemptState)
		*hs = st
		resp, err = p.withMiddleware(areq, func(r *http.Request) (*http.Response, error) {
			if hs.resp != nil || hs.called {
				return nil, errorf("%s %s: a middleware called next twice in one attempt", req.Method, req.URL.EscapedPath())
			}
			hs.called = true
			return p.roundTrip(hs, r)
		})
		if err == nil && resp != hs.resp {
			// A middleware's own response: bounded as the SDK's would be.
			hs.clock.stop()
			p.bound(ctx, cancel, c, resp, areq)
		}
	}
	connected = gotConn.Load()
	if err != nil {
		cancel(nil)
		return nil, connected, err
	}
	return resp, connected, nil
}

// attemptState is what one attempt's round trip needs besides the request.
type attemptState struct {
	c      call
	ctx    context.Context
	cancel context.CancelCauseFunc
	clock  *headerClock
	resp   *http.Response // what roundTrip handed up
	called bool           // a middleware called next
}

// roundTrip is the bottom of an attempt, below any middleware: send, stop
// the header clock, refuse a redirect, bound the response.
func (p *pipeline) roundTrip(st *attemptState, areq *http.Request) (*http.Response, error) {
	req := st.c.req
	resp, err := p.http.Do(areq)
	fired := st.clock.stop()
	switch {
	case err == nil && fired:
		_ = resp.Body.Close()
		err = context.Cause(st.ctx)
	case err == nil && followed(req, resp):
		_ = resp.Body.Close()
		err = errorf("%s %s: %w to %s; the SDK never follows redirects, set CheckRedirect to return http.ErrUseLastResponse", req.Method, req.URL.EscapedPath(), ErrRedirect, origin(resp.Request.URL))
	}
	if err != nil {
		if fired && errors.Is(context.Cause(st.ctx), errCauseHeaderTimeout) && req.Context().Err() == nil {
			err = errorf("%s %s: %w (%s)", req.Method, req.URL.EscapedPath(), ErrHeaderTimeout, st.clock.timeout)
		}
		return nil, err
	}
	p.bound(st.ctx, st.cancel, st.c, resp, areq)
	st.resp = resp
	return resp, nil
}

// headerTimeout is the header timeout of an operation kind: a stream's
// headers come before its first event, so it has none here.
func (p *pipeline) headerTimeout(kind opKind) time.Duration {
	switch kind {
	case opRun:
		return p.limits.runHeaderTimeout
	case opStream:
		return 0
	}
	return p.limits.headerTimeout
}

// headerClock is an attempt's header timeout: started when the request is
// written, stopped when the response (or an error) arrives; when it fires
// it cancels the attempt with errCauseHeaderTimeout.
type headerClock struct {
	timeout time.Duration // 0: none
	cancel  context.CancelCauseFunc
	mu      sync.Mutex
	timer   *time.Timer
	stopped bool
}

func (h *headerClock) start() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.timer == nil && !h.stopped && h.timeout > 0 {
		h.timer = time.AfterFunc(h.timeout, func() { h.cancel(errCauseHeaderTimeout) })
	}
}

// stop stops the clock and reports whether it had fired.
func (h *headerClock) stop() (fired bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped = true
	return h.timer != nil && !h.timer.Stop()
}

// bound makes a response safe to hand up: the token redacted from its
// headers and body, the body bounded in size and idle time (not a
// stream's), and the attempt's context ended when the body is closed.
func (p *pipeline) bound(ctx context.Context, cancel context.CancelCauseFunc, c call, resp *http.Response, sent *http.Request) {
	if resp.Request == nil {
		resp.Request = sent // a doer that does not say: the errors name the request
	}
	p.red.Header(resp.Header)
	body := resp.Body
	if body == nil {
		body = http.NoBody
	}
	bb := &boundedBody{rc: body, ctx: ctx, cancel: cancel, method: c.req.Method, path: c.req.URL.EscapedPath()}
	if c.op.kind != opStream {
		bb.max, bb.idle = p.limits.maxBody, p.limits.bodyIdle
	}
	resp.Body = p.red.Reader(bb)
}

// verdict is what classify makes of one response.
type verdict struct {
	resp  *http.Response // the response to return; nil with err
	err   error          // *APIError or *UnexpectedResponseError
	retry bool           // the status allows a retry (RetryPolicy)
	wait  time.Duration  // the server's Retry-After, 0 when none
}

// classify turns a response into its outcome. It depends on nothing but its
// arguments: the operation (its method and documented success), the
// response, whether an earlier attempt may have reached Make, the clock
// (for an HTTP-date Retry-After) and the token redactor. A response that is
// not returned has its body read (a bounded part) and closed.
//
//   - 2xx with the documented status and JSON (or any 2xx when the
//     operation has no body to decode, and every stream): the response.
//   - another 2xx: *UnexpectedResponseError, so a nil typed result never
//     comes with a nil error.
//   - 404 to a DELETE whose earlier attempt may have reached Make: a 204,
//     since that attempt deleted it and only its answer was lost.
//   - everything else: *APIError; 429 is retryable for every method, 408
//     and 5xx only for GET and DELETE.
func classify(op *operation, resp *http.Response, reached bool, now time.Time, red redactor) verdict {
	status := resp.StatusCode
	switch {
	case status >= 200 && status < 300:
		ct := resp.Header.Get("Content-Type")
		if op.status == 0 || (status == op.status && mediatype.IsJSON(ct)) {
			return verdict{resp: resp}
		}
		return verdict{err: newUnexpectedResponseError(op, resp, red)}
	case status == http.StatusNotFound && op.method == http.MethodDelete && reached:
		_ = resp.Body.Close()
		return verdict{resp: deletedResponse(resp)}
	}
	e := newAPIError(resp, now, red)
	v := verdict{err: e, retry: retryableStatus(op.method, status)}
	if v.retry {
		v.wait = e.RetryAfter
	}
	return v
}

// log writes the attempt's record when a logger is set: method, path
// without query, attempt, duration, status or error; bodies only with
// WithLogBodies (see logging.go). Never headers, so never the token.
func (p *pipeline) log(req *http.Request, attempt int, d time.Duration, resp *http.Response, err error) {
	if p.logger == nil || !p.logger.Enabled(req.Context(), slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", req.Method),
		slog.String("path", req.URL.EscapedPath()),
		slog.Int("attempt", attempt),
		slog.Duration("duration", d),
	}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", p.red.String(err.Error())))
	}
	if p.logBodies > 0 {
		if b, ok := requestBodyForLog(req, p.logBodies, p.red); ok {
			attrs = append(attrs, slog.String("request_body", b))
		}
		if resp != nil {
			if b, ok := responseBodyForLog(resp, p.logBodies, p.red); ok {
				attrs = append(attrs, slog.String("response_body", b))
			}
		}
	}
	p.logger.LogAttrs(req.Context(), slog.LevelDebug, "makeagents http attempt", attrs...)
}

// fillCreateTeamTyped reconciles a typed create body's teamId with the
// query's (the spec requires both): a missing one is filled from the other
// or the default team, and the body re-encoded from the value; two
// different ones are refused.
func (p *pipeline) fillCreateTeamTyped(req *http.Request, body CreateAgentRequest) error {
	team, err := p.resolveTeam(req, body.TeamID)
	if err != nil {
		return err
	}
	switch body.TeamID {
	case team:
		return nil
	case 0:
		body.TeamID = team
		b, err := json.Marshal(body)
		if err != nil {
			return errorf("encode create body: %w", err)
		}
		setBody(req, b)
		return nil
	}
	return &ValidationError{Field: "teamId", Reason: fmt.Sprintf("the body says %d but the query says %d; they must match", body.TeamID, team)}
}

func closeRequestBody(req *http.Request) {
	// The Doer contract of http.Client: the body is closed even on error.
	if req.Body != nil {
		_ = req.Body.Close()
	}
}
