package makeagentstest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/internal/contract"
	"github.com/makeagents/makeagents-go/internal/spec"
	"github.com/makeagents/makeagents-go/makeagentstest/internal/fakeapi"
)

// BasePath is the path prefix the fake serves the API under, as Make does
// (https://eu1.make.com/api/v2/ai-agents/...). URL includes it.
const BasePath = "/api/v2"

// DefaultToken is the API token a server accepts unless WithToken says
// otherwise.
const DefaultToken = "test-token"

// Server is a running fake of the AI Agents API. Its methods are safe for
// concurrent use, also while requests are being served.
type Server struct {
	cfg       config
	validator *contract.Validator
	// mux is the generated router's ServeMux; routes maps each pattern it
	// registers ("GET /api/v2/ai-agents/v1/agents/{agentId}") to the
	// operation in the spec's index, so every layer knows the operation of
	// a request from the router itself.
	mux    *http.ServeMux
	routes map[string]*spec.Operation
	srv    *http.Server
	ln     net.Listener
	url    string
	conns  *connStates

	// done is closed by Close so that streams that are pacing or stalled end
	// at once instead of holding Close up.
	done      chan struct{}
	closeOnce sync.Once
	serveDone chan struct{}
	// inflight counts handlers and stream producers, so Close returns only
	// when none is left running.
	inflight sync.WaitGroup

	logMu  sync.Mutex // serializes WithAccessLog's writes
	mu     sync.Mutex
	closed bool // set by Close; requests arriving after it get 503
	store  store
	log    []Request
	// logBytes is what log's entries cost (Request.size), bounded by
	// maxLogBytes.
	logBytes int64
	logSizes []int64 // each entry's share of logBytes
	limiter  rateLimiter
	faults   faultState
}

type config struct {
	token     string
	teams     map[int64]bool
	stepDelay time.Duration
	perMinute int
	clock     func() time.Time
	// blankLineAfterLast closes the stream's last event with a blank line,
	// as the SSE standard has it; Make's documented stream does not.
	blankLineAfterLast bool
	addr               string
	seed               *int64
	maxUpload          int64
	accessLog          io.Writer
	// scopes are the token's scopes (WithScopes); AllScopes unless scopesSet.
	scopes    []string
	scopesSet bool
	// report receives every spec violation in a response the server sent
	// (nil: responses are not checked). NewServer sets it to t.Errorf.
	report func(error)
	limits Limits
}

// Option configures a Server.
type Option func(*config)

// WithToken sets the API token the server accepts (default DefaultToken).
func WithToken(token string) Option { return func(c *config) { c.token = token } }

// WithTeam limits the server to the given team; repeat it for several teams.
// A request for any other team gets 403 Permission denied, as Make answers a
// token that has no access to the team. Without WithTeam every positive team
// id exists (and starts with no agents).
func WithTeam(teamID int64) Option {
	return func(c *config) {
		if c.teams == nil {
			c.teams = map[int64]bool{}
		}
		c.teams[teamID] = true
	}
}

// WithStepDelay sets the pause between two events of a stream (default 0),
// so a client's live output can be watched or tested. A plain run waits as
// long as the stream of the same run would take.
func WithStepDelay(d time.Duration) Option { return func(c *config) { c.stepDelay = d } }

// WithRateLimit allows at most perMinute requests per team in each one-minute
// window (measured on the server's clock, see WithClock); further requests
// get 429 with a Retry-After header saying when the window ends, as Make's
// per-organization limit does. 0 (the default) means no limit.
func WithRateLimit(perMinute int) Option { return func(c *config) { c.perMinute = perMinute } }

// WithClock sets the clock for createdAt, the "Current time" in the system
// step and the rate-limit window (default time.Now), for reproducible output.
// Pacing between events (WithStepDelay) uses real time.
func WithClock(now func() time.Time) Option { return func(c *config) { c.clock = now } }

