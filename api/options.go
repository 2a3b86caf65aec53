package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Environment variables New reads unless WithoutEnvironment is given. An
// explicit option always beats the environment.
const (
	EnvToken   = "MAKE_API_TOKEN" // API token, sent as "Authorization: Token <value>"
	EnvZone    = "MAKE_ZONE"      // zone name, e.g. "us1"
	EnvBaseURL = "MAKE_BASE_URL"  // full base URL including /api/v2; beats MAKE_ZONE
	EnvTeamID  = "MAKE_TEAM_ID"   // default team id, as WithTeamID sets it
	// EnvRateLimit is the client-side rate limit in requests per minute,
	// as WithRateLimit sets it; empty or "0": none.
	EnvRateLimit = "MAKE_RATE_LIMIT"
)

// Option configures New. Every With... function of this package returns
// one; the options of one call are CallOptions, named ForTeam and Call...
// (CallHeader, CallTimeout, CallResponseInto).
type Option interface {
	applyOption(*settings) error
}

// optionFunc adapts a function to Option.
type optionFunc func(*settings) error

func (f optionFunc) applyOption(s *settings) error { return f(s) }

// settings is what the options collect; New turns it into a client.
type settings struct {
	authScheme string // "Token" or "Bearer"; "" when no token was given
	token      string
	zone       Zone
	teamID     int64
	retry      RetryPolicy
	logger     *slog.Logger
	logBodies  int
	userAgent  string
	noEnv      bool
	baseURL    string
	httpClient HttpRequestDoer
	editors    []RequestEditorFn
	middleware []Middleware
	onCall     []func(context.Context, *CallEvent)
	rateSet    bool          // WithRateLimit or WithRateLimiter was given
	limiter    *rate.Limiter // nil: none

	maxBody          int64
	bodyIdle         time.Duration
	headerTimeout    time.Duration
	runHeaderTimeout time.Duration

	// Test seams; production code leaves them nil and gets the real thing.
	getenv func(string) string
	sleep  func(context.Context, time.Duration) error
	jitter func() float64
	now    func() time.Time
}

// WithToken authenticates with a Make API token, sent as
// "Authorization: Token <token>". It beats MAKE_API_TOKEN.
func WithToken(token string) Option {
	return optionFunc(func(s *settings) error {
		return s.setToken("Token", token, "WithToken")
	})
}

// WithOAuthToken authenticates with an OAuth 2.0 access token, sent as
// "Authorization: Bearer <token>". It beats MAKE_API_TOKEN.
func WithOAuthToken(token string) Option {
	return optionFunc(func(s *settings) error {
		return s.setToken("Bearer", token, "WithOAuthToken")
	})
}

func (s *settings) setToken(scheme, token, from string) error {
	token = strings.TrimSpace(token)
	if err := checkToken(token); err != nil {
		return errorf("%s: %w", from, err)
	}
	s.authScheme, s.token = scheme, token
	return nil
}

// WithZone selects the Make zone (default eu1). WithBaseURL beats it.
func WithZone(z Zone) Option {
	return optionFunc(func(s *settings) error {
		if z.BaseURL() == "" {
			_, err := ParseZone(string(z))
			return errorf("WithZone: %w", err)
		}
		s.zone = z
		return nil
	})
}

// WithTeamID sets the team used when a call's params.TeamID is 0 (or its
// params are nil), so callers working in one team need not repeat it. A
// TeamID set in the params always wins.
func WithTeamID(teamID int64) Option {
	return optionFunc(func(s *settings) error {
		if err := ValidateTeamID(teamID); err != nil {
			return errorf("WithTeamID: %w", err)
		}
		s.teamID = teamID
		return nil
	})
}

// WithRetry replaces DefaultRetryPolicy(). RetryPolicy{} (MaxRetries 0)
// disables retries.
func WithRetry(p RetryPolicy) Option {
	return optionFunc(func(s *settings) error {
		if p.MaxRetries < 0 || p.BaseDelay < 0 || p.MaxDelay < 0 || p.MaxRetryAfter < 0 {
			return errorf("WithRetry: negative MaxRetries or delay")
		}
		s.retry = p
		return nil
	})
}

// WithLogger logs one debug-level record per HTTP attempt (method, path
// without query, status, attempt, duration, error) to l. Headers, and so the
// token, are never logged; bodies only with WithLogBodies.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(s *settings) error {
		s.logger = l
		return nil
	})
}

