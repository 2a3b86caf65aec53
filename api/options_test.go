package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

func serverOf(c *Client) string { return c.server }

func TestBaseURLResolution(t *testing.T) {
	cases := []struct {
		name string
		opts []Option
		env  map[string]string
		want string
	}{
		{"default is eu1", nil, nil, "https://eu1.make.com/api/v2/"},
		{"zone option", []Option{WithZone(ZoneUS2)}, nil, "https://us2.make.com/api/v2/"},
		{"celonis zone", []Option{WithZone(ZoneCelonisUS1)}, nil, "https://us1.make.celonis.com/api/v2/"},
		{"MAKE_ZONE", nil, map[string]string{EnvZone: "eu2"}, "https://eu2.make.com/api/v2/"},
		{"MAKE_BASE_URL beats MAKE_ZONE", nil, map[string]string{EnvZone: "eu2", EnvBaseURL: "https://white.example/api/v2/"}, "https://white.example/api/v2/"},
		{"zone option beats MAKE_BASE_URL", []Option{WithZone(ZoneUS1)}, map[string]string{EnvBaseURL: "https://white.example/api/v2"}, "https://us1.make.com/api/v2/"},
		{"base URL beats zone, in any order", []Option{WithBaseURL("http://127.0.0.1:8080/api/v2"), WithZone(ZoneUS1)}, nil, "http://127.0.0.1:8080/api/v2/"},
		{"trailing slashes trimmed", []Option{WithBaseURL("https://x.example/api/v2///")}, nil, "https://x.example/api/v2/"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(append([]Option{withGetenv(tc.env)}, tc.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			if got := serverOf(c); got != tc.want {
				t.Errorf("server = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestWithoutEnvironmentIgnoresEnv(t *testing.T) {
	env := map[string]string{EnvZone: "us1", EnvBaseURL: "https://white.example/api/v2", EnvToken: testToken}
	srv := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, `[]`) })
	c, err := New(withGetenv(env), WithoutEnvironment(), WithTeamID(1), WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	if got := serverOf(c); got != "https://eu1.make.com/api/v2/" {
		t.Errorf("server = %q, want eu1 (env ignored)", got)
	}
	// Point it at the test server to see that the env token is not used:
	// with no token, nothing is sent.
	c2, err := New(withGetenv(env), WithoutEnvironment(), WithTeamID(1), WithHTTPClient(srv.Client()), WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c2.Generated().ListAgentsWithResponse(context.Background(), nil); !errors.Is(err, ErrNoToken) {
		t.Fatalf("err = %v, want ErrNoToken (the env token ignored)", err)
	}
	if n := len(srv.seen()); n != 0 {
		t.Errorf("%d requests sent without a token option", n)
	}
}

// TestRealEnvironment reads the process environment (no t.Parallel).
func TestRealEnvironment(t *testing.T) {
	srv := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, `[]`) })
	t.Setenv(EnvToken, " "+testToken+"\n") // whitespace as read from a file is trimmed
	t.Setenv(EnvBaseURL, srv.URL)
	t.Setenv(EnvZone, "not-a-zone") // MAKE_BASE_URL wins, but a bad zone is still an error
	if _, err := New(WithTeamID(3), WithHTTPClient(srv.Client())); err == nil || !strings.Contains(err.Error(), "MAKE_ZONE") {
		t.Fatalf("bad MAKE_ZONE beside MAKE_BASE_URL: err = %v, want an error naming MAKE_ZONE", err)
	}
	t.Setenv(EnvZone, "eu2") // a valid zone: MAKE_BASE_URL wins
	c, err := New(WithTeamID(3), WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Generated().ListAgentsWithResponse(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if h := srv.seen()[0]; h.Auth != "Token "+testToken || h.Query != "teamId=3" {
		t.Errorf("auth ok=%v, query %q", h.Auth == "Token "+testToken, h.Query)
	}
}

// TestNoTokenSendsNothing: without a token every call fails before
// sending, with an error naming what to set.
func TestNoTokenSendsNothing(t *testing.T) {
	srv := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, `[]`) })
	c, err := New(withGetenv(nil), WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithTeamID(1))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListAgents(context.Background())
	if !errors.Is(err, ErrNoToken) || !strings.Contains(err.Error(), "MAKE_API_TOKEN") || strings.Count(err.Error(), "makeagents:") != 1 {
		t.Fatalf("err = %v, want ErrNoToken naming MAKE_API_TOKEN, one prefix", err)
	}
	if n := len(srv.seen()); n != 0 {
		t.Errorf("%d requests sent without a token", n)
	}
}

func TestAuthHeaders(t *testing.T) {
	cases := []struct {
		name string
		opts []Option
		env  map[string]string
		want string
	}{
		{"api token", []Option{WithToken(testToken)}, nil, "Token " + testToken},
		{"oauth token", []Option{WithOAuthToken(testToken)}, nil, "Bearer " + testToken},
		{"env token", nil, map[string]string{EnvToken: testToken}, "Token " + testToken},
		{"option beats env", []Option{WithOAuthToken(testToken)}, map[string]string{EnvToken: "other-token-value"}, "Bearer " + testToken},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, `[]`) })
			opts := append([]Option{withGetenv(tc.env), WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithTeamID(1)}, tc.opts...)
			c, err := New(opts...)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Generated().ListAgentsWithResponse(context.Background(), nil); err != nil {
				t.Fatal(err)
			}
			h := srv.seen()[0]
			if h.Auth != tc.want {
				t.Errorf("Authorization mismatch (token shown as <TOKEN>): got %q want %q",
					strings.ReplaceAll(h.Auth, testToken, "<TOKEN>"), strings.ReplaceAll(tc.want, testToken, "<TOKEN>"))
			}
			if h.UA != DefaultUserAgent {
				t.Errorf("User-Agent = %q, want %q", h.UA, DefaultUserAgent)
			}
		})
	}
}

