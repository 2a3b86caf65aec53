package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/makeagents/makeagents-go/api"
)

// Exit statuses (the CLI contract in the README; scripts depend on them).
const (
	exitOK          = 0
	exitError       = 1 // API, network or stream error
	exitUsage       = 2 // usage error; no request was made
	exitDrift       = 3 // conformance found drift
	exitInterrupted = 130
)

// options holds every command-specific flag; each command registers the
// ones it takes, so a flag given to the wrong command is a usage error.
type options struct {
	name, connection, model, systemPrompt, fromFile string
	thread, configFile                              string
	file, text                                      string
	json                                            bool
	pace                                            string
	readOnly, yes                                   bool
	limit                                           int
	addr, fakeToken, seed, fakeScopes               string
	stepDelay                                       time.Duration
	listenAny                                       bool
	types                                           []string // connections list --type
	tools                                           bool     // scenarios list --tools
	pageSize                                        string   // scenarios list --limit
	provider                                        string   // agents create --provider
	eval                                            evalOptions
}

// invocation is what a command runs with.
type invocation struct {
	args   []string // positional arguments after the command words
	global globalFlags
	opts   options
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	env    func(string) string

	redacting bool     // stdout and stderr redact the token (redactOutput)
	flush     []func() // run when the command ends
}

type command struct {
	words   string // "agents list"
	args    []string
	summary string
	detail  string
	example string
	flags   func(fs *flag.FlagSet, o *options)
	offline bool // talks to no Make account: takes none of accountFlags
	run     func(ctx context.Context, in *invocation) error
}

var commands []*command // filled in init-free style by commandTable

func commandTable() []*command {
	if commands == nil {
		commands = []*command{
			agentsListCmd, agentsGetCmd, agentsCreateCmd, agentsUpdateCmd, agentsDeleteCmd,
			runCmd, streamCmd,
			providersListCmd, providersGetCmd, providersModelsCmd,
			contextsListCmd, contextsAddCmd, contextsDeleteCmd,
			connectionsListCmd, scenariosListCmd, doctorCmd,
			demoCmd, fakeCmd, conformanceCmd, evalCmd,
		}
	}
	return commands
}

// run is the whole CLI, testable in-process: it parses args, runs one
// command and returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string) int {
	cmd, group, helpWord, err := findCommand(args)
	if err != nil {
		return reportUsage(stderr, nil, err)
	}
	if group != "" { // "makeagents agents --help"
		printGroupHelp(stdout, group)
		return exitOK
	}
	if cmd != nil && helpWord { // "makeagents help stream"
		printCommandHelp(stdout, cmd)
		return exitOK
	}
	if cmd == nil { // no command words: top-level help
		if helpWord || helpRequested(args) {
			printTopHelp(stdout)
			return exitOK
		}
		return reportUsage(stderr, nil, usageErrorf("no command given"))
	}

	in := &invocation{stdin: stdin, stdout: stdout, stderr: stderr, env: env}
	fs := newFlagSet(cmd.words)
	in.global.registerFor(fs, cmd)
	if cmd.flags != nil {
		cmd.flags(fs, &in.opts)
	}
	positional, err := parseAnywhere(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printCommandHelp(stdout, cmd)
			return exitOK
		}
		if e := offlineFlagError(cmd, err); e != nil {
			return reportUsage(stderr, cmd, e)
		}
		return reportUsage(stderr, cmd, flagError(err))
	}
	if in.global.help {
		printCommandHelp(stdout, cmd)
		return exitOK
	}
	in.args = positional[len(strings.Fields(cmd.words)):]
	if len(in.args) != len(cmd.args) {
		return reportUsage(stderr, cmd, usageErrorf("%s takes %d argument(s) (%s), got %d", cmd.words, len(cmd.args), strings.Join(cmd.args, " "), len(in.args)))
	}

	cmdCtx := ctx
	timeout := commandTimeout(cmd, in.global.timeout)
	if timeout > 0 {
		var cancel context.CancelFunc
		cmdCtx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	err = cmd.run(cmdCtx, in)
	defer func() {
		for _, f := range in.flush {
			f()
		}
	}()
	stderr = in.stderr // redacting, once the command knew the token
	var status *exitStatus
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &status): // the command printed what it had to say
		return status.code
	case errors.As(err, new(*usageError)), api.IsValidationError(err):
		// Input the SDK refused before sending is a usage error too.
		return reportUsage(stderr, cmd, err)
	case errors.Is(err, errDriftFound):
		return exitDrift
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "makeagents: interrupted")
		return exitInterrupted
	case ctx.Err() == nil && cmdCtx.Err() != nil && errors.Is(err, context.DeadlineExceeded):
		fmt.Fprintf(stderr, "makeagents: %s timed out after %s (raise it with --timeout)\n", cmd.words, timeout)
		return exitError
	default:
		fmt.Fprintln(stderr, errorLine(err))
		return exitError
	}
}

