package main

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/makeagents/makeagents-go/api"

	"github.com/makeagents/makeagents-go/internal/redact"
)

// userAgent identifies the CLI in Make's logs.
const userAgent = "makeagents-cli"

// config is the resolved connection settings of one invocation.
type config struct {
	baseURL string
	token   string
	oauth   bool
	teamID  int64
	// rateLimit is MAKE_RATE_LIMIT, requests per minute; 0 for none.
	rateLimit int
}

// String and GoString keep the token out of any %v, %+v or %#v of a config.
func (c *config) String() string {
	return fmt.Sprintf("config{baseURL: %s, team: %d, oauth: %t, token: %s}", c.baseURL, c.teamID, c.oauth, redact.Mark)
}

func (c *config) GoString() string { return c.String() }

// resolveConfig applies the contract's precedence: flags beat the
// environment; --token-file beats MAKE_API_TOKEN; a base URL (flag, then
// env) overrides the zone, except that an explicit --zone flag beats a
// MAKE_BASE_URL inherited from the environment (the SDK's own order for
// its options and variables). Each value is read and checked by the SDK's
// own functions (api.ParseTeamID, api.ParseZone, api.ParseBaseURL,
// api.CheckToken) under the SDK's variable names; every problem is a usage
// error, reported before any request is made.
func resolveConfig(f *factory) (*config, error) {
	g := f.global
	cfg := &config{oauth: g.oauth}

	team := firstNonEmpty(g.team, f.env(api.EnvTeamID))
	if team == "" {
		return nil, usageErrorf("no team id: set %s or pass --team ID", api.EnvTeamID)
	}
	id, err := api.ParseTeamID(team)
	if err != nil {
		return nil, usageErrorf("team id %q is not a positive integer", team)
	}
	cfg.teamID = id

	zoneName := firstNonEmpty(g.zone, f.env(api.EnvZone), string(api.DefaultZone))
	zone, err := api.ParseZone(zoneName)
	if err != nil {
		return nil, usageErrorf("unknown zone %q (want one of %s)", zoneName, zoneList())
	}
	base := zone.BaseURL()
	switch {
	case g.baseURL != "":
		base = g.baseURL
	case g.zone == "" && f.env(api.EnvBaseURL) != "":
		base = f.env(api.EnvBaseURL)
	}
	u, err := api.ParseBaseURL(base)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	cfg.baseURL = u.String()

	if cfg.rateLimit, err = api.ParseRateLimit(f.env(api.EnvRateLimit)); err != nil {
		return nil, usageErrorf("%s: %v", api.EnvRateLimit, err)
	}

	token, err := resolveToken(f)
	if err != nil {
		return nil, err
	}
	cfg.token = token
	f.redactOutput(token)
	return cfg, nil
}

// resolveToken reads the token from --token-file or MAKE_API_TOKEN. Errors
// name the source, never the value.
func resolveToken(f *factory) (string, error) {
	tok, from := strings.TrimSpace(f.env(api.EnvToken)), api.EnvToken
	if file := f.global.tokenFile; file != "" {
		b, err := readFlagFile("--token-file", file, nil)
		if err != nil {
			return "", err
		}
		tok, from = strings.TrimSpace(string(b)), "--token-file "+file
	}
	if tok == "" {
		if f.global.tokenFile != "" {
			return "", usageErrorf("%s is empty", from)
		}
		return "", usageErrorf("no API token: set %s or pass --token-file FILE", api.EnvToken)
	}
	if err := api.CheckToken(tok); err != nil {
		return "", usageErrorf("the API token from %s: %v", from, err)
	}
	return tok, nil
}

// newClient builds the SDK client for cfg. The environment is ignored by
// the SDK here: the CLI has already applied its own precedence rules.
func newClient(cfg *config) (*api.Client, error) {
	return newClientWithTransport(cfg, nil, 0)
}

// newClientWithTransport is newClient over a given transport (nil: the
// SDK's default), used by conformance to record the wire bytes; maxBody is
// the recorder's bound, which the SDK then keeps too.
func newClientWithTransport(cfg *config, transport http.RoundTripper, maxBody int64) (*api.Client, error) {
	opts := []api.Option{
		api.WithoutEnvironment(),
		api.WithBaseURL(cfg.baseURL),
		api.WithTeamID(cfg.teamID),
		api.WithUserAgent(userAgent),
		api.WithRateLimit(cfg.rateLimit),
	}
	if transport != nil {
		// The recorder keeps what the SDK may read: the same bound.
		opts = append(opts, api.WithHTTPClient(&http.Client{Transport: transport}), api.WithMaxBodyBytes(maxBody))
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
