package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"os"
	"strings"
	"time"

	"github.com/makeagents/makeagents-go/internal/redact"
)

// Client is the client for Make's AI Agents API: one method per operation,
// context first, typed arguments and results, error last. Make one with
// New; it is safe for concurrent use.
//
// Every method goes through the SDK's one request pipeline (see New): bad
// input is a *ValidationError and nothing is sent; a non-2xx answer is an
// *APIError; a 2xx that is not what the operation documents is an
// *UnexpectedResponseError; safe retries, bounded reads and timeouts apply.
// A result returned with a nil error is never nil.
//
// What the methods do not offer (the raw response of every operation, a
// body given as bytes) the generated client does: Generated.
type Client struct {
	server  string // base URL with a trailing slash
	pipe    *pipeline
	editors []RequestEditorFn // WithRequestEditorFn
	gen     *ClientWithResponses
}

// New returns a ready client for Make's AI Agents API.
//
//	client, err := api.New(api.WithZone(api.ZoneUS1), api.WithTeamID(42)) // token from MAKE_API_TOKEN
//	agents, err := client.ListAgents(ctx)
//
// Unless WithoutEnvironment is given, the token defaults to MAKE_API_TOKEN,
// the rate limit to MAKE_RATE_LIMIT, the default team to MAKE_TEAM_ID and the base URL to MAKE_BASE_URL, else
// MAKE_ZONE's, else eu1's; explicit options beat the environment, and a base
// URL beats a zone. A variable that is set but invalid is an error from New,
// also when another option or variable wins over it. Without a token New
// succeeds, but every call fails before sending with an error wrapping
// ErrNoToken.
//
// Every request, from Client's methods and from Generated, goes through one
// pipeline (api/pipeline.go):
//
//	prepare   ids, typed bodies and the team id checked (*ValidationError,
//	          nothing sent); Authorization and User-Agent set
//	attempts  each waits its turn (WithRateLimit, and after a 429 every
//	          call of the client pauses), passes through WithMiddleware;
//	          the operation's header timeout, no redirect followed, the
//	          body's size and idle bounds, the token redacted from what comes
//	          back; safe retries only (see RetryPolicy)
//	classify  the response, *APIError or *UnexpectedResponseError
//	log       one record per attempt (WithLogger); one event per call
//	          (WithCallEvents)
//
// at the bottom, WithHTTPClient's doer (redirects off), or a client with no
// overall timeout.
func New(opts ...Option) (*Client, error) {
	s := &settings{
		retry:            defaultRetryPolicy,
		maxBody:          DefaultMaxBodyBytes,
		bodyIdle:         DefaultBodyIdleTimeout,
		headerTimeout:    DefaultHeaderTimeout,
		runHeaderTimeout: DefaultRunHeaderTimeout,
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o.applyOption(s); err != nil {
			return nil, err
		}
	}
	getenv := s.getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if s.noEnv {
		getenv = func(string) string { return "" }
	}
	if err := s.fromEnvironment(getenv); err != nil {
		return nil, err
	}
	base, err := resolveBaseURL(s.baseURL, s.zone, getenv)
	if err != nil {
		return nil, err
	}
	bottom := s.httpClient
	if bottom == nil {
		bottom = newDefaultHTTPClient()
	}
	p := &pipeline{
		basePath:  base.EscapedPath(),
		userAgent: DefaultUserAgent,
		teamID:    s.teamID,
		retry:     s.retry.withDefaults(),
		http:      withoutRedirects(bottom),
		red:       redact.New(s.token),
		limits: limits{
			maxBody:          s.maxBody,
			bodyIdle:         s.bodyIdle,
			headerTimeout:    s.headerTimeout,
			runHeaderTimeout: s.runHeaderTimeout,
		},
		logger:     s.logger,
		logBodies:  s.logBodies,
		pacer:      &pacer{limiter: s.limiter},
		middleware: s.middleware,
		onCall:     s.onCall,
		server:     hostPort(base),
		sleep:      s.sleep,
		jitter:     s.jitter,
		now:        s.now,
	}
	if s.userAgent != "" {
		p.userAgent = s.userAgent
	}
	if s.token != "" {
		p.authorization = s.authScheme + " " + s.token
	}
	if p.sleep == nil {
		p.sleep = sleepCtx
	}
	if s.limiter == nil {
		p.pacer.spacing = resumeSpacing
	}
	if p.jitter == nil {
		p.jitter = defaultJitter
	}
	if p.now == nil {
		p.now = time.Now
	}
	server := base.String() + "/"
	gen := &ClientWithResponses{ClientInterface: &generatedClient{server: server, pipe: p, editors: s.editors}}
	return &Client{server: server, pipe: p, editors: s.editors, gen: gen}, nil
}