// errDriftFound is returned by conformance after printing its report.
var errDriftFound = errors.New("drift found")

// errorLine renders err as the one stderr line the contract promises.
func errorLine(err error) string {
	msg := strings.TrimPrefix(err.Error(), "makeagents: ")
	msg = strings.ReplaceAll(msg, "\n", " ")
	return "makeagents: " + printable(msg)
}

// findCommand identifies the command from the positional words, parsing
// with every flag any command knows so that flag values are not taken for
// command words. helpWord reports a leading "help" word ("makeagents help
// stream"); cmd is nil when no command is named. group is set instead when
// help was asked for a group of commands without a subcommand of it
// ("makeagents agents --help", "makeagents help agents").
func findCommand(args []string) (cmd *command, group string, helpWord bool, err error) {
	fs := newFlagSet("makeagents")
	var g globalFlags
	var o options
	g.register(fs)
	for _, c := range commandTable() {
		if c.flags == nil {
			continue
		}
		// Commands share flag names (--json, --connection): register each once.
		own := newFlagSet(c.words)
		c.flags(own, &o)
		own.VisitAll(func(f *flag.Flag) {
			if fs.Lookup(f.Name) == nil {
				fs.Var(f.Value, f.Name, f.Usage)
			}
		})
	}
	positional, err := parseAnywhere(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, "", true, nil
		}
		return nil, "", false, flagError(err)
	}
	if len(positional) > 0 && positional[0] == "help" {
		helpWord, positional = true, positional[1:]
	}
	if len(positional) == 0 {
		return nil, "", helpWord, nil
	}
	for _, c := range commandTable() {
		words := strings.Fields(c.words)
		if len(positional) >= len(words) && strings.Join(positional[:len(words)], " ") == c.words {
			return c, "", helpWord, nil
		}
	}
	if subs := groupCommands(positional[0]); len(subs) > 0 {
		names := make([]string, len(subs))
		for i, c := range subs {
			names[i] = strings.Fields(c.words)[1]
		}
		want := strings.Join(names, ", ")
		switch {
		case len(positional) == 1 && (helpWord || g.help):
			return nil, positional[0], false, nil
		case len(positional) == 1:
			return nil, "", false, usageErrorf("%s needs a subcommand: %s", positional[0], want)
		}
		return nil, "", false, usageErrorf("unknown %s subcommand %q (want %s)", positional[0], positional[1], want)
	}
	return nil, "", false, usageErrorf("unknown command %q", positional[0])
}

// groupCommands returns the commands whose first word is group ("agents"
// for "agents list", ...), in table order; none for a word that is not a
// group.
func groupCommands(group string) []*command {
	var out []*command
	for _, c := range commandTable() {
		if words := strings.Fields(c.words); len(words) > 1 && words[0] == group {
			out = append(out, c)
		}
	}
	return out
}

