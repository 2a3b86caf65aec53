package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/makeagents/makeagents-go/agentfile"
)

// exportOptions are what export runs with.
type exportOptions struct {
	*factory
	names []string
}

func newExportCmd(f *factory, runF func(context.Context, *exportOptions) error) *cobra.Command {
	opts := &exportOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the team's agents as an agent file (YAML on stdout) that plan finds unchanged.",
		Long: `Every agent of the team, or only those named by --name (repeatable), with ids resolved
back to names where the name is unique in the team (provider type, connection name when
the provider has several, tool scenario names). Empty lists and absent blocks are left
out; llmConfig, historyConfig and invocationConfig are kept, because Make does not
publish their defaults. Knowledge is written as each context's documentName, which keeps
the context as it is (Make cannot give a context's content back): replace an entry with
file: or text: to manage its content. The file names no team, so it applies to any.`,
		Example: "makeagents export --team 42 > agents.yaml && makeagents plan -f agents.yaml --team 42",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCommand(cmd, f, opts, runF, exportRun)
		},
	}
	cmd.Flags().StringArrayVar(&opts.names, "name", nil, "export only the agent named `NAME`; repeatable")
	// One request per agent and context, under Make's rate limit: the
	// whole may take longer than a default bound; each request stays bounded.
	noDefaultTimeout(cmd)
	f.addGlobalFlags(cmd)
	return cmd
}

func exportRun(ctx context.Context, opts *exportOptions) error {
	c, cfg, err := opts.connect()
	if err != nil {
		return err
	}
	file, err := agentfile.Export(ctx, c, agentfile.ExportOptions{Team: cfg.teamID, Names: opts.names})
	if err != nil {
		return err
	}
	b, err := file.YAML(fmt.Sprintf("Agents of team %d, written by makeagents export.\nKnowledge: documentName keeps a context as it is; replace it with file: or text: to manage its content.", cfg.teamID))
	if err != nil {
		return err
	}
	_, err = opts.stdout.Write(b)
	return err
}
