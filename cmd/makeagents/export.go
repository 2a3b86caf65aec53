package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/makeagents/makeagents-go/agentfile"
)

var exportCmd = &command{
	words:   "export",
	summary: "Write the team's agents as an agent file (YAML on stdout) that plan finds unchanged.",
	detail: `Every agent of the team, or only those named by --name (repeatable), with ids resolved
back to names where the name is unique in the team (provider type, connection name when
the provider has several, tool scenario names). Empty lists and absent blocks are left
out; llmConfig, historyConfig and invocationConfig are kept, because Make does not
publish their defaults. Knowledge is written as each context's documentName, which keeps
the context as it is (Make cannot give a context's content back): replace an entry with
file: or text: to manage its content. The file names no team, so it applies to any.`,
	example: "makeagents export --team 42 > agents.yaml && makeagents plan -f agents.yaml --team 42",
	flags: func(fs *flag.FlagSet, o *options) {
		fs.Var((*stringList)(&o.names), "name", "export only the agent named `NAME`; repeatable")
	},
	run: func(ctx context.Context, in *invocation) error {
		c, cfg, err := connect(in)
		if err != nil {
			return err
		}
		f, err := agentfile.Export(ctx, c, agentfile.ExportOptions{Team: cfg.teamID, Names: in.opts.names})
		if err != nil {
			return err
		}
		b, err := f.YAML(fmt.Sprintf("Agents of team %d, written by makeagents export.\nKnowledge: documentName keeps a context as it is; replace it with file: or text: to manage its content.", cfg.teamID))
		if err != nil {
			return err
		}
		_, err = in.stdout.Write(b)
		return err
	},
}
