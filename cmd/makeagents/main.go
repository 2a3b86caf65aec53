// Command makeagents is the command-line tool for Make's AI Agents API:
// list, create, get, update and delete agents, run them, stream a run step by
// step, and take an offline tour (`makeagents demo`) on an in-process fake of
// the API.
//
// Configuration comes from the environment (MAKE_API_TOKEN, MAKE_TEAM_ID,
// MAKE_ZONE, MAKE_BASE_URL) or flags, flags winning. Run `makeagents --help`
// for the commands and exit statuses.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	// The first Ctrl-C cancels the command (which may still clean up, as
	// conformance deletes its scratch agent); the second ends that wait.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancel(context.Background())
	second := make(chan struct{})
	go func() {
		<-sigs
		cancel()
		<-sigs
		close(second)
	}()
	code := run(withSecondInterrupt(ctx, second), os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	os.Exit(code)
}

// newRootCmd is the command table: every command, under its group, in the
// order help lists them. A new command is one constructor (see
// CONTRIBUTING.md, "Adding a CLI command") and one line here.
func newRootCmd(f *factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "makeagents",
		Short: "Make AI Agents from the command line.",
		// The root only finds the command; its flags are the commands'.
		DisableFlagParsing: true,
		Args:               cobra.ArbitraryArgs,
		SilenceErrors:      true,
		SilenceUsage:       true,
		CompletionOptions:  cobra.CompletionOptions{DisableDefaultCmd: true},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runGroup(f, cmd, args)
		},
	}
	groups := map[string]*cobra.Command{}
	table := []struct {
		group string // "" for a top-level command
		cmd   *cobra.Command
	}{
		{"agents", newAgentsListCmd(f, nil)},
		{"agents", newAgentsGetCmd(f, nil)},
		{"agents", newAgentsCreateCmd(f, nil)},
		{"agents", newAgentsUpdateCmd(f, nil)},
		{"agents", newAgentsDeleteCmd(f, nil)},
		{"", newRunCmd(f, nil)},
		{"", newStreamCmd(f, nil)},
		{"providers", newProvidersListCmd(f, nil)},
		{"providers", newProvidersGetCmd(f, nil)},
		{"providers", newProvidersModelsCmd(f, nil)},
		{"contexts", newContextsListCmd(f, nil)},
		{"contexts", newContextsAddCmd(f, nil)},
		{"contexts", newContextsDeleteCmd(f, nil)},
		{"connections", newConnectionsListCmd(f, nil)},
		{"scenarios", newScenariosListCmd(f, nil)},
		{"", newDoctorCmd(f, nil)},
		{"", newDemoCmd(f, nil)},
		{"", newFakeCmd(f, nil)},
		{"", newConformanceCmd(f, nil)},
		{"", newEvalCmd(f, nil)},
		{"", newExportCmd(f, nil)},
		{"", newPlanCmd(f, nil)},
		{"", newApplyCmd(f, nil)},
		{"", newCompletionCmd(f, root)},
	}
	groupSummaries := map[string]string{
		"agents":      "Create, list, show, change and delete agents.",
		"providers":   "The team's LLM providers and their models.",
		"contexts":    "An agent's knowledge: files and texts it answers from.",
		"connections": "The team's Make connections (an agent's --connection).",
		"scenarios":   "The team's scenarios (an agent's tools).",
	}
	for _, e := range table {
		parent := root
		if e.group != "" {
			if groups[e.group] == nil {
				groups[e.group] = newGroupCmd(f, e.group, groupSummaries[e.group])
				root.AddCommand(groups[e.group])
			}
			parent = groups[e.group]
		}
		e.cmd.Args = exactArgs
		parent.AddCommand(e.cmd)
		f.commands = append(f.commands, e.cmd)
	}
	help := newHelpCmd(f, root)
	root.AddCommand(help)
	root.SetHelpCommand(help)
	root.SetHelpFunc(func(c *cobra.Command, _ []string) { printHelp(f, c) })
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return flagError(f, c, err) })
	return root
}
