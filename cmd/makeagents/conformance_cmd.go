package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/cmd/makeagents/internal/conformance"
)

// conformanceOptions are what conformance runs with.
type conformanceOptions struct {
	*factory
	readOnly, yes, json bool
	connection, model   string
	limit               int
	limitGiven          bool // --limit was on the line (it applies to --read-only only)
}

func newConformanceCmd(f *factory, runF func(context.Context, *conformanceOptions) error) *cobra.Command {
	opts := &conformanceOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "conformance",
		Short: "Check live API responses against the spec built into this binary and report drift.",
		Long: `--read-only lists the team's agents, gets the first --limit of them and lists each one's
knowledge contexts, lists the LLM providers and gets each of the first --limit with its
models, then reads the token's scopes, the team's connections and one page of --limit
scenarios (a 403 there, a missing scope, is noted and the check goes on): GET requests
only, nothing is changed. It also reports what the answers show about
how agents relate to providers (is an agent's llmProviderId a listed provider, its
makeConnectionType a listed accountName), which Make does not document.

Full mode (--connection ID --model M) creates a scratch agent named
makeagents-conformance-<time>-<random>, gets it, lists, updates it, adds a text context
to it, lists and deletes that context, runs it with a trivial message, streams a run,
then deletes it. It only changes or deletes an agent after a GET
shows it is its own scratch agent. The agent is deleted even on failure or Ctrl-C (a second
Ctrl-C stops waiting for that); when the create's outcome is unknown it is looked for by
name; if it cannot be removed, or is not found while the create may still complete, its id or
name is printed with the commands to find and remove it. Running it twice costs
two model calls on the given connection. Asks for confirmation unless --yes.

Every response is checked against openapi.yaml: status documented, JSON body valid,
fields the spec does not declare, required fields missing, types changed, unknown SSE
event types, and undeclared headers (as notes). Exit status 0: no drift; 3: drift found;
1: an API or network error stopped the check.`,
		Example: "makeagents conformance --read-only --team 42",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.limitGiven = cmd.Flags().Changed("limit")
			return runCommand(cmd, f, opts, runF, conformanceRun)
		},
	}
	fs := cmd.Flags()
	fs.BoolVar(&opts.readOnly, "read-only", false, "only list and get agents, their contexts, the LLM providers and their models (GET requests only)")
	fs.StringVar(&opts.connection, "connection", "", "full mode: Make connection `ID` for the scratch agent's AI provider")
	fs.StringVar(&opts.model, "model", "", "full mode: `MODEL` for the scratch agent, e.g. gpt-4.1-mini")
	fs.BoolVar(&opts.yes, "yes", false, "full mode: do not ask for confirmation")
	fs.BoolVar(&opts.json, "json", false, "print the report as JSON")
	fs.IntVar(&opts.limit, "limit", 5, "read-only mode: get at most `N` agents and N providers")
	noDefaultTimeout(cmd)
	f.addGlobalFlags(cmd)
	return cmd
}

// maxRecordedBody bounds how much of one response conformance records and
// the SDK reads: the SDK's own bound. A variable for tests.
var maxRecordedBody int64 = api.DefaultMaxBodyBytes

// conformanceRun checks the flags and the configuration, asks before the
// full mode creates anything, and hands the run to package conformance.
func conformanceRun(ctx context.Context, o *conformanceOptions) error {
	full := o.connection != "" || o.model != ""
	switch {
	case o.readOnly && full:
		return usageErrorf("--read-only cannot be combined with --connection/--model")
	case !o.readOnly && !full:
		return usageErrorf("choose --read-only, or --connection ID --model M for the full check")
	case full && (o.connection == "" || o.model == ""):
		return usageErrorf("full mode needs both --connection ID and --model M")
	case full && o.limitGiven:
		return usageErrorf("--limit applies to --read-only only; the full check uses its own scratch agent")
	case o.readOnly && o.yes:
		return usageErrorf("--yes applies to the full check only; --read-only changes nothing and asks nothing")
	case o.limit < 0:
		return usageErrorf("--limit must not be negative")
	}
	var connection int64
	if full {
		var err error
		if connection, err = connectionFlag(o.connection); err != nil {
			return err
		}
	}
	cfg, err := resolveConfig(o.factory)
	if err != nil {
		return err
	}
	if full && !o.yes {
		if err := confirm(o.factory, cfg); err != nil {
			return err
		}
	}
	err = conformance.Run(ctx, conformance.Options{
		BaseURL: cfg.baseURL, TeamID: cfg.teamID, Token: cfg.token,
		ReadOnly: !full, Limit: o.limit, Connection: connection, Model: o.model,
		JSON: o.json, Stdout: o.stdout, Stderr: o.stderr,
		NewClient: func(transport http.RoundTripper, maxBody int64) (*api.Client, error) {
			client, err := newClientWithTransport(cfg, transport, maxBody)
			if err != nil {
				return nil, usageErrorf("%v", err)
			}
			return client, nil
		},
		MaxRecordedBody: maxRecordedBody,
		SecondInterrupt: secondInterrupt(ctx),
		Printable:       printable,
	})
	if errors.Is(err, conformance.ErrDrift) {
		return errDriftFound
	}
	return err
}

func confirm(in *factory, cfg *config) error {
	fmt.Fprintf(in.stderr, "This creates a scratch agent in team %d at %s, runs it twice (two model calls), and deletes it.\nContinue? [y/N] ",
		cfg.teamID, cfg.baseURL)
	line, _ := bufio.NewReader(in.stdin).ReadString('\n')
	if answer := strings.ToLower(strings.TrimSpace(line)); answer != "y" && answer != "yes" {
		return usageErrorf("not confirmed; nothing was created (pass --yes to skip the question)")
	}
	return nil
}
