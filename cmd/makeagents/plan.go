package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"strconv"

	"github.com/makeagents/makeagents-go/agentfile"
	"github.com/makeagents/makeagents-go/api"
)

// exitStatus is an outcome that is not an error but has its own exit
// status: plan's "changes found" (2, as terraform plan -detailed-exitcode).
type exitStatus struct{ code int }

func (e *exitStatus) Error() string { return "exit status " + strconv.Itoa(e.code) }

const exitPlanChanges = 2

var planCmd = &command{
	words:   "plan",
	summary: "Show what apply would change to make the team's agents match an agent file.",
	detail: `Reads the file (-f; YAML or JSON: team, agents with name, systemPrompt, provider or
providerId, connection, model, scenarios, knowledge, llmConfig, historyConfig,
invocationConfig, mcpConfigs, outputParserFormat), resolves every provider, connection,
model and scenario name to the team's ids, and compares each agent, found by name, with
the team's: create, update (each field that differs), replace (its connection changed:
Make cannot modify it), knowledge to add or delete, unchanged. A field the file leaves out
is not compared. Agents and contexts not in the file are listed as kept; with --prune, as
deleted. Only reads. The file's team wins over MAKE_TEAM_ID; a --team that differs from it
is an error.

Exit status: 0 nothing would change, 2 something would, 1 an error (a name the team does
not have, a bad file, a failed read).`,
	example:   "makeagents plan -f agents.yaml --team 42",
	usageExit: exitError,
	flags: func(fs *flag.FlagSet, o *options) {
		agentFileFlags(fs, o)
		fs.BoolVar(&o.prune, "prune", false, "plan to delete agents (and contexts of agents with knowledge) that are not in the file")
		fs.BoolVar(&o.json, "json", false, "print the plan as JSON")
	},
	run: func(ctx context.Context, in *invocation) error {
		_, cs, err := planFile(ctx, in)
		if err != nil {
			return err
		}
		if in.opts.json {
			if err := writeJSON(in.stdout, cs); err != nil {
				return err
			}
		} else if err := cs.WriteText(in.stdout); err != nil {
			return err
		}
		if cs.HasChanges() {
			return &exitStatus{code: exitPlanChanges}
		}
		return nil
	},
}

func agentFileFlags(fs *flag.FlagSet, o *options) {
	fs.StringVar(&o.file, "f", "", "the agent `FILE` (YAML or JSON)")
	fs.StringVar(&o.file, "file", "", "the agent `FILE` (same as -f)")
}

// planFile loads -f, connects to the file's team and plans.
func planFile(ctx context.Context, in *invocation) (*api.Client, *agentfile.Changeset, error) {
	if in.opts.file == "" {
		return nil, nil, usageErrorf("-f FILE is required: the agent file to plan")
	}
	f, err := loadAgentFile(in.opts.file, in.stdin)
	if err != nil {
		return nil, nil, err
	}
	flagTeam := in.global.team != ""
	if !flagTeam && in.env(api.EnvTeamID) == "" && f.Team != 0 {
		in.global.team = strconv.FormatInt(f.Team, 10)
	}
	c, cfg, err := connect(in)
	if err != nil {
		return nil, nil, err
	}
	opts := agentfile.PlanOptions{Prune: in.opts.prune}
	if flagTeam || f.Team == 0 {
		opts.Team = cfg.teamID
	}
	cs, err := agentfile.Plan(ctx, c, f, opts)
	if err != nil {
		return nil, nil, err
	}
	return c, cs, nil
}

// loadAgentFile reads the agent file: a regular file of bounded size, or
// stdin for "-" (knowledge paths are then relative to the working
// directory).
func loadAgentFile(path string, stdin io.Reader) (*agentfile.File, error) {
	if path == "-" {
		b, err := io.ReadAll(io.LimitReader(stdin, agentfile.MaxFileBytes+1))
		if err != nil {
			return nil, err
		}
		if len(b) > agentfile.MaxFileBytes {
			return nil, errors.New("-f -: the agent file on stdin is too large")
		}
		return agentfile.Parse("<stdin>", b)
	}
	return agentfile.Load(path)
}