// Generated returns the generated client (ClientWithResponses): every
// operation as oapi-codegen makes it, with the raw *http.Response and body
// on each result and ...WithBody variants that take the body as bytes. It
// is the escape hatch for what Client's methods do not offer, and goes
// through the same pipeline as they do.
func (c *Client) Generated() *ClientWithResponses { return c.gen }

// NewUnvalidatedClient returns the generated client WITHOUT the SDK's
// pipeline: no validation, no default team, no auth header, no retries, no
// bounds, no *APIError; every response comes back as the server sent it.
// It exists for tests of servers (makeagentstest's own tests send requests
// the SDK would refuse, to see the server refuse them too). Programs use
// New. server is the base URL including /api/v2; editors run on every
// request (set Authorization in one).
func NewUnvalidatedClient(server string, doer HttpRequestDoer, editors ...RequestEditorFn) *ClientWithResponses {
	if !strings.HasSuffix(server, "/") {
		server += "/"
	}
	if doer == nil {
		doer = &http.Client{CheckRedirect: noRedirects}
	}
	return &ClientWithResponses{ClientInterface: &generatedClient{server: server, doer: doer, editors: editors}}
}

// CallOption adjusts one call of a Client method. Call options are named
// ForTeam and Call... (CallHeader, CallTimeout, CallResponseInto); the
// With... functions are client Options, given to New. Every call option
// works on every method (TestEveryCallOptionOnEveryMethod walks them all);
// ForTeam on CurrentAuthorization, which takes no team, is a
// *ValidationError rather than ignored.
type CallOption func(*callSettings) error

type callSettings struct {
	team    int64
	header  http.Header
	timeout time.Duration
	into    **http.Response
	event   *CallEvent // nil unless WithCallEvents; emitted by the cancel start returns
}

// ForTeam sends the call for teamID instead of the client's default team
// (WithTeamID, MAKE_TEAM_ID).
func ForTeam(teamID int64) CallOption {
	return func(s *callSettings) error {
		if err := ValidateTeamID(teamID); err != nil {
			return errorf("ForTeam: %w", err)
		}
		s.team = teamID
		return nil
	}
}

// CallHeader adds a request header to the call (tracing ids, a proxy's
// header). Authorization and User-Agent are the client's and cannot be
// set here.
func CallHeader(name, value string) CallOption {
	return func(s *callSettings) error {
		key := textproto.CanonicalMIMEHeaderKey(name)
		switch {
		case name == "" || strings.ContainsAny(name, " \t\r\n:"):
			return errorf("CallHeader: %.40q is not a header name", name)
		case strings.ContainsAny(value, "\r\n"):
			return errorf("CallHeader: the value of %s contains a line break", key)
		case key == "Authorization" || key == "User-Agent":
			return errorf("CallHeader: %s is set by the client (WithToken, WithUserAgent)", key)
		}
		if s.header == nil {
			s.header = http.Header{}
		}
		s.header.Add(key, value)
		return nil
	}
}

// CallTimeout bounds the whole call, retries and their waits included. For
// StartRunStream it bounds the whole stream, until its body is closed; for
// the Scenarios iterator, each page's request (the loop's pace is the
// caller's; bound the walk with ctx).
// (WithHeaderTimeout and WithRunHeaderTimeout, client options, bound only
// the wait for response headers, on every call.)
func CallTimeout(d time.Duration) CallOption {
	return func(s *callSettings) error {
		if d <= 0 {
			return errorf("CallTimeout: %s is not a positive duration", d)
		}
		s.timeout = d
		return nil
	}
}