// printGroupHelp lists a group's subcommands, like the top-level help does
// for all commands.
func printGroupHelp(w io.Writer, group string) {
	fmt.Fprintf(w, "usage: makeagents %s <subcommand> [arguments] [flags]\n\nsubcommands:\n", group)
	for _, c := range groupCommands(group) {
		fmt.Fprintf(w, "  %-26s %s\n", strings.Join(append([]string{c.words}, c.args...), " "), c.summary)
	}
	fmt.Fprintf(w, "\nRun 'makeagents %s <subcommand> --help' for its flags and an example.\n", group)
}

func helpRequested(args []string) bool {
	for _, a := range args {
		switch a {
		case "-h", "-help", "--help", "help":
			return true
		case "--":
			return false
		}
	}
	return false
}

// reportUsage prints a usage error: one line saying what is wrong, then a
// pointer to the help.
func reportUsage(stderr io.Writer, cmd *command, err error) int {
	fmt.Fprintln(stderr, errorLine(err))
	if cmd != nil {
		fmt.Fprintf(stderr, "usage: makeagents %s\nrun 'makeagents %s --help' for details\n", usageLine(cmd), cmd.words)
	} else {
		fmt.Fprintln(stderr, "run 'makeagents --help' for the commands")
	}
	return exitUsage
}

func usageLine(c *command) string {
	parts := append([]string{c.words}, c.args...)
	return strings.Join(parts, " ") + " [flags]"
}

func printCommandHelp(w io.Writer, c *command) {
	fmt.Fprintf(w, "usage: makeagents %s\n\n%s\n", usageLine(c), c.summary)
	if c.detail != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.detail))
	}
	fs := newFlagSet(c.words)
	if c.flags != nil {
		var o options
		c.flags(fs, &o)
		fmt.Fprintln(w, "\nflags:")
		printFlags(w, fs)
	}
	fmt.Fprintln(w, "\nglobal flags:")
	gfs := newFlagSet("global")
	var g globalFlags
	g.registerFor(gfs, c)
	printFlags(w, gfs)
	fmt.Fprintf(w, "\nexample:\n  %s\n", c.example)
}

func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name == "h" {
			return
		}
		arg, usage := flag.UnquoteUsage(f)
		name := "--" + f.Name
		if arg != "" {
			name += " " + strings.ToUpper(arg)
		}
		fmt.Fprintf(w, "  %-26s %s\n", name, usage)
	})
}

func printTopHelp(w io.Writer) {
	fmt.Fprint(w, `makeagents: Make AI Agents from the command line

usage: makeagents <command> [arguments] [flags]

commands:
`)
	for _, c := range commandTable() {
		fmt.Fprintf(w, "  %-26s %s\n", strings.Join(append([]string{c.words}, c.args...), " "), c.summary)
	}
	fmt.Fprint(w, `
configuration (flags beat the environment):
  MAKE_API_TOKEN  or --token-file FILE   API token (required, except for demo and fake); never a flag value
  MAKE_TEAM_ID    or --team ID           team that owns the agents
  MAKE_ZONE       or --zone ZONE         eu1 (default), eu2, us1, us2, celonis-eu1, celonis-us1
  MAKE_BASE_URL   or --base-url URL      full base URL including /api/v2; overrides the zone
  --oauth                                send the token as "Bearer" (OAuth) instead of "Token"

exit status: 0 ok, 1 API/network/stream error, 2 usage error (no request made),
3 drift found (conformance), 130 interrupted.

Start with: makeagents demo
Offline, for any client: makeagents fake (prints MAKE_BASE_URL and the rest to source)
Run 'makeagents <command> --help' for a command's flags and an example.
`)
}

// isTerminal reports whether w is a character device (a terminal), without
// a dependency: spinners and colour are only for people, never for pipes.
func isTerminal(w io.Writer) bool {
	for {
		u, ok := w.(interface{ Unwrap() io.Writer })
		if !ok {
			break
		}
		w = u.Unwrap()
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
