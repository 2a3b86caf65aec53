package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// parseAnywhere parses fs's flags wherever they appear among args and
// returns the positional arguments in order. The standard flag package stops
// at the first positional argument; the CLI contract lets flags come before
// or after the subcommand and its arguments. Everything after "--" is
// positional.
func parseAnywhere(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// newFlagSet returns a silent FlagSet: the CLI prints its own usage lines.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// globalFlags are accepted by every command.
type globalFlags struct {
	team      string
	zone      string
	baseURL   string
	tokenFile string
	oauth     bool
	help      bool
	timeout   time.Duration
}

// accountFlags are the global flags that say which Make account, team and
// zone to talk to: a command that talks to no account (demo, on its own
// fake) does not take them, rather than silently ignoring them.
var accountFlags = []string{"team", "zone", "base-url", "token-file", "oauth"}

// registerFor registers the global flags c takes: all of them, or, for an
// offline command, all but accountFlags.
func (g *globalFlags) registerFor(fs *flag.FlagSet, c *command) {
	if !c.offline {
		g.register(fs)
		return
	}
	all := newFlagSet("global")
	g.register(all)
	all.VisitAll(func(f *flag.Flag) {
		if !slices.Contains(accountFlags, f.Name) {
			fs.Var(f.Value, f.Name, f.Usage)
		}
	})
}

// offlineFlagError explains why an offline command refuses an account flag;
// nil when err is not about one.
func offlineFlagError(c *command, err error) error {
	name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -")
	if !c.offline || !ok || !slices.Contains(accountFlags, strings.TrimPrefix(name, "-")) {
		return nil
	}
	return usageErrorf("%s does not take --%s: it runs on its own fake API, with no account", c.words, strings.TrimPrefix(name, "-"))
}

func (g *globalFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&g.team, "team", "", "team `ID` (default $MAKE_TEAM_ID)")
	fs.StringVar(&g.zone, "zone", "", "`ZONE`: eu1, eu2, us1, us2, celonis-eu1, celonis-us1 (default $MAKE_ZONE or eu1)")
	fs.StringVar(&g.baseURL, "base-url", "", "full API base `URL` including /api/v2; overrides the zone (default $MAKE_BASE_URL)")
	fs.StringVar(&g.tokenFile, "token-file", "", "read the API token from `FILE` instead of $MAKE_API_TOKEN")
	fs.BoolVar(&g.oauth, "oauth", false, "send the token as an OAuth access token (Bearer) instead of an API token")
	fs.DurationVar(&g.timeout, "timeout", 0, "bound the whole command to `DURATION`, e.g. 30s or 5m (default: none for run, stream, conformance, contexts add, fake and eval, 2m otherwise)")
	fs.BoolVar(&g.help, "help", false, "show help for the command")
	fs.BoolVar(&g.help, "h", false, "show help for the command")
}

// flagError turns the flag package's messages into the CLI's usage errors.
func flagError(err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		return usageErrorf("unknown flag %s", name)
	}
	return usageErrorf("%s", msg)
}

// usageError is a mistake on the command line: exit status 2, no request made.
type usageError struct {
	msg   string
	cause error // what went wrong underneath, for errors.Is; may be nil
}

func (e *usageError) Error() string { return e.msg }

func (e *usageError) Unwrap() error { return e.cause }

func usageErrorf(format string, args ...any) error {
	// The CLI prints "makeagents: " once before the message; an SDK error
	// wrapped here brings its own, which is dropped.
	return &usageError{msg: strings.ReplaceAll(fmt.Sprintf(format, args...), "makeagents: ", "")}
}