// WithBlankLineAfterLastEvent ends a stream's last event with the blank
// line the SSE standard uses to close an event. By default the fake ends the
// last event as Make's published stream does: after its data line's newline,
// with no blank line, which a client must still dispatch.
func WithBlankLineAfterLastEvent() Option { return func(c *config) { c.blankLineAfterLast = true } }

// WithAddr makes the server listen on addr ("host:port"; port 0 picks a
// free port) instead of 127.0.0.1:0. The fake has one token and no real
// security: keep it on a loopback address unless every host that can reach
// addr may use it (makeagents fake refuses other addresses without
// --listen-any).
func WithAddr(addr string) Option { return func(c *config) { c.addr = addr } }

// WithSeed derives the server's generated ids (agents, threads, steps,
// contexts, ...) from seed: the same seed and the same requests give the
// same ids, another seed other ids. Without it ids are still reproducible,
// from a fixed seed of the package's own.
func WithSeed(seed int64) Option { return func(c *config) { c.seed = &seed } }

// WithMaxUploadBytes makes a file upload (createContext's multipart body)
// of more than n bytes fail with 413, for testing a client's handling of
// it. By default an upload of any size is accepted: the fake counts its
// bytes as they stream in and keeps at most the first MiB of a text file.
// JSON bodies are always bounded (8 MiB; Make's are a few KiB).
func WithMaxUploadBytes(n int64) Option { return func(c *config) { c.maxUpload = n } }

// WithAccessLog writes one line per finished request to w: method, path
// (no query), status and duration, e.g.
// "GET /api/v2/ai-agents/v1/agents 200 1.2ms". Headers, and so the token,
// are never written. Writes are serialized.
func WithAccessLog(w io.Writer) Option { return func(c *config) { c.accessLog = w } }

// HeaderName is the response header that every response of the fake
// carries, naming it and the SDK version it belongs to (HeaderValue), so
// a client or a person can tell the fake from Make.
const HeaderName = "X-Makeagents-Fake"

// HeaderValue is the value of HeaderName: "makeagents-go/" + api.Version.
const HeaderValue = "makeagents-go/" + api.Version