// CallResponseInto stores the call's successful HTTP response in *dst: its
// status and headers (the token redacted), and a Body to read the bytes
// that were decoded into the result once more (an empty body for the
// operations Make answers without one). For StartRunStream, *dst is the
// stream's response itself; for Scenarios, the last page's. On an error *dst is left as it was; the error
// carries what there is (*APIError has the status, headers and body).
func CallResponseInto(dst **http.Response) CallOption {
	return func(s *callSettings) error {
		if dst == nil {
			return errorf("CallResponseInto: nil destination")
		}
		s.into = dst
		return nil
	}
}

// WithHeader is CallHeader.
//
// Deprecated: use CallHeader; With... names configure a client (New).
func WithHeader(name, value string) CallOption { return CallHeader(name, value) }

// WithTimeout is CallTimeout.
//
// Deprecated: use CallTimeout; With... names configure a client (New).
func WithTimeout(d time.Duration) CallOption { return CallTimeout(d) }

// WithResponseInto is CallResponseInto.
//
// Deprecated: use CallResponseInto; With... names configure a client (New).
func WithResponseInto(dst **http.Response) CallOption { return CallResponseInto(dst) }

// send builds an operation's request with the call's team, hands it to the
// pipeline with its call options and parses the response.
func send[R any](ctx context.Context, c *Client, opID OperationID, opts []CallOption, typed any,
	build func(team TeamID) (*http.Request, error), parse func(*http.Response) (R, error)) (R, error) {
	var zero R
	resp, cancel, cs, err := c.start(ctx, opID, opts, typed, false, build)
	if err != nil {
		return zero, err
	}
	defer cancel()
	commit, err := cs.capture(resp)
	if err != nil {
		err = c.scrub(err)
		if cs.event != nil {
			cs.event.Err = err
		}
		return zero, err
	}
	head := &headCapture{r: resp.Body, max: MaxErrorBodyBytes}
	resp.Body = head
	r, err := parse(resp)
	switch {
	case err != nil && head.err != nil:
		// Reading failed (a bound, a reset): that is the error.
		err = c.scrub(errorf("%s %s: decoding the response: %w", resp.Request.Method, resp.Request.URL.EscapedPath(), err))
	case err != nil:
		err = c.scrub(unexpectedBody(opID, resp, head.b, "the body does not decode: "+err.Error(), err))
	case isJSONNull(head.b):
		// null decodes into any list or struct without an error, as an
		// empty result: an answer that says nothing is not "nothing".
		err = c.scrub(unexpectedBody(opID, resp, head.b, "the body is null", nil))
	}
	if err != nil {
		if cs.event != nil {
			cs.event.Err = err
		}
		return zero, err
	}
	if cs.event != nil {
		describeResult(cs.event, r)
	}
	commit()
	return r, nil
}

// unexpectedBody is the *UnexpectedResponseError of a response that has
// the documented status and content type, but not a body of the
// documented shape.
func unexpectedBody(opID OperationID, resp *http.Response, body []byte, reason string, err error) *UnexpectedResponseError {
	e := &UnexpectedResponseError{
		StatusCode: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"),
		Body: body, Header: resp.Header.Clone(), Reason: reason, Err: err,
	}
	if op := lookupOperation(opID); op != nil {
		e.WantStatus = op.status
	}
	if req := resp.Request; req != nil && req.URL != nil {
		e.Method, e.Path = req.Method, req.URL.EscapedPath()
	}
	return e
}

// headCapture keeps the first max bytes read through it, for the error of
// a body that does not decode, and the read error, if any.
type headCapture struct {
	r   io.ReadCloser
	max int
	b   []byte
	err error
}

func (h *headCapture) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if room := h.max - len(h.b); room > 0 {
		h.b = append(h.b, p[:min(n, room)]...)
	}
	if err != nil && err != io.EOF {
		h.err = err
	}
	return n, err
}