func TestUserAgentAndRequestEditors(t *testing.T) {
	srv := newServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Trace") != "abc" {
			t.Errorf("request editor not applied")
		}
		writeJSON(w, 200, `[]`)
	})
	c, _, _ := newTestClient(t, srv.Server, WithUserAgent("makeagents-cli/1.2"),
		WithRequestEditorFn(func(_ context.Context, r *http.Request) error { r.Header.Set("X-Trace", "abc"); return nil }))
	if _, err := c.Generated().ListAgentsWithResponse(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if ua := srv.seen()[0].UA; ua != "makeagents-cli/1.2" {
		t.Errorf("User-Agent = %q", ua)
	}
}

// MAKE_TEAM_ID is the default team, like WithTeamID; WithTeamID and the
// call's params beat it, WithoutEnvironment ignores it (even an invalid one).
func TestTeamIDFromEnvironment(t *testing.T) {
	srv := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, `[]`) })
	list := func(params *ListAgentsParams, opts ...Option) (string, error) {
		t.Helper()
		c, err := New(append([]Option{WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithToken(testToken)}, opts...)...)
		if err != nil {
			return "", err
		}
		before := len(srv.seen())
		if _, err := c.Generated().ListAgentsWithResponse(context.Background(), params); err != nil {
			return "", err
		}
		if len(srv.seen()) != before+1 {
			t.Fatalf("%d requests sent, want 1", len(srv.seen())-before)
		}
		return srv.seen()[before].Query, nil
	}
	env := map[string]string{EnvTeamID: " 7\n"}
	for _, tc := range []struct {
		name   string
		params *ListAgentsParams
		opts   []Option
		want   string
	}{
		{"env", nil, []Option{withGetenv(env)}, "teamId=7"},
		{"WithTeamID beats env", nil, []Option{withGetenv(env), WithTeamID(9)}, "teamId=9"},
		{"params beat env", &ListAgentsParams{TeamID: 11}, []Option{withGetenv(env)}, "teamId=11"},
	} {
		got, err := list(tc.params, tc.opts...)
		if err != nil || got != tc.want {
			t.Errorf("%s: query %q, err %v; want %q", tc.name, got, err, tc.want)
		}
	}
	// Ignored: the call has no team and is refused before sending.
	_, err := list(nil, withGetenv(map[string]string{EnvTeamID: "not-a-team"}), WithoutEnvironment())
	if !IsValidationError(err) {
		t.Errorf("WithoutEnvironment and MAKE_TEAM_ID set: err = %v, want a validation error for the missing team", err)
	}
}

