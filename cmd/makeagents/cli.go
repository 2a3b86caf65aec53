package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/internal/suggest"
)

// Exit statuses (the CLI contract in the README; scripts depend on them).
const (
	exitOK          = 0
	exitError       = 1 // API, network or stream error
	exitUsage       = 2 // usage error; no request was made
	exitDrift       = 3 // conformance found drift
	exitInterrupted = 130
)

// factory is what every command shares: the process's streams and
// environment, the global flags, and, once a command runs, what its exit
// status is decided from. Each command's options struct embeds it, so a
// command reads opts.stdout, opts.env and opts.connect().
type factory struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// unredactedStdout is stdout before redactOutput wrapped it, for the
	// one text meant to carry a token: the fake's own, in its sourceable
	// lines (the environment's token may be that same fake token).
	unredactedStdout io.Writer
	env              func(string) string
	global           globalFlags

	// commands is every runnable command in the order help lists them (the
	// command table of newRootCmd).
	commands []*cobra.Command

	redacting []string // the tokens stdout and stderr redact (redactOutput)
	flush     []func() // run when the command ends

	// Set by runCommand: the bound it put on the command, and whether that
	// bound (not an inner one of the SDK) ended it.
	timeout  time.Duration
	timedOut bool
}

// run is the whole CLI, testable in-process: it builds the command tree,
// runs one command and returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string) int {
	f := &factory{stdin: stdin, stdout: stdout, stderr: stderr, env: env, unredactedStdout: stdout}
	// The environment's token is redacted from the start: a usage error
	// (a bad flag value, an argument) may quote a token pasted in the
	// wrong place before the command reads its configuration.
	f.redactOutput(strings.TrimSpace(env(api.EnvToken)))
	if file := tokenFileArg(args); file != "" {
		if b, err := readFlagFile("--token-file", file, nil); err == nil {
			f.redactOutput(strings.TrimSpace(string(b)))
		}
	}
	root := newRootCmd(f)
	root.SetArgs(commandFirst(root, args))
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	defer func() {
		for _, fl := range f.flush {
			fl()
		}
	}()
	stderr = f.stderr // redacting, once the command knew the token
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, new(*exitStatus)):
		var st *exitStatus
		errors.As(err, &st)
		return st.code
	case errors.As(err, new(*usageError)), api.IsValidationError(err):
		// Input the SDK refused before sending is a usage error too.
		return reportUsage(stderr, cmd, err)
	case errors.Is(err, errDriftFound):
		return exitDrift
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		hint := ""
		if th := (*threadHintError)(nil); errors.As(err, &th) {
			hint = th.hint()
		}
		fmt.Fprintln(stderr, "makeagents: interrupted"+hint)
		return exitInterrupted
	case ctx.Err() == nil && f.timedOut && errors.Is(err, context.DeadlineExceeded):
		fmt.Fprintf(stderr, "makeagents: %s timed out after %s (raise it with --timeout)\n", commandWords(cmd), f.timeout)
		return exitError
	default:
		for _, line := range errorLines(err) {
			fmt.Fprintln(stderr, line)
		}
		return exitError
	}
}

// errorLines is errorLine for each error of a joined error (a plan's
// names the team lacks, all found at once, each with its file and line):
// one problem a line, as eval prints a suite's, instead of every problem
// run together on one line. An error that holds an API error stays one
// line: the contract for a failed call.
func errorLines(err error) []string {
	var apiErr *api.APIError
	if errors.As(err, &apiErr) {
		return []string{errorLine(err)}
	}
	var lines []string
	var split func(error)
	split = func(e error) {
		if joined, ok := e.(interface{ Unwrap() []error }); ok {
			for _, inner := range joined.Unwrap() {
				if inner != nil {
					split(inner)
				}
			}
			return
		}
		lines = append(lines, errorLine(e))
	}
	split(err)
	if len(lines) == 0 {
		return []string{errorLine(err)}
	}
	return lines
}

// tokenFileArg is the value of --token-file on the command line, found
// before cobra parses it, so that a usage error cannot print that token.
func tokenFileArg(args []string) string {
	for i, a := range args {
		switch {
		case a == "--":
			return ""
		case a == "--token-file" && i+1 < len(args):
			return args[i+1]
		case strings.HasPrefix(a, "--token-file="):
			return strings.TrimPrefix(a, "--token-file=")
		}
	}
	return ""
}

