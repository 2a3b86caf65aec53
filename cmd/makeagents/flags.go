package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/makeagents/makeagents-go/internal/suggest"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// globalFlags are the flags every command that talks to a Make account
// takes (and --timeout, which every command takes).
type globalFlags struct {
	team      string
	zone      string
	baseURL   string
	tokenFile string
	oauth     bool
	timeout   time.Duration
}

// accountFlags are the global flags that say which Make account, team and
// zone to talk to: a command that talks to no account (demo, on its own
// fake) does not take them, rather than silently ignoring them.
var accountFlags = []string{"team", "zone", "base-url", "token-file", "oauth"}

// Annotations a command carries for the CLI's own machinery.
const (
	// annotationNoAccount marks a command that takes none of accountFlags;
	// its value says why, in the usage error that refuses one.
	annotationNoAccount = "makeagents/no-account"
	// annotationNoDefaultTimeout marks a command that runs unbounded unless
	// --timeout is given.
	annotationNoDefaultTimeout = "makeagents/no-default-timeout"
	// annotationGlobal marks a flag (pflag annotation) that help lists
	// under "global flags".
	annotationGlobal = "makeagents/global"
)

// defaultTimeout bounds a command without --timeout: two minutes for the
// quick ones; none for run, stream and conformance (which runs and streams
// an agent), whose length is the agent's business, nor for contexts add,
// whose upload takes as long as the file is large (the SDK still bounds
// the wait for Make's answer once the file is sent), nor for fake.
const defaultTimeout = 2 * time.Minute

func commandTimeout(cmd *cobra.Command, flagValue time.Duration) time.Duration {
	if flagValue > 0 {
		return flagValue
	}
	if _, none := cmd.Annotations[annotationNoDefaultTimeout]; none {
		return 0
	}
	return defaultTimeout
}

// noDefaultTimeout marks cmd as unbounded unless --timeout is given.
func noDefaultTimeout(cmd *cobra.Command) {
	annotate(cmd, annotationNoDefaultTimeout, "")
}

// noAccount marks cmd as taking none of accountFlags, for the reason given.
func noAccount(cmd *cobra.Command, reason string) {
	annotate(cmd, annotationNoAccount, reason)
}

func annotate(cmd *cobra.Command, key, value string) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[key] = value
}

// addGlobalFlags gives cmd the account flags and --timeout: what every
// command that talks to Make takes.
func (f *factory) addGlobalFlags(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&f.global.team, "team", "", "team `ID` (default $MAKE_TEAM_ID)")
	fs.StringVar(&f.global.zone, "zone", "", "`ZONE`: eu1, eu2, us1, us2, celonis-eu1, celonis-us1 (default $MAKE_ZONE or eu1)")
	fs.StringVar(&f.global.baseURL, "base-url", "", "full API base `URL` including /api/v2; overrides the zone (default $MAKE_BASE_URL)")
	fs.StringVar(&f.global.tokenFile, "token-file", "", "read the API token from `FILE` instead of $MAKE_API_TOKEN")
	fs.BoolVar(&f.global.oauth, "oauth", false, "send the token as an OAuth access token (Bearer) instead of an API token")
	markGlobal(fs, accountFlags...)
	f.addTimeoutFlag(cmd)
}

// addTimeoutFlag gives cmd --timeout; its help names the command's default.
func (f *factory) addTimeoutFlag(cmd *cobra.Command) {
	def := "2m"
	if _, none := cmd.Annotations[annotationNoDefaultTimeout]; none {
		def = "none"
	}
	cmd.Flags().DurationVar(&f.global.timeout, "timeout", 0, "bound the whole command to `DURATION`, e.g. 30s or 5m (default: "+def+")")
	markGlobal(cmd.Flags(), "timeout")
}

func markGlobal(fs *pflag.FlagSet, names ...string) {
	for _, n := range names {
		_ = fs.SetAnnotation(n, annotationGlobal, []string{"true"})
	}
}

func isGlobalFlag(fl *pflag.Flag) bool {
	_, ok := fl.Annotations[annotationGlobal]
	return ok
}

// flagError turns pflag's parse errors into the CLI's usage errors: flags
// spelled with two dashes, a suggestion for a mistyped one, the commands
// that take a flag given to the wrong one, and why an offline command
// refuses an account flag.
func flagError(f *factory, cmd *cobra.Command, err error) error {
	var unknown *pflag.NotExistError
	var missing *pflag.ValueRequiredError
	var invalid *pflag.InvalidValueError
	switch {
	case errors.As(err, &unknown):
		name, typed := unknown.GetSpecifiedName(), "--"+unknown.GetSpecifiedName()
		if s := unknown.GetSpecifiedShortnames(); s != "" {
			name, typed = s, "-"+s
		}
		if reason, ok := cmd.Annotations[annotationNoAccount]; ok && slices.Contains(accountFlags, name) {
			return usageErrorf("%s does not take --%s: %s", commandWords(cmd), name, reason)
		}
		return usageErrorf("unknown flag %s for %s%s", typed, commandWords(cmd), flagHint(f, cmd, name))
	case errors.As(err, &missing):
		return usageErrorf("--%s needs a value", missing.GetFlag().Name)
	case errors.As(err, &invalid):
		fl := invalid.GetFlag()
		what := map[string]string{"int": "an integer", "int64": "an integer", "duration": "a duration such as 30s or 5m", "bool": "true or false"}[fl.Value.Type()]
		if what == "" {
			return usageErrorf("--%s %q: %v", fl.Name, invalid.GetValue(), errors.Unwrap(invalid))
		}
		return usageErrorf("--%s %q is not %s", fl.Name, invalid.GetValue(), what)
	}
	return usageErrorf("%v", err)
}

// flagHint is what follows "unknown flag --x": the command's flags closest
// to x, or else the commands that take --x.
func flagHint(f *factory, cmd *cobra.Command, typed string) string {
	var owners []string
	for _, c := range f.commands {
		if c != cmd && c.Flags().Lookup(typed) != nil {
			owners = append(owners, commandWords(c))
		}
	}
	if len(owners) > 0 {
		return fmt.Sprintf(" (--%s is a flag of %s)", typed, strings.Join(owners, ", "))
	}
	var names []string
	cmd.Flags().VisitAll(func(fl *pflag.Flag) {
		if !fl.Hidden {
			names = append(names, fl.Name)
		}
	})
	if close := suggest.Closest(typed, names); len(close) > 0 {
		for i := range close {
			close[i] = "--" + close[i]
		}
		return suggest.DidYouMean(close)
	}
	return ""
}

// usageError is a mistake on the command line: exit status 2, no request made.
type usageError struct {
	msg   string
	cause error // what went wrong underneath, for errors.Is; may be nil
}

func (e *usageError) Error() string { return e.msg }

func (e *usageError) Unwrap() error { return e.cause }

// usageErrorf formats a usage error. The CLI prints "makeagents: " once
// before the message, so an SDK error among args loses the prefix it starts
// with; text anywhere else (a server's message, a file name) is left as it
// is.
func usageErrorf(format string, args ...any) error {
	for i, a := range args {
		if err, ok := a.(error); ok {
			args[i] = strings.TrimPrefix(err.Error(), sdkPrefix)
		}
	}
	return &usageError{msg: fmt.Sprintf(format, args...)}
}
