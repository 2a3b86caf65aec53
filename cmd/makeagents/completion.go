package main

import (
	"context"
	"strings"

	"github.com/spf13/cobra"
)

// completionShells are the shells "completion" writes a script for.
var completionShells = []string{"bash", "zsh", "fish"}

// completionOptions are what completion runs with.
type completionOptions struct {
	*factory
	shell string
	root  *cobra.Command // the tree the script completes
}

func newCompletionCmd(f *factory, root *cobra.Command) *cobra.Command {
	opts := &completionOptions{factory: f, root: root}
	cmd := &cobra.Command{
		Use:   "completion SHELL",
		Short: "Print the shell completion script for bash, zsh or fish.",
		Long: `The script completes commands, subcommands and flags (it asks makeagents itself, so it
stays right when the CLI changes). Load it once per session, or install it:
  bash:  source <(makeagents completion bash)
         makeagents completion bash > /etc/bash_completion.d/makeagents
  zsh:   makeagents completion zsh > "${fpath[1]}/_makeagents"
  fish:  makeagents completion fish > ~/.config/fish/completions/makeagents.fish`,
		Example:   "makeagents completion bash > /etc/bash_completion.d/makeagents",
		ValidArgs: completionShells,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.shell = args[0]
			return runCommand(cmd, f, opts, nil, completionRun)
		},
	}
	noAccount(cmd, "it prints a script and talks to no account")
	noDefaultTimeout(cmd)
	return cmd
}

func completionRun(_ context.Context, opts *completionOptions) error {
	switch opts.shell {
	case "bash":
		return opts.root.GenBashCompletionV2(opts.stdout, true)
	case "zsh":
		return opts.root.GenZshCompletion(opts.stdout)
	case "fish":
		return opts.root.GenFishCompletion(opts.stdout, true)
	}
	return usageErrorf("completion: unknown shell %q (want %s)", opts.shell, strings.Join(completionShells, ", "))
}