func (h *headCapture) Close() error { return h.r.Close() }

// capture buffers resp's body when the call asked for its response
// (CallResponseInto), so that the result's parser and the caller each read
// it; commit stores the response in *cs.into, once the call has succeeded
// (on an error *dst is left as it was).
func (cs *callSettings) capture(resp *http.Response) (commit func(), err error) {
	if cs.into == nil {
		return func() {}, nil
	}
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	kept := *resp
	kept.Body = io.NopCloser(bytes.NewReader(b))
	return func() { *cs.into = &kept }, nil
}

// describeResult fills a call's event from its decoded result, so what
// observers need is never decoded twice.
func describeResult(e *CallEvent, result any) {
	switch r := result.(type) {
	case *RunAgentResponse:
		if r.JSON200 != nil {
			u := r.JSON200.TokenUsageSummary
			e.Usage, e.ThreadID = &u, r.JSON200.ThreadID
		}
	case *CreateAgentResponse:
		if r.JSON201 != nil {
			e.AgentID = r.JSON201.ID
		}
	}
}

// start applies the call options, builds the request and sends it through
// the pipeline. The caller calls cancel when done with the response; that
// also ends the call's event (WithCallEvents), with what cs.event holds by
// then.
func (c *Client) start(ctx context.Context, opID OperationID, opts []CallOption, typed any, streamed bool,
	build func(team TeamID) (*http.Request, error)) (*http.Response, context.CancelFunc, *callSettings, error) {
	cs := &callSettings{}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(cs); err != nil {
			return nil, nil, nil, c.scrub(err)
		}
	}
	if cs.team != 0 {
		if op := lookupOperation(opID); op != nil && op.teamless {
			// The operation is about the token, not a team: a team given
			// for it would be silently ignored.
			return nil, nil, nil, &ValidationError{Field: "teamId", Reason: fmt.Sprintf("ForTeam: %s takes no team", opID)}
		}
	}
	callCtx := ctx
	cancel := context.CancelFunc(func() {})
	if cs.timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, cs.timeout)
	}
	req, err := build(cs.team)
	if err != nil {
		cancel()
		return nil, nil, nil, c.scrub(errorf("%s: building the request: %w", opID, err))
	}
	for k, vs := range cs.header {
		req.Header[k] = append(req.Header[k], vs...)
	}
	cl := call{op: lookupOperation(opID), req: req, typed: typed, streamed: streamed}
	cl.ev = c.pipe.newEvent(&cl)
	resp, err := c.pipe.send(ctx, cl, c.editors)
	if err != nil {
		cancel()
		c.pipe.emit(callCtx, cl.ev, err)
		return nil, nil, nil, err
	}
	if ev := cl.ev; ev != nil {
		cs.event = ev
		inner := cancel
		cancel = func() {
			inner()
			c.pipe.emit(callCtx, ev, nil)
		}
	}
	return resp, cancel, cs, nil
}

// ListAgents returns the team's agents.
func (c *Client) ListAgents(ctx context.Context, opts ...CallOption) ([]Agent, error) {
	res, err := send(ctx, c, OpListAgents, opts, nil, func(team TeamID) (*http.Request, error) {
		return newListAgentsRequest(c.server, &ListAgentsParams{TeamID: team})
	}, parseListAgentsResponse)
	if err != nil {
		return nil, err
	}
	return *res.JSON200, nil
}

// GetAgent returns one agent.
func (c *Client) GetAgent(ctx context.Context, agentID string, opts ...CallOption) (*Agent, error) {
	if err := c.scrub(ValidateAgentID(agentID)); err != nil {
		return nil, err
	}
	res, err := send(ctx, c, OpGetAgent, opts, nil, func(team TeamID) (*http.Request, error) {
		return newGetAgentRequest(c.server, agentID, &GetAgentParams{TeamID: team})
	}, parseGetAgentResponse)
	if err != nil {
		return nil, err
	}
	return res.JSON200, nil
}