// NewServer starts a fake for the test t on a loopback port and closes it
// when the test ends (t.Cleanup). It fails t at once if the server cannot
// start, and later (t.Errorf) for every response it sends that violates
// openapi.yaml, except those made wrong on purpose by fault injection.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	opts = append(opts, func(c *config) {
		c.report = func(err error) {
			t.Errorf("makeagentstest: the fake sent a response that violates openapi.yaml: %v", err)
		}
	})
	s, err := Start(opts...)
	if err != nil {
		t.Fatalf("makeagentstest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts a fake on a loopback port (or WithAddr's) for use outside
// tests: the CLI's demo and `makeagents fake` use it. The caller must call
// Close. Responses are not checked against the spec (there is no test to
// fail); requests are.
func Start(opts ...Option) (*Server, error) {
	cfg := config{token: DefaultToken, clock: time.Now, limits: DefaultLimits()}
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.limits.check(); err != nil {
		return nil, fmt.Errorf("start fake: %w", err)
	}
	if cfg.token == "" {
		return nil, errors.New("start fake: empty token")
	}
	if cfg.maxUpload < 0 {
		return nil, fmt.Errorf("start fake: negative upload bound %d", cfg.maxUpload)
	}
	if cfg.addr == "" {
		cfg.addr = "127.0.0.1:0"
	}
	if cfg.perMinute < 0 {
		return nil, fmt.Errorf("start fake: negative rate limit %d", cfg.perMinute)
	}
	v, err := contract.New()
	if err != nil {
		return nil, fmt.Errorf("start fake: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return nil, fmt.Errorf("start fake: listen on %s: %w", cfg.addr, err)
	}
	routes := map[string]*spec.Operation{}
	for _, op := range v.Spec().Operations() {
		routes[op.Method+" "+BasePath+op.Path] = op
	}
	s := &Server{
		cfg:       cfg,
		validator: v,
		mux:       http.NewServeMux(),
		routes:    routes,
		ln:        newLimitListener(ln, cfg.limits.MaxConnections),
		url:       "http://" + dialable(ln.Addr()) + BasePath,
		conns:     newConnStates(),
		done:      make(chan struct{}),
		serveDone: make(chan struct{}),
		store:     newStore(cfg.seed, cfg.limits),
	}
	s.srv = &http.Server{
		Handler:           s.handler(),
		ReadHeaderTimeout: cfg.limits.ReadHeaderTimeout,
		// ReadTimeout covers the headers and the body; net/http lifts it
		// once the body is read, so it never cuts a stream. WriteTimeout is
		// not net/http's (a deadline for the whole response would end
		// every long stream): the recorder sets one before each write.
		ReadTimeout: cfg.limits.ReadTimeout,
		IdleTimeout: cfg.limits.IdleTimeout,
		ConnState:   s.conns.track,
	}
	go func() {
		defer close(s.serveDone)
		_ = s.srv.Serve(s.ln) // returns http.ErrServerClosed after Close
	}()
	return s, nil
}

// dialable is addr as a client on this host can dial it: a server listening
// on every interface (0.0.0.0, ::) is reached on loopback.
func dialable(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return addr.String()
	}
	host := "127.0.0.1"
	if tcp.IP.To4() == nil {
		host = "::1"
	}
	return net.JoinHostPort(host, fmt.Sprint(tcp.Port))
}

// URL returns the base URL of the API including /api/v2, e.g.
// http://127.0.0.1:PORT/api/v2: what a program under test takes as
// MAKE_BASE_URL or api.WithBaseURL. Client builds an api client on it.
func (s *Server) URL() string { return s.url }

// Client returns a client for the server made by api.New, so that a test
// goes through the same validation, retries and *api.APIError as production
// code: the server's URL as the base URL, its token, the environment
// ignored (a MAKE_API_TOKEN or MAKE_BASE_URL in the developer's shell must
// not send a test to Make), and FastRetryPolicy instead of the default
// retry policy, so a test of retries takes milliseconds, not seconds.
// opts come after these and may add to or replace them, e.g.
// api.WithTeamID, api.WithLogger, or api.WithRetry to test with the real
// delays. The error is api.New's, for an invalid option.
func (s *Server) Client(opts ...api.Option) (*api.Client, error) {
	base := []api.Option{api.WithoutEnvironment(), api.WithBaseURL(s.url), api.WithToken(s.cfg.token), api.WithRetry(FastRetryPolicy())}
	return api.New(append(base, opts...)...)
}

// FastRetryPolicy is the retry policy of Server.Client: the SDK's default
// retry rules and count, with backoff of a few milliseconds, and a
// Retry-After honoured only up to one second. A longer Retry-After (a
// rate limit's "60", FailNext's or Prefer's retry-after=2) is not waited
// for: the call returns the *api.APIError at once, with its RetryAfter, so
// a test sees the rate limit instead of sleeping through it.
func FastRetryPolicy() api.RetryPolicy {
	p := api.DefaultRetryPolicy()
	p.BaseDelay = time.Millisecond
	p.MaxDelay = 10 * time.Millisecond
	p.MaxRetryAfter = time.Second
	return p
}

// Token returns the API token the server accepts, to send as
// "Authorization: Token <token>".
func (s *Server) Token() string { return s.cfg.token }

// Close stops the server: streams in progress end (stalled ones too), open
// connections are closed, and Close returns when no goroutine of the server
// is left. With nothing in flight it returns at once, even when a client
// holds a connection it never sent a request on; a response in flight gets
// up to closeGrace to finish. It is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		close(s.done)
		// Shutdown stops accepting and closes idle connections; it would
		// wait 5 s for a connection that never sent a byte, so it is cut
		// short once no connection is reading or serving a request. The
		// grace bounds a client that stopped reading, after which Close
		// cuts its connection.
		ctx, cancel := context.WithTimeout(context.Background(), closeGrace)
		defer cancel()
		go func() {
			s.conns.waitQuiet(ctx.Done())
			cancel()
		}()
		_ = s.srv.Shutdown(ctx)
		_ = s.srv.Close()
		<-s.serveDone
		s.inflight.Wait()
	})
}

