package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/makeagents/makeagents-go/agentfile"
)

func newApplyCmd(f *factory, runF func(context.Context, *planOptions) error) *cobra.Command {
	opts := &planOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "apply",
		Short: "Make the team's agents match an agent file: plan, confirm, then create, update and delete.",
		Long: `Plans as "makeagents plan" does, prints the plan, and asks for confirmation on a terminal
(type yes) unless --yes. Without a terminal and without --yes it refuses: nothing would
confirm what it writes. With nothing to change it needs no confirmation. Then it makes the
writes one at a time, printing each: agents created or updated, then their contexts (new
ones added before old versions are deleted), then agents deleted. A second apply changes
nothing.

Nothing that is not in the file is deleted unless --prune: neither agents nor contexts.
An agent whose connection changed is replaced (deleted and created again: new id, no
threads) only with --replace. A failure stops the apply and lists what was done and what
was not; running apply again finishes the job.

Exit status: 0 applied (or nothing to do), 1 an error, a bad file or flag, or not
confirmed.`,
		Example: "makeagents apply -f agents.yaml --team 42 --yes",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCommand(cmd, f, opts, runF, applyRun)
		},
	}
	agentFileFlag(cmd, &opts.file)
	cmd.Flags().BoolVar(&opts.prune, "prune", false, "delete agents, and contexts of agents with knowledge, that are not in the file")
	cmd.Flags().BoolVar(&opts.yes, "yes", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&opts.replace, "replace", false, "allow replacing agents whose connection changed (deletes and recreates them)")
	annotate(cmd, annotationUsageExit, strconv.Itoa(exitError))
	// One request per agent and context, under Make's rate limit: the
	// whole may take longer than a default bound; each request stays bounded.
	noDefaultTimeout(cmd)
	f.addGlobalFlags(cmd)
	return cmd
}

func applyRun(ctx context.Context, opts *planOptions) error {
	if opts.file == "-" && !opts.yes {
		return usageErrorf("-f - reads the file from stdin, so apply cannot ask there; add --yes")
	}
	c, cs, err := planFile(ctx, opts)
	if err != nil {
		return err
	}
	if err := cs.WriteText(opts.stdout); err != nil {
		return err
	}
	if !cs.HasChanges() {
		return nil
	}
	if cs.Counts().Replace > 0 && !opts.replace {
		return usageErrorf("the plan replaces an agent (deleted and created again: new id, no threads, no contexts); pass --replace to allow it")
	}
	if !opts.yes {
		if !readerIsTerminal(opts.stdin) {
			return errors.New("not applied: stdin is not a terminal, so there is no one to confirm the plan; pass --yes to apply without asking")
		}
		fmt.Fprint(opts.stderr, "Apply these changes? Only 'yes' applies them: ")
		line, err := bufio.NewReader(opts.stdin).ReadString('\n')
		switch {
		case line == "" && err != nil:
			return errors.New("not applied: no answer (stdin ended); nothing was changed; pass --yes to apply without asking")
		case strings.TrimSpace(line) != "yes":
			return errors.New("not applied: not confirmed; nothing was changed")
		}
	}
	res, err := agentfile.Apply(ctx, c, cs, agentfile.ApplyOptions{
		AllowReplace: opts.replace,
		OnStep:       func(s agentfile.Step) { fmt.Fprintf(opts.stdout, "done: %s\n", printable(s.String())) },
	})
	if err != nil {
		if res.Failed != nil {
			fmt.Fprintf(opts.stderr, "failed: %s\n", printable(res.Failed.String()))
		}
		for _, s := range res.NotDone {
			fmt.Fprintf(opts.stderr, "not done: %s\n", printable(s.String()))
		}
		notDone := len(res.NotDone)
		if res.Failed != nil {
			notDone++
		}
		fmt.Fprintf(opts.stderr, "%d write(s) done, %d not done; run apply again to finish\n", len(res.Done), notDone)
		return err
	}
	n := cs.Counts()
	writes := "writes"
	if len(res.Done) == 1 {
		writes = "write"
	}
	fmt.Fprintf(opts.stdout, "Applied: %d created, %d updated, %d replaced, %d deleted (%d %s).\n", n.Create, n.Update, n.Replace, n.Delete, len(res.Done), writes)
	return nil
}

// readerIsTerminal reports whether r is a terminal a person can answer on.
func readerIsTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