// CreateAgent creates an agent and returns what Make answers: its id
// (AgentID) and the fields it stored. body.TeamID may be left 0: the call's
// team fills it.
func (c *Client) CreateAgent(ctx context.Context, body CreateAgentRequest, opts ...CallOption) (*CreatedAgent, error) {
	res, err := send(ctx, c, OpCreateAgent, opts, body, func(team TeamID) (*http.Request, error) {
		return newCreateAgentRequest(c.server, &CreateAgentParams{TeamID: team}, body)
	}, parseCreateAgentResponse)
	if err != nil {
		return nil, err
	}
	return res.JSON201, nil
}

// UpdateAgent changes the fields of an agent that body sets; a nil field is
// left as it is (Make cannot change an agent's connection or contexts).
func (c *Client) UpdateAgent(ctx context.Context, agentID string, body UpdateAgentRequest, opts ...CallOption) error {
	if err := c.scrub(ValidateAgentID(agentID)); err != nil {
		return err
	}
	_, err := send(ctx, c, OpUpdateAgent, opts, body, func(team TeamID) (*http.Request, error) {
		return newUpdateAgentRequest(c.server, agentID, &UpdateAgentParams{TeamID: team}, body)
	}, parseUpdateAgentResponse)
	return err
}

// DeleteAgent deletes an agent. A retried delete whose first attempt may
// have deleted it succeeds.
func (c *Client) DeleteAgent(ctx context.Context, agentID string, opts ...CallOption) error {
	if err := c.scrub(ValidateAgentID(agentID)); err != nil {
		return err
	}
	_, err := send(ctx, c, OpDeleteAgent, opts, nil, func(team TeamID) (*http.Request, error) {
		return newDeleteAgentRequest(c.server, agentID, &DeleteAgentParams{TeamID: team})
	}, parseDeleteAgentResponse)
	return err
}

// RunAgent runs an agent and waits for its answer: the response text, the
// steps it took and the token usage. Leave body.ThreadID nil to start a new
// thread; the result's ThreadID continues it. A run is never sent twice.
func (c *Client) RunAgent(ctx context.Context, agentID string, body RunAgentRequest, opts ...CallOption) (*RunAgentResult, error) {
	if err := c.scrub(ValidateAgentID(agentID)); err != nil {
		return nil, err
	}
	res, err := send(ctx, c, OpRunAgent, opts, body, func(team TeamID) (*http.Request, error) {
		return newRunAgentRequest(c.server, agentID, &RunAgentParams{TeamID: team}, body)
	}, parseRunAgentResponse)
	if err != nil {
		return nil, err
	}
	return res.JSON200, nil
}

// StartRunStream starts a streamed run and returns its text/event-stream
// response unread; sse.Run calls it and reads the events. The caller owns
// the body and must close it. It is never sent twice.
func (c *Client) StartRunStream(ctx context.Context, agentID string, body RunAgentRequest, opts ...CallOption) (*http.Response, error) {
	if err := c.scrub(ValidateAgentID(agentID)); err != nil {
		return nil, err
	}
	resp, cancel, cs, err := c.start(ctx, OpRunAgentStream, opts, body, false, func(team TeamID) (*http.Request, error) {
		req, err := newRunAgentStreamRequest(c.server, agentID, &RunAgentStreamParams{TeamID: team}, body)
		if err == nil {
			req.Header.Set("Accept", "text/event-stream")
		}
		return req, err
	})
	if err != nil {
		return nil, err
	}
	if cs.event != nil {
		// The call ends when the stream does: a read error is its error.
		ev := cs.event
		resp.Body = &eventBody{ReadCloser: resp.Body, done: func(err error) { ev.Err = err; cancel() }}
	} else {
		resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	}
	if cs.into != nil {
		*cs.into = resp
	}
	return resp, nil
}