// runCommand is the body of every command's RunE: it bounds the command by
// --timeout (or the command's default), then calls runF when a test gave
// one and the command's own run function otherwise.
func runCommand[O any](cmd *cobra.Command, f *factory, opts O, runF, run func(context.Context, O) error) error {
	ctx := cmd.Context()
	f.timeout = commandTimeout(cmd, f.global.timeout)
	if f.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.timeout)
		defer cancel()
	}
	if runF == nil {
		runF = run
	}
	err := runF(ctx, opts)
	// Read before cancel: afterwards ctx.Err() is set whatever happened.
	f.timedOut = errors.Is(ctx.Err(), context.DeadlineExceeded)
	return err
}

// errDriftFound is returned by conformance after printing its report.
var errDriftFound = errors.New("drift found")

// sdkPrefix is what the SDK's own error messages start with; the CLI prints
// it once.
const sdkPrefix = "makeagents: "

// errorLine renders err as the one stderr line the contract promises.
func errorLine(err error) string {
	msg := strings.TrimPrefix(err.Error(), sdkPrefix)
	// An SDK error wrapped by a package above it (agentfile's "create
	// agent X: %w") carries the prefix mid-line; the line has it once.
	msg = strings.ReplaceAll(msg, ": "+sdkPrefix, ": ")
	msg = strings.ReplaceAll(msg, "\n", " ")
	return sdkPrefix + printable(msg)
}

// commandWords is a command's path without the program name ("agents
// list"); "" for the root.
func commandWords(c *cobra.Command) string {
	if c == nil {
		return ""
	}
	return strings.TrimPrefix(strings.TrimPrefix(c.CommandPath(), c.Root().Name()), " ")
}

// argNames are the positional arguments a command's Use line names ("get
// ID" takes ID).
func argNames(c *cobra.Command) []string { return strings.Fields(c.Use)[1:] }

// exactArgs is every runnable command's Args: exactly the arguments its Use
// line names.
func exactArgs(c *cobra.Command, args []string) error {
	names := argNames(c)
	if len(args) != len(names) {
		return usageErrorf("%s takes %d argument(s) (%s), got %d", commandWords(c), len(names), strings.Join(names, " "), len(args))
	}
	return nil
}

// reportUsage prints a usage error: one line saying what is wrong, then a
// pointer to the help.
func reportUsage(stderr io.Writer, cmd *cobra.Command, err error) int {
	fmt.Fprintln(stderr, errorLine(err))
	switch {
	case cmd == nil || !cmd.HasParent():
		fmt.Fprintln(stderr, "run 'makeagents --help' for the commands")
	case cmd.HasSubCommands():
		fmt.Fprintf(stderr, "run 'makeagents %s --help' for its subcommands\n", commandWords(cmd))
	default:
		fmt.Fprintf(stderr, "usage: makeagents %s\nrun 'makeagents %s --help' for details\n", usageLine(cmd), commandWords(cmd))
	}
	if cmd != nil {
		if code, err := strconv.Atoi(cmd.Annotations[annotationUsageExit]); err == nil {
			return code
		}
	}
	return exitUsage
}

func usageLine(c *cobra.Command) string {
	return strings.Join(append([]string{commandWords(c)}, argNames(c)...), " ") + " [flags]"
}

// commandFirst moves the command words of args (those that name a command
// and its subcommands) to the front, keeping everything else in order, so
// that flags may come before the command ("makeagents --team 3 agents
// list") as the CLI contract allows. A flag whose name is a flag of any
// command and that takes a value keeps its value with it. A long flag
// written with one dash ("-team"), which the CLI took before it moved to
// cobra, is rewritten with two. Everything after "--" is left alone.
func commandFirst(root *cobra.Command, args []string) []string {
	if len(args) > 0 && strings.HasPrefix(args[0], cobra.ShellCompRequestCmd) {
		// The shell asks for completions: cobra parses those itself, and
		// shows each flag's usage as its description, where the backticks
		// that name a flag's value in help would be noise.
		walkCommands(root, func(c *cobra.Command) {
			c.Flags().VisitAll(func(fl *pflag.Flag) { fl.Usage = strings.ReplaceAll(fl.Usage, "`", "") })
		})
		return args
	}
	takesValue := flagArity(root)
	words, rest := []string{}, []string{}
	cur, descending := root, true
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		if strings.HasPrefix(a, "-") && a != "-" {
			name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
			if !strings.HasPrefix(a, "--") && len(name) > 1 {
				if _, known := takesValue[name]; known {
					a = "-" + a
				}
			}
			rest = append(rest, a)
			takes := takesValue[name]
			if slices.Contains(eitherArity, name) && i+1 < len(args) {
				// A switch on some commands, a value on others: the next
				// word is its value unless it names a command.
				takes = childNamed(cur, args[i+1]) == nil
			}
			if !hasValue && takes && i+1 < len(args) {
				rest = append(rest, args[i+1])
				i++
			}
			continue
		}
		if descending {
			if sub := childNamed(cur, a); sub != nil {
				words, cur = append(words, a), sub
				continue
			}
			descending = false
		}
		rest = append(rest, a)
	}
	return append(words, rest...)
}