// WithLogBodies adds the first maxBytes of each request and response body to
// the log records of WithLogger (streamed responses are never read for
// logging). Off by default: bodies can hold personal data. 0 turns it off.
func WithLogBodies(maxBytes int) Option {
	return optionFunc(func(s *settings) error {
		s.logBodies = max(maxBytes, 0)
		return nil
	})
}

// WithUserAgent sets the User-Agent header (default DefaultUserAgent).
func WithUserAgent(ua string) Option {
	return optionFunc(func(s *settings) error {
		if strings.ContainsAny(ua, "\r\n") {
			return errorf("WithUserAgent: user agent contains a line break")
		}
		s.userAgent = ua
		return nil
	})
}

// WithoutEnvironment makes New ignore MAKE_API_TOKEN, MAKE_ZONE,
// MAKE_BASE_URL, MAKE_TEAM_ID and MAKE_RATE_LIMIT, for programs (like the CLI, or a test
// against a fake) that resolve configuration themselves.
func WithoutEnvironment() Option {
	return optionFunc(func(s *settings) error {
		s.noEnv = true
		return nil
	})
}

// Version is the version of this SDK, as its CHANGELOG.md names it.
const Version = "0.2.0"

// DefaultUserAgent is sent when WithUserAgent is not given, so Make's logs
// can tell SDK versions apart.
const DefaultUserAgent = "makeagents-go/" + Version

// WithMaxBodyBytes bounds the size of a success response body, counted
// after decompression (default DefaultMaxBodyBytes, 256 MiB). A larger body
// ends the read with an error wrapping ErrBodyTooLarge; nothing is
// truncated silently. Error bodies have their own bound
// (MaxErrorBodyBytes) and stream events theirs (sse.WithMaxEventSize).
func WithMaxBodyBytes(n int64) Option {
	return optionFunc(func(s *settings) error {
		if n <= 0 {
			return errorf("WithMaxBodyBytes: %d is not a positive size", n)
		}
		s.maxBody = n
		return nil
	})
}

// WithBodyIdleTimeout bounds the time without a single byte while a
// response body (not a stream) is read (default DefaultBodyIdleTimeout,
// one minute): a server that stalls after its headers ends the read with an
// error wrapping ErrBodyIdle instead of hanging.
func WithBodyIdleTimeout(d time.Duration) Option {
	return positiveDuration("WithBodyIdleTimeout", d, func(s *settings) { s.bodyIdle = d })
}

// WithHeaderTimeout bounds the wait for response headers of every operation
// except run and run/stream (default DefaultHeaderTimeout, two minutes).
// Crossing it is an error wrapping ErrHeaderTimeout, and is not retried.
func WithHeaderTimeout(d time.Duration) Option {
	return positiveDuration("WithHeaderTimeout", d, func(s *settings) { s.headerTimeout = d })
}

// WithRunHeaderTimeout bounds the wait for a non-streaming run's response
// headers, which Make sends only when the agent is done (default
// DefaultRunHeaderTimeout, ten minutes).
func WithRunHeaderTimeout(d time.Duration) Option {
	return positiveDuration("WithRunHeaderTimeout", d, func(s *settings) { s.runHeaderTimeout = d })
}

func positiveDuration(name string, d time.Duration, set func(*settings)) Option {
	return optionFunc(func(s *settings) error {
		if d <= 0 {
			return errorf("%s: %s is not a positive duration", name, d)
		}
		set(s)
		return nil
	})
}

// WithBaseURL sets the full base URL, including /api/v2 (white-label
// environments, tests, makeagents fake); it beats any zone, whatever the
// option order. It is checked as ParseBaseURL checks it.
func WithBaseURL(baseURL string) Option {
	return optionFunc(func(s *settings) error {
		if _, err := ParseBaseURL(baseURL); err != nil {
			return errorf("WithBaseURL: %w", err)
		}
		s.baseURL = baseURL
		return nil
	})
}

// WithHTTPClient puts d (an *http.Client or any HttpRequestDoer) at the
// bottom of the pipeline: validation, auth, retries, bounds and *APIError
// still apply above it. An *http.Client is copied with redirects off. Leave
// its Timeout at 0 if you stream.
func WithHTTPClient(d HttpRequestDoer) Option {
	return optionFunc(func(s *settings) error {
		if d == nil {
			return errorf("WithHTTPClient: nil client")
		}
		s.httpClient = d
		return nil
	})
}