// cancelOnClose ends a call's timeout context when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// ListContexts returns an agent's knowledge contexts.
func (c *Client) ListContexts(ctx context.Context, agentID string, opts ...CallOption) ([]AgentContext, error) {
	if err := c.scrub(ValidateAgentID(agentID)); err != nil {
		return nil, err
	}
	res, err := send(ctx, c, OpListContexts, opts, nil, func(team TeamID) (*http.Request, error) {
		return newListContextsRequest(c.server, &ListContextsParams{AgentID: agentID, TeamID: team})
	}, parseListContextsResponse)
	if err != nil {
		return nil, err
	}
	return *res.JSON200, nil
}

// AddTextContext gives an agent knowledge from a text (body.Content, with an
// optional body.Name). Make answers with no body: ListContexts shows it.
func (c *Client) AddTextContext(ctx context.Context, body CreateTextContextRequest, opts ...CallOption) error {
	_, err := send(ctx, c, OpCreateContext, opts, body, func(team TeamID) (*http.Request, error) {
		return newCreateContextRequest(c.server, &CreateContextParams{TeamID: team}, body)
	}, parseCreateContextResponse)
	return err
}

// DeleteContext deletes a knowledge context.
func (c *Client) DeleteContext(ctx context.Context, contextID string, opts ...CallOption) error {
	if err := c.scrub(ValidateContextID(contextID)); err != nil {
		return err
	}
	_, err := send(ctx, c, OpDeleteContext, opts, nil, func(team TeamID) (*http.Request, error) {
		return newDeleteContextRequest(c.server, contextID, &DeleteContextParams{TeamID: team})
	}, parseDeleteContextResponse)
	return err
}

// ListLLMProviders returns the team's LLM providers; each one's
// AccountName is the type of the Make connections it can use.
func (c *Client) ListLLMProviders(ctx context.Context, opts ...CallOption) ([]LLMProvider, error) {
	res, err := send(ctx, c, OpListLLMProviders, opts, nil, func(team TeamID) (*http.Request, error) {
		return newListLLMProvidersRequest(c.server, &ListLLMProvidersParams{TeamID: team})
	}, parseListLLMProvidersResponse)
	if err != nil {
		return nil, err
	}
	return *res.JSON200, nil
}

// GetLLMProvider returns one provider, as Make documents it: a list (of one).
func (c *Client) GetLLMProvider(ctx context.Context, providerID int64, opts ...CallOption) ([]LLMProviderSummary, error) {
	if err := validateProviderID(providerID); err != nil {
		return nil, err
	}
	res, err := send(ctx, c, OpGetLLMProvider, opts, nil, func(team TeamID) (*http.Request, error) {
		return newGetLLMProviderRequest(c.server, providerID, &GetLLMProviderParams{TeamID: team})
	}, parseGetLLMProviderResponse)
	if err != nil {
		return nil, err
	}
	return *res.JSON200, nil
}

// ListLLMProviderModels returns the models of a provider: the values
// CreateAgentRequest.DefaultModel takes.
func (c *Client) ListLLMProviderModels(ctx context.Context, providerID int64, opts ...CallOption) ([]LLMModel, error) {
	if err := validateProviderID(providerID); err != nil {
		return nil, err
	}
	res, err := send(ctx, c, OpListLLMProviderModels, opts, nil, func(team TeamID) (*http.Request, error) {
		return newListLLMProviderModelsRequest(c.server, providerID, &ListLLMProviderModelsParams{TeamID: team})
	}, parseListLLMProviderModelsResponse)
	if err != nil {
		return nil, err
	}
	return *res.JSON200, nil
}

// String names the client by its base URL (never its token).
func (c *Client) String() string {
	return fmt.Sprintf("api.Client(%s)", strings.TrimSuffix(c.server, "/"))
}

// NewRunRequest returns a run request of one user message, for
// Client.RunAgent and sse.Run. Set ThreadID on it to continue a thread.
func NewRunRequest(message string) RunAgentRequest {
	return RunAgentRequest{Messages: []Message{{Role: MessageRoleUser, Content: message}}}
}

// validateProviderID checks a provider id as the pipeline checks the path:
// a positive integer.
func validateProviderID(id int64) error {
	if id <= 0 {
		return &ValidationError{Field: "providerId", Reason: fmt.Sprintf("%d is not a positive provider id", id)}
	}
	return nil
}
