package main

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// A mistyped flag is named with two dashes and the command's nearest flag
// is suggested; a flag of another command names the commands that take it;
// a mistyped command or subcommand gets cobra's suggestion.
func TestSuggestions(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", "--thred", "x"}, "unknown flag --thred for run; did you mean --thread?"},
		{[]string{"run", "a", "b", "-thred", "x"}, "unknown flag -thred for run; did you mean --thread?"},
		{[]string{"agents", "create", "--system-promt", "x"}, "did you mean --system-prompt?"},
		{[]string{"agents", "list", "--json"}, "unknown flag --json for agents list (--json is a flag of stream, conformance, eval, plan)"},
		{[]string{"agnets", "list"}, `unknown command "agnets"; did you mean agents?`},
		{[]string{"agents", "lst"}, `unknown agents subcommand "lst" (want list, get, create, update, delete); did you mean list?`},
		{[]string{"fake", "--zone", "eu2"}, "fake does not take --zone: "},
		{[]string{"fake", "--oauth"}, "fake does not take --oauth: "},
		{[]string{"completion", "bash", "--team", "1"}, "completion does not take --team: "},
		{[]string{"conformance", "--limit", "ten"}, `--limit "ten" is not an integer`},
		{[]string{"agents", "list", "--timeout", "soon"}, `--timeout "soon" is not a duration`},
		{[]string{"scenarios", "list", "--limit"}, "--limit needs a value"},
		// Flags a mode ignores are refused, not silently dropped.
		{[]string{"conformance", "--read-only", "--yes"}, "--yes applies to the full check only"},
		{[]string{"conformance", "--connection", "1", "--model", "m", "--limit", "2"}, "--limit applies to --read-only only"},
	}
	for _, tc := range cases {
		r := runCLI(t, map[string]string{}, tc.args...)
		first, _, _ := strings.Cut(r.stderr, "\n")
		if r.code != exitUsage || r.stdout != "" || !strings.HasPrefix(first, "makeagents: ") || !strings.Contains(first, tc.want) {
			t.Errorf("%q: exit %d, first stderr line %q; want 2 and %q", tc.args, r.code, first, tc.want)
		}
	}
}

// completion prints a script for each shell that names the program and
// works through cobra's __complete; any other shell is a usage error.
func TestCompletion(t *testing.T) {
	for shell, want := range map[string]string{"bash": "__start_makeagents", "zsh": "#compdef makeagents", "fish": "complete -c makeagents"} {
		r := runCLI(t, nil, "completion", shell).ok(t)
		if !strings.Contains(r.stdout, want) || !strings.Contains(r.stdout, "__complete") {
			t.Errorf("completion %s lacks %q or __complete:\n%.300s", shell, want, r.stdout)
		}
	}
	if r := runCLI(t, nil, "completion", "powershell"); r.code != exitUsage || !strings.Contains(r.stderr, "want bash, zsh, fish") {
		t.Errorf("completion powershell: exit %d, stderr %q", r.code, r.stderr)
	}
	// What the scripts ask: the subcommands of a group, a command's flags.
	r := runCLI(t, nil, "__complete", "agents", "")
	for _, want := range []string{"list\t", "create\t", "delete\t"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("__complete agents lacks %q:\n%s", want, r.stdout)
		}
	}
	if r := runCLI(t, nil, "__complete", "run", "--thr"); !strings.Contains(r.stdout, "--thread\tconversation THREAD to continue") {
		t.Errorf("__complete run --thr:\n%s", r.stdout)
	}
}

// Flags may come before the command words: commandFirst moves the words to
// the front, keeping each flag's value with it and everything after "--".
func TestCommandFirst(t *testing.T) {
	root := newRootCmd(&factory{})
	for _, tc := range []struct{ in, want string }{
		{"--team 3 agents list", "agents list --team 3"},
		{"agents --team 3 list", "agents list --team 3"},
		{"--name list agents create", "agents create --name list"},
		{"-team 3 agents list", "agents list --team 3"},
		{"--json stream ID msg", "stream --json ID msg"},
		{"--json out.json eval s.yaml", "eval --json out.json s.yaml"},
		{"eval --json out.json s.yaml", "eval --json out.json s.yaml"},
		{"run ID agents", "run ID agents"},
		{"run ID -- --team", "run ID -- --team"},
		{"--help agents", "agents --help"},
	} {
		if got := strings.Join(commandFirst(root, strings.Fields(tc.in)), " "); got != tc.want {
			t.Errorf("commandFirst(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// commandFirst decides from a flag's name alone whether the next word is
// its value: no two commands may disagree on that.
func TestFlagArityAgrees(t *testing.T) {
	seen := map[string]string{}
	for _, c := range commandTable() {
		c.Flags().VisitAll(func(fl *pflag.Flag) {
			arity := fl.Value.Type() == "bool"
			kind := map[bool]string{true: "switch", false: "takes a value"}[arity]
			if prev, ok := seen[fl.Name]; ok && prev != kind && !slices.Contains(eitherArity, fl.Name) {
				t.Errorf("--%s %s on %s but not everywhere", fl.Name, kind, commandWords(c))
			}
			seen[fl.Name] = kind
		})
	}
}

// Each command's options live in its own struct: a flag set on one
// command's constructor reaches its run function through the runF seam.
func TestRunSeam(t *testing.T) {
	f := &factory{env: func(string) string { return "" }}
	var got *runOptions
	cmd := newStreamCmd(f, func(_ context.Context, o *runOptions) error { got = o; return nil })
	cmd.Args = exactArgs
	cmd.SetArgs([]string{"agent-1", "hello", "--thread", "t-1", "--json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.agentID != "agent-1" || got.message != "hello" || got.thread != "t-1" || !got.json {
		t.Errorf("options reaching run: %+v", got)
	}
}

// usageErrorf drops the prefix an SDK error starts with (the CLI prints
// one), and nothing else: the same words inside a server's text or a file
// name stay.
func TestUsageErrorfStripsOnlyTheSDKPrefix(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{usageErrorf("--name: %v", errors.New("makeagents: invalid name: too long")), "--name: invalid name: too long"},
		{usageErrorf("pick one:\n%s", "  --connection 11  makeagents: prod"), "pick one:\n  --connection 11  makeagents: prod"},
		{usageErrorf("%v", errors.New("api: Make said makeagents: nope")), "api: Make said makeagents: nope"},
		{usageErrorf("--from-file %s: bad", "makeagents: x.json"), "--from-file makeagents: x.json: bad"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
	if got := errorLine(errors.New("makeagents: create: Make said makeagents: no")); got != "makeagents: create: Make said makeagents: no" {
		t.Errorf("errorLine = %q", got)
	}
}