// WithRequestEditorFn edits every request before the pipeline checks and
// sends it (tracing headers, say). An editor may change the body, so the
// body of an edited request is validated from its bytes.
func WithRequestEditorFn(f RequestEditorFn) Option {
	return optionFunc(func(s *settings) error {
		if f == nil {
			return errorf("WithRequestEditorFn: nil editor")
		}
		s.editors = append(s.editors, f)
		return nil
	})
}

// fromEnvironment fills what no option set from the environment: the token,
// the rate limit and the default team. A variable that is set but invalid is an error.
func (s *settings) fromEnvironment(getenv func(string) string) error {
	if s.token == "" {
		if t := strings.TrimSpace(getenv(EnvToken)); t != "" {
			if err := checkToken(t); err != nil {
				return errorf("%s: %w", EnvToken, err)
			}
			s.authScheme, s.token = "Token", t
		}
	}
	if !s.rateSet {
		n, err := ParseRateLimit(getenv(EnvRateLimit))
		if err != nil {
			return errorf("%s: %w", EnvRateLimit, err)
		}
		s.limiter = perMinuteLimiter(n)
	}
	if s.teamID == 0 {
		if v := strings.TrimSpace(getenv(EnvTeamID)); v != "" {
			id, err := ParseTeamID(v)
			if err != nil {
				return errorf("%s: %w", EnvTeamID, err)
			}
			s.teamID = id
		}
	}
	return nil
}

// resolveBaseURL picks the base URL: explicit base URL, explicit zone,
// MAKE_BASE_URL, MAKE_ZONE, then DefaultZone. The result has no trailing
// slash.
func resolveBaseURL(explicit string, zone Zone, getenv func(string) string) (*url.URL, error) {
	// A MAKE_ZONE that is set is checked even when a base URL wins: it was
	// meant to say something, and the CLI refuses it too.
	if z := strings.TrimSpace(getenv(EnvZone)); z != "" {
		if _, err := ParseZone(z); err != nil {
			return nil, errorf("%s: %w", EnvZone, err)
		}
	}
	raw, from := explicit, "WithBaseURL"
	switch {
	case raw != "":
	case zone != "":
		raw, from = zone.BaseURL(), "WithZone"
	case strings.TrimSpace(getenv(EnvBaseURL)) != "":
		raw, from = strings.TrimSpace(getenv(EnvBaseURL)), EnvBaseURL
	case strings.TrimSpace(getenv(EnvZone)) != "":
		z, _ := ParseZone(getenv(EnvZone))
		raw = z.BaseURL()
	default:
		raw = DefaultZone.BaseURL()
	}
	u, err := ParseBaseURL(raw)
	if err != nil {
		return nil, errorf("%s: %w", from, err)
	}
	return u, nil
}

// ParseBaseURL checks a base URL as New does (an http or https URL with a
// host, no credentials, no query or fragment) and returns it without a
// trailing slash. Its errors never quote the user info, query or fragment
// of raw, any of which could hold a credential. The CLI's --base-url and
// MAKE_BASE_URL go through it too.
func ParseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse's error quotes the whole input: do not pass it on.
		return nil, errors.New("makeagents: invalid base URL; want an http(s) URL such as https://eu1.make.com/api/v2")
	}
	shown := *u
	shown.User, shown.RawQuery, shown.ForceQuery, shown.Fragment, shown.RawFragment = nil, "", false, "", ""
	switch {
	case u.User != nil:
		// Credentials in the URL would end up in error messages; use WithToken.
		return nil, errors.New("makeagents: base URL must not contain credentials; pass the token with WithToken or MAKE_API_TOKEN")
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("makeagents: base URL %.100q must start with https:// (or http:// for tests)", shown.String())
	case u.Host == "":
		return nil, fmt.Errorf("makeagents: base URL %.100q has no host", shown.String())
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return nil, fmt.Errorf("makeagents: base URL %.100q must not have a query or fragment", shown.String())
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")
	return u, nil
}

// ParseTeamID reads a team id as New reads MAKE_TEAM_ID: a positive
// integer, surrounding space ignored.
func ParseTeamID(s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, &ValidationError{Field: "teamId", Reason: fmt.Sprintf("%.40q is not an integer", s)}
	}
	return id, ValidateTeamID(id)
}

// CheckToken reports a token New would refuse: empty, or containing
// whitespace or control characters (which would corrupt the Authorization
// header). The error never quotes the token.
func CheckToken(token string) error { return checkToken(token) }