// eitherArity are the flag names that are a switch on some commands and
// take a value on others: --json is stream's and conformance's switch and
// eval's FILE (the name the eval issue fixes for scripts).
var eitherArity = []string{"json"}

// flagArity maps every flag name of every command (long names, and
// shorthands) to whether it takes a value.
func flagArity(root *cobra.Command) map[string]bool {
	out := map[string]bool{}
	walkCommands(root, func(c *cobra.Command) {
		c.Flags().VisitAll(func(fl *pflag.Flag) {
			out[fl.Name] = fl.NoOptDefVal == ""
			if fl.Shorthand != "" {
				out[fl.Shorthand] = fl.NoOptDefVal == ""
			}
		})
	})
	return out
}

// walkCommands calls fn on c and every command under it.
func walkCommands(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, sub := range c.Commands() {
		walkCommands(sub, fn)
	}
}

func childNamed(c *cobra.Command, name string) *cobra.Command {
	for _, sub := range c.Commands() {
		if sub.Name() == name || slices.Contains(sub.Aliases, name) {
			return sub
		}
	}
	return nil
}

// newGroupCmd is a command that only holds subcommands ("agents"): alone it
// is a usage error naming them, with --help it lists them.
func newGroupCmd(f *factory, name, summary string) *cobra.Command {
	return &cobra.Command{
		Use:   name,
		Short: summary,
		// Its flags are its subcommands': parsing them here would call a
		// mistyped subcommand an unknown flag.
		DisableFlagParsing: true,
		Args:               cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runGroup(f, cmd, args)
		},
	}
}

// runGroup is what the root and a group do when no subcommand of theirs
// was named: help when asked for, otherwise a usage error naming the
// mistyped word and what it may have meant.
func runGroup(f *factory, cmd *cobra.Command, args []string) error {
	var words []string
	help := false
	for _, a := range args {
		if a == "--" {
			break
		}
		switch {
		case a == "-h" || a == "--help" || a == "-help":
			help = true
		case !strings.HasPrefix(a, "-"):
			words = append(words, a)
		}
	}
	if len(words) == 0 && help {
		return cmd.Help()
	}
	subs := subcommandNames(f, cmd)
	root := !cmd.HasParent()
	switch {
	case len(words) == 0 && root:
		return usageErrorf("no command given")
	case len(words) == 0:
		return usageErrorf("%s needs a subcommand: %s", cmd.Name(), strings.Join(subs, ", "))
	case root:
		return usageErrorf("unknown command %q%s", words[0], suggest.DidYouMean(suggest.Closest(words[0], childNames(cmd))))
	}
	return usageErrorf("unknown %s subcommand %q (want %s)%s", cmd.Name(), words[0], strings.Join(subs, ", "), suggest.DidYouMean(suggest.Closest(words[0], subs)))
}

// childNames are the names of c's visible subcommands.
func childNames(c *cobra.Command) []string {
	var out []string
	for _, sub := range c.Commands() {
		if sub.IsAvailableCommand() {
			out = append(out, sub.Name())
		}
	}
	return out
}

// subcommandNames are a group's subcommands in the command table's order.
func subcommandNames(f *factory, group *cobra.Command) []string {
	var out []string
	for _, c := range groupCommands(f, group) {
		out = append(out, c.Name())
	}
	return out
}

// groupCommands are the runnable commands under group, in table order.
func groupCommands(f *factory, group *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	for _, c := range f.commands {
		if c.Parent() == group {
			out = append(out, c)
		}
	}
	return out
}

// newHelpCmd is "makeagents help [COMMAND...]": the same page as --help.
func newHelpCmd(f *factory, root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:                "help [COMMAND]",
		Short:              "Show the help of a command.",
		Hidden:             true,
		DisableFlagParsing: true,
		Args:               cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			target, rest, err := root.Find(args)
			if err != nil {
				return usageErrorf("%v", err)
			}
			for _, a := range rest {
				if !strings.HasPrefix(a, "-") {
					if target.HasSubCommands() {
						return runGroup(f, target, []string{a})
					}
					return usageErrorf("no help for %q: %s takes no subcommand", a, commandWords(target))
				}
			}
			return target.Help()
		},
	}
}