func TestOptionErrors(t *testing.T) {
	cases := []struct {
		name string
		opts []Option
		env  map[string]string
		want string
	}{
		{"unknown zone", []Option{WithZone("mars1")}, nil, "unknown zone"},
		{"bad MAKE_ZONE", nil, map[string]string{EnvZone: "mars1"}, "MAKE_ZONE: unknown zone"},
		{"ftp base URL", []Option{WithBaseURL("ftp://x.example/api/v2")}, nil, "must start with https://"},
		{"relative base URL", []Option{WithBaseURL("/api/v2")}, nil, "must start with https://"},
		{"base URL with query", []Option{WithBaseURL("https://x.example/api/v2?teamId=1")}, nil, "query or fragment"},
		{"base URL with credentials", []Option{WithBaseURL("https://user:" + testToken + "@x.example/api/v2")}, nil, "must not contain credentials"},
		{"bad MAKE_BASE_URL", nil, map[string]string{EnvBaseURL: "x.example"}, "MAKE_BASE_URL"},
		{"empty token", []Option{WithToken("  ")}, nil, "WithToken: empty token"},
		{"token with newline", []Option{WithOAuthToken(testToken[:20] + "\n" + testToken[20:])}, nil, "whitespace or control"},
		{"env token with control char", nil, map[string]string{EnvToken: testToken + "\x00"}, "MAKE_API_TOKEN: token contains"},
		{"team id 0", []Option{WithTeamID(0)}, nil, "WithTeamID"},
		{"negative retries", []Option{WithRetry(RetryPolicy{MaxRetries: -1})}, nil, "negative"},
		{"user agent with newline", []Option{WithUserAgent("a\r\nX-Evil: 1")}, nil, "line break"},
		{"MAKE_TEAM_ID not a number", nil, map[string]string{EnvTeamID: "team-7"}, `MAKE_TEAM_ID: invalid teamId: "team-7" is not an integer`},
		{"MAKE_TEAM_ID zero", nil, map[string]string{EnvTeamID: "0"}, "MAKE_TEAM_ID: invalid teamId"},
		{"MAKE_TEAM_ID negative", nil, map[string]string{EnvTeamID: "-3"}, "MAKE_TEAM_ID: invalid teamId"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(append([]Option{withGetenv(tc.env)}, tc.opts...)...)
			scanErr(err)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "makeagents: ") || strings.Count(err.Error(), "makeagents:") != 1 {
				t.Errorf("err = %q, want the makeagents: prefix, once", err)
			}
		})
	}
}

// WithHTTPClient supplies the bottom of the pipeline: retries and typed errors
// still apply above a caller's own doer.
func TestWithHTTPClientKeepsStack(t *testing.T) {
	n := 0
	doer := &http.Client{Transport: rtFunc(func(r *http.Request) (*http.Response, error) {
		n++
		return &http.Response{StatusCode: 503, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
	})}
	c, err := New(WithoutEnvironment(), WithToken(testToken), WithTeamID(1), WithHTTPClient(doer), withSleep((&sleeps{}).sleep))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Generated().GetAgentWithResponse(context.Background(), testAgent, nil)
	scanErr(err)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || n != 3 {
		t.Fatalf("err %v after %d calls; want a 503 *APIError after 3", err, n)
	}
}

func TestNilOptionIgnored(t *testing.T) {
	if _, err := New(nil, WithoutEnvironment()); err != nil {
		t.Fatal(err)
	}
}

// ParseBaseURL never quotes a credential, whatever is wrong with the URL;
// url.Parse's own error would quote the whole input.
func TestParseBaseURLNeverEchoesCredentials(t *testing.T) {
	for _, raw := range []string{
		"https://user:s3cr3t-pw@eu1.make.com/api/v2",
		"http://user:s3cr3t-pw@[::1", // unparseable
		"ftp://eu1.make.com/api/v2?token=s3cr3t-pw",
		"https://eu1.make.com/api/v2#s3cr3t-pw",
		"https:///api/v2?s3cr3t-pw",
	} {
		_, err := ParseBaseURL(raw)
		if err == nil {
			t.Errorf("%q accepted", raw)
			continue
		}
		if strings.Contains(err.Error(), "s3cr3t-pw") {
			t.Errorf("error for %q quotes the credential: %v", raw, err)
		}
	}
	u, err := ParseBaseURL("https://eu1.make.com/api/v2/")
	if err != nil || u.String() != "https://eu1.make.com/api/v2" {
		t.Errorf("ParseBaseURL = %v, %v", u, err)
	}
}