// closeGrace is how long Close lets responses in flight finish.
const closeGrace = 5 * time.Second

// handler builds the request pipeline, outermost first: request log and
// response check, injected failures (FailNext, Prefer), authentication,
// reading the body (bounded; uploads streamed), rate limit, validation
// against the spec, token scopes, team access, then the generated
// router and strict handlers that call the hand-written behaviour.
func (s *Server) handler() http.Handler {
	strict := fakeapi.NewStrictHandlerWithOptions(handlers{s}, nil, fakeapi.StrictHTTPServerOptions{
		RequestErrorHandlerFunc:  s.badRequest,
		ResponseErrorHandlerFunc: s.responseError,
	})
	api := fakeapi.HandlerWithOptions(strict, fakeapi.StdHTTPServerOptions{
		BaseURL:          BasePath,
		BaseRouter:       s.mux,
		ErrorHandlerFunc: s.badRequest,
	})
	var h http.Handler = api
	h = s.teamAccess(h)
	h = s.enforceScopes(h)
	h = s.validateRequests(h)
	h = s.rateLimit(h)
	h = s.readBody(h)
	h = s.authenticate(h)
	h = s.injectFailures(h)
	h = s.record(h)
	return h
}

// operation asks the generated router which operation r is for: the
// pattern it would serve r with names the operation in the spec's index.
// It returns nil for a request the router has no operation for.
func (s *Server) operation(r *http.Request) (*spec.Operation, map[string]string) {
	_, pattern := s.mux.Handler(r)
	op := s.routes[pattern]
	if op == nil {
		return nil, nil
	}
	params, ok := op.PathParams(r.URL.EscapedPath())
	if !ok {
		return nil, nil
	}
	return op, params
}

// unroutedStatus is the status the generated router answers a request it
// has no operation for with: 405 when the path exists with other methods,
// else 404. Only the status is kept; the fake answers in Make's shape.
func (s *Server) unroutedStatus(r *http.Request) int {
	h, _ := s.mux.Handler(r)
	st := &bufferedResponse{header: http.Header{}}
	h.ServeHTTP(st, r)
	if st.status == http.StatusMethodNotAllowed {
		return st.status
	}
	return http.StatusNotFound
}

// authenticate enforces the spec's token scheme: "Token <token>" as Make
// documents for API tokens. "Bearer <token>" is accepted too, with the same
// token, so clients' OAuth mode can be exercised against the fake.
func (s *Server) authenticate(next http.Handler) http.Handler {
	want1, want2 := "Token "+s.cfg.token, "Bearer "+s.cfg.token
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != want1 && got != want2 {
			writeError(w, http.StatusUnauthorized, makeError("Invalid credentials",
				"The access token is missing or invalid.", "SC401"), nil)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// teamAccess answers 403 for teams outside WithTeam's list. It runs after
// validation, so teamId is known to be a positive integer here.
func (s *Server) teamAccess(next http.Handler) http.Handler {
	if len(s.cfg.teams) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if teamless(exchangeOf(r.Context()).op) {
			next.ServeHTTP(w, r)
			return
		}
		if team, ok := teamOf(r); !ok || !s.cfg.teams[team] {
			writeError(w, http.StatusForbidden, makeError("Permission denied",
				"Access denied.", "SC403"), nil)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// bufferedResponse holds a response instead of sending it (unroutedStatus
// reads only its status).
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
