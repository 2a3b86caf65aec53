package main

import (
	"context"
	"errors"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/makeagents/makeagents-go/agentfile"
	"github.com/makeagents/makeagents-go/api"
)

// exitStatus is an outcome that is not an error but has its own exit
// status: plan's "changes found" (2, as terraform plan -detailed-exitcode).
type exitStatus struct{ code int }

func (e *exitStatus) Error() string { return "exit status " + strconv.Itoa(e.code) }

const exitPlanChanges = 2

// annotationUsageExit marks a command whose usage errors exit with the
// annotation's status instead of exitUsage, because its own statuses give
// 2 another meaning (plan: changes found).
const annotationUsageExit = "makeagents/usage-exit"

// planOptions are what plan and apply run with.
type planOptions struct {
	*factory
	file         string
	prune, json  bool
	yes, replace bool // apply only
}

func newPlanCmd(f *factory, runF func(context.Context, *planOptions) error) *cobra.Command {
	opts := &planOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show what apply would change to make the team's agents match an agent file.",
		Long: `Reads the file (-f; YAML or JSON: team, agents with name, systemPrompt, provider or
providerId, connection, model, scenarios, knowledge, llmConfig, historyConfig,
invocationConfig, mcpConfigs, outputParserFormat), resolves every provider, connection,
model and scenario name to the team's ids, and compares each agent, found by name, with
the team's: create, update (each field that differs), replace (its connection changed:
Make cannot modify it), knowledge to add or delete, unchanged. A field the file leaves out
is not compared. Agents and contexts not in the file are listed as kept; with --prune, as
deleted. Only reads. The file's team wins over MAKE_TEAM_ID; a --team that differs from it
is an error.

Exit status: 0 nothing would change, 2 something would, 1 an error (a name the team does
not have, a bad file or flag, a failed read).`,
		Example: "makeagents plan -f agents.yaml --team 42",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCommand(cmd, f, opts, runF, planRun)
		},
	}
	agentFileFlag(cmd, &opts.file)
	cmd.Flags().BoolVar(&opts.prune, "prune", false, "plan to delete agents (and contexts of agents with knowledge) that are not in the file")
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the plan as JSON")
	annotate(cmd, annotationUsageExit, strconv.Itoa(exitError))
	// One request per agent and context, under Make's rate limit: the
	// whole may take longer than a default bound; each request stays bounded.
	noDefaultTimeout(cmd)
	f.addGlobalFlags(cmd)
	return cmd
}

func agentFileFlag(cmd *cobra.Command, file *string) {
	cmd.Flags().StringVarP(file, "file", "f", "", "the agent `FILE` (YAML or JSON; - reads stdin)")
}

func planRun(ctx context.Context, opts *planOptions) error {
	_, cs, err := planFile(ctx, opts)
	if err != nil {
		return err
	}
	if opts.json {
		err = writeJSON(opts.stdout, cs)
	} else {
		err = cs.WriteText(opts.stdout)
	}
	if err != nil {
		return err
	}
	if cs.HasChanges() {
		return &exitStatus{code: exitPlanChanges}
	}
	return nil
}

// planFile loads -f, connects to the file's team and plans.
func planFile(ctx context.Context, opts *planOptions) (*api.Client, *agentfile.Changeset, error) {
	if opts.file == "" {
		return nil, nil, usageErrorf("-f FILE is required: the agent file")
	}
	f, err := loadAgentFile(opts.file, opts.stdin)
	if err != nil {
		return nil, nil, err
	}
	// The file's team is the team, unless --team says otherwise (then
	// Plan refuses the mismatch); MAKE_TEAM_ID is only a default.
	flagTeam := opts.global.team != ""
	if !flagTeam && f.Team != 0 {
		opts.global.team = strconv.FormatInt(f.Team, 10)
	}
	c, cfg, err := opts.connect()
	if err != nil {
		return nil, nil, err
	}
	planOpts := agentfile.PlanOptions{Prune: opts.prune}
	if flagTeam || f.Team == 0 {
		planOpts.Team = cfg.teamID
	}
	cs, err := agentfile.Plan(ctx, c, f, planOpts)
	if err != nil {
		return nil, nil, err
	}
	return c, cs, nil
}

// loadAgentFile reads the agent file: a regular file of bounded size, or
// stdin for "-" (knowledge paths are then relative to the working
// directory).
func loadAgentFile(path string, stdin io.Reader) (*agentfile.File, error) {
	if path != "-" {
		return agentfile.Load(path)
	}
	if stdin == nil {
		return nil, usageErrorf("-f -: no stdin to read the agent file from")
	}
	b, err := io.ReadAll(io.LimitReader(stdin, agentfile.MaxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > agentfile.MaxFileBytes {
		return nil, errors.New("-f -: the agent file on stdin is larger than 32 MiB")
	}
	return agentfile.Parse("<stdin>", b)
}