// printHelp is every command's --help: the top-level page for the root, the
// subcommand list for a group, usage, description, flags and an example for
// a command.
func printHelp(f *factory, c *cobra.Command) {
	w := c.OutOrStdout()
	switch {
	case !c.HasParent():
		printTopHelp(w, f)
		return
	case c.HasSubCommands():
		printGroupHelp(w, f, c)
		return
	}
	fmt.Fprintf(w, "usage: makeagents %s\n\n%s\n", usageLine(c), c.Short)
	if c.Long != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.Long))
	}
	// Flags are listed in the order the command registers them (the most
	// used first), not alphabetically.
	own, global := pflag.NewFlagSet("own", pflag.ContinueOnError), pflag.NewFlagSet("global", pflag.ContinueOnError)
	own.SortFlags, global.SortFlags, c.Flags().SortFlags = false, false, false
	c.Flags().VisitAll(func(fl *pflag.Flag) {
		switch {
		case fl.Name == "help":
		case isGlobalFlag(fl):
			global.AddFlag(fl)
		default:
			own.AddFlag(fl)
		}
	})
	if own.HasFlags() {
		fmt.Fprintln(w, "\nflags:")
		printFlags(w, own)
	}
	fmt.Fprintln(w, "\nglobal flags:")
	printFlags(w, global)
	fmt.Fprintf(w, "  %-26s %s\n", "--help", "show help for the command")
	fmt.Fprintf(w, "\nexample:\n  %s\n", c.Example)
}

// printGroupHelp lists a group's subcommands, like the top-level help does
// for all commands.
func printGroupHelp(w io.Writer, f *factory, group *cobra.Command) {
	fmt.Fprintf(w, "usage: makeagents %s <subcommand> [arguments] [flags]\n\nsubcommands:\n", group.Name())
	for _, c := range groupCommands(f, group) {
		fmt.Fprintf(w, "  %-26s %s\n", strings.Join(append([]string{commandWords(c)}, argNames(c)...), " "), c.Short)
	}
	fmt.Fprintf(w, "\nRun 'makeagents %s <subcommand> --help' for its flags and an example.\n", group.Name())
}

func printFlags(w io.Writer, fs *pflag.FlagSet) {
	fs.VisitAll(func(fl *pflag.Flag) {
		arg, usage := pflag.UnquoteUsage(fl)
		name := "--" + fl.Name
		if fl.Shorthand != "" {
			name = "-" + fl.Shorthand + ", " + name
		}
		if arg != "" {
			name += " " + strings.ToUpper(arg)
		}
		if len(name) > 26 {
			// Wider than the column: the description goes under it, else
			// name and description run together.
			fmt.Fprintf(w, "  %s\n  %-26s %s\n", name, "", usage)
			return
		}
		fmt.Fprintf(w, "  %-26s %s\n", name, usage)
	})
}

func printTopHelp(w io.Writer, f *factory) {
	fmt.Fprint(w, `makeagents: Make AI Agents from the command line

usage: makeagents <command> [arguments] [flags]

commands:
`)
	for _, c := range f.commands {
		fmt.Fprintf(w, "  %-26s %s\n", strings.Join(append([]string{commandWords(c)}, argNames(c)...), " "), c.Short)
	}
	fmt.Fprint(w, `
configuration (flags beat the environment):
  MAKE_API_TOKEN  or --token-file FILE   API token (required, except for demo and fake); never a flag value
  MAKE_TEAM_ID    or --team ID           team that owns the agents
  MAKE_ZONE       or --zone ZONE         eu1 (default), eu2, us1, us2, celonis-eu1, celonis-us1
  MAKE_BASE_URL   or --base-url URL      full base URL including /api/v2; overrides the zone
  MAKE_RATE_LIMIT                        requests a minute for all calls together (your plan's: 60, 120, 240, 1000)
  --oauth                                send the token as "Bearer" (OAuth) instead of "Token"

exit status: 0 ok, 1 API/network/stream error, 2 usage error (no request made),
3 drift found (conformance), 130 interrupted; plan: 0 no change, 2 changes, 1 error.

Start with: makeagents demo
Offline, for any client: makeagents fake (prints MAKE_BASE_URL and the rest to source)
Shell completion: makeagents completion bash|zsh|fish
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
