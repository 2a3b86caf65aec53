package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
)

// fakeTeam is the team id `makeagents fake` prints when --team is not
// given; the fake then accepts any team.
const fakeTeam = 1

// fakeOptions are what fake runs with.
type fakeOptions struct {
	*factory
	addr, token, seed, scopes string
	stepDelay                 time.Duration
	listenAny                 bool
	// rateLimit is requests per minute per team (0: none); limits are the
	// fake's bounds, each flag defaulting to makeagentstest.DefaultLimits.
	rateLimit int
	limits    makeagentstest.Limits
}

func newFakeCmd(f *factory, runF func(context.Context, *fakeOptions) error) *cobra.Command {
	opts := &fakeOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "fake",
		Short: "Serve the fake API (the SDK's makeagentstest) on loopback for any client, until Ctrl-C or SIGTERM.",
		Long: `Starts the same fake the SDK's tests and the demo use: every operation of
openapi.yaml, validated as Make validates, with agents, threads and contexts in
memory, a catalogue of LLM providers (ids 1-3), their connections (ids
1001-1003, the makeConnectionId to create agents with) and models, and a
deterministic agent that quotes the user, calls a scenario when asked for one and
cites its knowledge. Nothing leaves the machine.

stdout gets three lines a shell can source, and nothing else:
  MAKE_BASE_URL=http://127.0.0.1:PORT/api/v2
  MAKE_API_TOKEN=...
  MAKE_TEAM_ID=...
stderr gets one line per request (method, path without query, status,
duration; never a header, so never the token). Every response carries
` + makeagentstest.HeaderName + `: ` + makeagentstest.HeaderValue + `.

Use it from a shell:
  makeagents fake > fake.env &
  until grep -q MAKE_TEAM_ID fake.env 2>/dev/null; do sleep 0.1; done
  set -a; . ./fake.env; set +a
  makeagents agents list
  kill %1        # SIGTERM: drains connections, exit 0

Faults for one request, from any HTTP client, with a Prefer header:
  Prefer: code=503                   answer 503 (any 4xx/5xx) in Make's error shape
  Prefer: code=429, retry-after=2    the same with Retry-After: 2
  Prefer: stream=cut-after-2         run/stream: two events, then half of one
  Prefer: scopes="ai-agents:read"    the token has only these scopes (403 otherwise)
Stream faults: end-after-K, cut-after-K, malformed-after-K, stall-after-K,
drop-after-K, oversize-after-K (with size=BYTES, default 17 MiB). A bad Prefer
value is a 400 that says what is wrong. For example:
  curl -H "Authorization: Token $MAKE_API_TOKEN" -H 'Prefer: code=503' \
    "$MAKE_BASE_URL/ai-agents/v1/agents?teamId=$MAKE_TEAM_ID"

Bounded, for a fake left running for days or reached over a network (each
bound a flag; a create beyond one is Make's 400 naming it):
  requests     the newest --request-log (10000) are kept for inspection
  agents       at most --max-agents (1000), contexts --max-contexts (1000),
               together at most --max-store-bytes (256 MiB) of text
  threads      at most --max-threads (10000) and --max-thread-bytes (64 MiB);
               the least recently used is forgotten beyond them
  connections  at most --max-connections (1024) open; more wait to be accepted
  timeouts     --read-header-timeout 10s, --read-timeout 2m (headers and body),
               --write-timeout 1m (each write: a stream may run for hours),
               --idle-timeout 1m (a keep-alive connection with no request)
  one request  allocates at most about 330 MiB (an 8 MiB run body, the most
               the fake reads); a Prefer header at most 1 KiB, 16 preferences,
               8 stream faults, size=64 MiB (oversize events are streamed)
--rate-limit N answers Make's 429 once a team has made N requests in a minute.

Ids (agents, threads, steps) are reproducible with --seed N: the same seed and
the same requests give the same ids. Without --seed every start picks a new
seed, as a real server never repeats ids. The fake has one token and no real
security: it listens on loopback only, unless --listen-any allows another
address.`,
		Example: "makeagents fake --addr 127.0.0.1:8080 --seed 1",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCommand(cmd, f, opts, runF, fakeRun)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&opts.addr, "addr", "127.0.0.1:0", "`HOST:PORT` to listen on (port 0: a free port, printed)")
	fs.StringVar(&opts.token, "token", makeagentstest.DefaultToken, "the API `TOKEN` the fake accepts (printed as MAKE_API_TOKEN)")
	fs.StringVar(&opts.seed, "seed", "", "`N`: derive ids from this integer, reproducibly (default: a new seed each start)")
	fs.DurationVar(&opts.stepDelay, "step-delay", 0, "`DURATION` between two streamed events, and the pace of a plain run")
	fs.BoolVar(&opts.listenAny, "listen-any", false, "allow --addr to be a non-loopback address (anyone who can reach it can use the fake)")
	fs.StringVar(&opts.scopes, "scopes", "", "the token's `SCOPES`, comma- or space-separated (default: every scope the commands need); try doctor with fewer")
	fs.IntVar(&opts.rateLimit, "rate-limit", 0, "allow `N` requests a minute per team, then Make's 429 with Retry-After (default 0: no limit)")
	limitFlags(fs, &opts.limits)
	// The fake's --team is its own: the one team it serves.
	fs.StringVar(&f.global.team, "team", "", "serve only team `ID` (printed as MAKE_TEAM_ID; default: any team, printed as 1)")
	noAccount(cmd, "it serves its own fake API; point other commands at it with the MAKE_BASE_URL it prints")
	noDefaultTimeout(cmd)
	f.addTimeoutFlag(cmd)
	return cmd
}

