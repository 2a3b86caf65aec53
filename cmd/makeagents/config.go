package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/makeagents/makeagents-go/api"
)

// userAgent identifies the CLI in Make's logs.
const userAgent = "makeagents-cli"

// config is the resolved connection settings of one invocation.
type config struct {
	baseURL string
	token   string
	oauth   bool
	teamID  int64
}

// String and GoString keep the token out of any %v, %+v or %#v of a config.
func (c *config) String() string {
	return fmt.Sprintf("config{baseURL: %s, team: %d, oauth: %t, token: [redacted]}", c.baseURL, c.teamID, c.oauth)
}

func (c *config) GoString() string { return c.String() }

// resolveConfig applies the contract's precedence: flags beat the
// environment; --token-file beats MAKE_API_TOKEN; a base URL (flag, then
// env) overrides the zone, except that an explicit --zone flag beats a
// MAKE_BASE_URL inherited from the environment. Every problem is a usage
// error, reported before any request is made.
func resolveConfig(in *invocation) (*config, error) {
	g := in.global
	cfg := &config{oauth: g.oauth}

	team := firstNonEmpty(g.team, in.env("MAKE_TEAM_ID"))
	if team == "" {
		return nil, usageErrorf("no team id: set MAKE_TEAM_ID or pass --team ID")
	}
	id, err := strconv.ParseInt(strings.TrimSpace(team), 10, 64)
	if err != nil || id <= 0 {
		return nil, usageErrorf("team id %q is not a positive integer", team)
	}
	cfg.teamID = id

	zoneName := firstNonEmpty(g.zone, in.env("MAKE_ZONE"), string(api.ZoneEU1))
	zone, err := api.ParseZone(zoneName)
	if err != nil {
		return nil, usageErrorf("unknown zone %q (want one of %s)", zoneName, zoneList())
	}
	base := zone.BaseURL()
	switch {
	case g.baseURL != "":
		base = g.baseURL
	case g.zone == "" && in.env("MAKE_BASE_URL") != "":
		base = in.env("MAKE_BASE_URL")
	}
	if err := checkBaseURL(base); err != nil {
		return nil, err
	}
	cfg.baseURL = base

	token, err := resolveToken(in)
	if err != nil {
		return nil, err
	}
	cfg.token = token
	in.redactOutput(token)
	return cfg, nil
}

// resolveToken reads the token from --token-file or MAKE_API_TOKEN. Errors
// name the source, never the value.
func resolveToken(in *invocation) (string, error) {
	if f := in.global.tokenFile; f != "" {
		b, err := readFlagFile("--token-file", f, nil)
		if err != nil {
			return "", err
		}
		tok := strings.TrimSpace(string(b))
		if tok == "" {
			return "", usageErrorf("--token-file %s is empty", f)
		}
		return tok, nil
	}
	if tok := strings.TrimSpace(in.env("MAKE_API_TOKEN")); tok != "" {
		return tok, nil
	}
	return "", usageErrorf("no API token: set MAKE_API_TOKEN or pass --token-file FILE")
}

func checkBaseURL(base string) error {
	u, err := url.Parse(base)
	if err != nil {
		// Not even a URL: echoing it could echo a password in it.
		return usageErrorf("base URL is not a valid URL; want an http(s) URL such as https://eu1.make.com/api/v2")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageErrorf("base URL %q is not an http(s) URL such as https://eu1.make.com/api/v2", echoURL(u))
	}
	if u.User != nil || u.RawQuery != "" {
		return usageErrorf("base URL must not carry credentials or a query string")
	}
	return nil
}

// echoURL is u as a usage error may show it: without user info, query or
// fragment (any of which may hold a credential), and cut short.
func echoURL(u *url.URL) string {
	c := *u
	c.User, c.RawQuery, c.ForceQuery, c.Fragment, c.RawFragment = nil, "", false, "", ""
	s := c.String()
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// newClient builds the SDK client for cfg. The environment is ignored by
// the SDK here: the CLI has already applied its own precedence rules.
func newClient(cfg *config) (*api.ClientWithResponses, error) {
	return newClientWithTransport(cfg, nil)
}

// newClientWithTransport is newClient over a given transport (nil: the
// SDK's default), used by conformance to record the wire bytes.
func newClientWithTransport(cfg *config, transport http.RoundTripper) (*api.ClientWithResponses, error) {
	opts := []api.Option{
		api.WithoutEnvironment(),
		api.WithBaseURL(cfg.baseURL),
		api.WithTeamID(cfg.teamID),
		api.WithUserAgent(userAgent),
	}
	if transport != nil {
		// The recorder keeps what the SDK may read: the same bound.
		opts = append(opts, api.WithHTTPClient(&http.Client{Transport: transport}), api.WithMaxBodyBytes(maxRecordedBody))
	}
	if cfg.oauth {
		opts = append(opts, api.WithOAuthToken(cfg.token))
	} else {
		opts = append(opts, api.WithToken(cfg.token))
	}
	return api.New(opts...)
}

func zoneList() string {
	var names []string
	for _, z := range api.Zones() {
		names = append(names, string(z))
	}
	return strings.Join(names, ", ")
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