func fakeRun(ctx context.Context, o *fakeOptions) error {
	if err := checkFakeAddr(o.addr, o.listenAny); err != nil {
		return err
	}
	if err := api.CheckToken(o.token); err != nil {
		return usageErrorf("--token: %v", err)
	}
	if o.stepDelay < 0 {
		return usageErrorf("--step-delay %s is negative", o.stepDelay)
	}
	if o.rateLimit < 0 {
		return usageErrorf("--rate-limit %d is negative", o.rateLimit)
	}
	if err := checkLimits(o.limits); err != nil {
		return err
	}
	seed := time.Now().UnixNano()
	if o.seed != "" {
		n, err := strconv.ParseInt(o.seed, 10, 64)
		if err != nil {
			return usageErrorf("--seed %q is not an integer", o.seed)
		}
		seed = n
	}
	team := int64(fakeTeam)
	var scopes []makeagentstest.Option
	if o.scopes != "" {
		list := strings.FieldsFunc(o.scopes, func(r rune) bool { return r == ',' || r == ' ' })
		for _, sc := range list {
			if !fakeScopePattern.MatchString(sc) {
				return usageErrorf("--scopes: %q is not a scope such as ai-agents:read", sc)
			}
		}
		scopes = append(scopes, makeagentstest.WithScopes(list...))
	}
	// The access log is written by the fake's handlers while this
	// goroutine writes its own lines; stderr (a redacting writer once
	// MAKE_API_TOKEN is set) is not safe for that, so one lock guards both.
	stderr := &syncWriter{w: o.stderr}
	opts := []makeagentstest.Option{
		makeagentstest.WithAddr(o.addr), makeagentstest.WithToken(o.token),
		makeagentstest.WithSeed(seed), makeagentstest.WithStepDelay(o.stepDelay),
		makeagentstest.WithAccessLog(stderr),
		makeagentstest.WithRateLimit(o.rateLimit), makeagentstest.WithLimits(o.limits),
	}
	opts = append(opts, scopes...)
	if o.global.team != "" {
		id, err := api.ParseTeamID(o.global.team)
		if err != nil {
			return usageErrorf("team id %q is not a positive integer", o.global.team)
		}
		team = id
		opts = append(opts, makeagentstest.WithTeam(id)) // the fake then serves this team only
	}
	fake, err := makeagentstest.Start(opts...)
	if err != nil {
		return fmt.Errorf("start the fake API: %w", err)
	}
	// Close drains: it lets responses in flight finish (streams end at
	// once), waits at most a few seconds for a client that stopped reading,
	// and returns when no goroutine of the fake is left.
	defer fake.Close()
	// Unredacted: these lines are the fake's configuration, its token
	// included, even when the environment's token is the same (a shell
	// that sourced another fake's lines); redacted, they would lock every
	// client out. The fake reads no token from the environment.
	fmt.Fprintf(o.unredactedStdout, "%s=%s\n%s=%s\n%s=%d\n", api.EnvBaseURL, shellQuote(fake.URL()),
		api.EnvToken, shellQuote(fake.Token()), api.EnvTeamID, team)
	fmt.Fprintf(stderr, "makeagents fake: serving %s (%s); Ctrl-C or SIGTERM stops it\n", fake.URL(), makeagentstest.HeaderValue)
	<-ctx.Done()
	fmt.Fprintln(stderr, "makeagents fake: stopping")
	return nil // a stop asked for is success, whether by a signal or --timeout
}

// checkFakeAddr refuses an address that is not on loopback unless
// --listen-any was given: the fake's single token is printed and known.
func checkFakeAddr(addr string, listenAny bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return usageErrorf("--addr %q is not HOST:PORT: %v", addr, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return usageErrorf("--addr %q: port %q is not a number from 0 to 65535", addr, port)
	}
	if listenAny {
		return nil
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return usageErrorf("--addr %q is not a loopback address; the fake's token is no protection, pass --listen-any to serve it to other hosts", addr)
}

// limitFlags binds a flag to each of the fake's limits, defaulting to
// makeagentstest.DefaultLimits.
func limitFlags(fs *pflag.FlagSet, l *makeagentstest.Limits) {
	d := makeagentstest.DefaultLimits()
	fs.IntVar(&l.RequestLog, "request-log", d.RequestLog, "keep the newest `N` requests for inspection")
	fs.IntVar(&l.Agents, "max-agents", d.Agents, "hold at most `N` agents (all teams); a create beyond is a 400")
	fs.IntVar(&l.Contexts, "max-contexts", d.Contexts, "hold at most `N` knowledge contexts (all agents); a create beyond is a 400")
	fs.Int64Var(&l.StoreBytes, "max-store-bytes", d.StoreBytes, "hold at most `BYTES` of agents' and contexts' text; a create beyond is a 400")
	fs.IntVar(&l.Threads, "max-threads", d.Threads, "keep at most `N` threads; the least recently used is forgotten")
	fs.Int64Var(&l.ThreadBytes, "max-thread-bytes", d.ThreadBytes, "keep at most `BYTES` of thread history; the least recently used thread is forgotten")
	fs.IntVar(&l.MaxConnections, "max-connections", d.MaxConnections, "serve at most `N` connections at once; more wait to be accepted")
	fs.DurationVar(&l.ReadHeaderTimeout, "read-header-timeout", d.ReadHeaderTimeout, "`DURATION` a client may take to send a request's headers")
	fs.DurationVar(&l.ReadTimeout, "read-timeout", d.ReadTimeout, "`DURATION` a client may take to send a whole request, body included")
	fs.DurationVar(&l.WriteTimeout, "write-timeout", d.WriteTimeout, "`DURATION` each write of a response may take (a client that stops reading is cut; streams may last)")
	fs.DurationVar(&l.IdleTimeout, "idle-timeout", d.IdleTimeout, "`DURATION` a keep-alive connection may wait for its next request")
}

// checkLimits refuses a limit that is not positive: 0 would mean the
// default to the Go option, which a flag that says 0 should not.
func checkLimits(l makeagentstest.Limits) error {
	for flag, v := range map[string]int64{"request-log": int64(l.RequestLog), "max-agents": int64(l.Agents), "max-contexts": int64(l.Contexts),
		"max-store-bytes": l.StoreBytes, "max-threads": int64(l.Threads), "max-thread-bytes": l.ThreadBytes, "max-connections": int64(l.MaxConnections),
		"read-header-timeout": int64(l.ReadHeaderTimeout), "read-timeout": int64(l.ReadTimeout), "write-timeout": int64(l.WriteTimeout), "idle-timeout": int64(l.IdleTimeout)} {
		if v <= 0 {
			return usageErrorf("--%s must be positive", flag)
		}
	}
	return nil
}

// fakeScopePattern is the shape of a Make scope ("ai-agents:read").
var fakeScopePattern = regexp.MustCompile(`^[a-z0-9-]+:[a-z0-9-]+$`)

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:@%+=,-]+$`)

// shellQuote makes v one word for sh, unchanged when it needs no quoting.
func shellQuote(v string) string {
	if shellSafe.MatchString(v) {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}

// syncWriter serialises writes from several goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
