package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/makeagents/makeagents-go/agentfile"
)

var applyCmd = &command{
	words:   "apply",
	summary: "Make the team's agents match an agent file: plan, confirm, then create, update and delete.",
	detail: `Plans as "makeagents plan" does, prints the plan, and asks for confirmation on a terminal
(type yes) unless --yes. Without a terminal and without --yes it refuses: nothing would
confirm what it writes. Then it makes the writes one at a time, printing each: agents
created or updated, then their contexts (new ones added before old versions are
deleted), then agents deleted. A second apply changes nothing.

Nothing that is not in the file is deleted unless --prune: neither agents nor contexts.
An agent whose connection changed is replaced (deleted and created again: new id, no
threads) only with --replace. A failure stops the apply and lists what was done and what
was not; running apply again finishes the job.

Exit status: 0 applied (or nothing to do), 1 an error or not confirmed.`,
	example:   "makeagents apply -f agents.yaml --team 42 --yes",
	usageExit: exitError,
	flags: func(fs *flag.FlagSet, o *options) {
		agentFileFlags(fs, o)
		fs.BoolVar(&o.prune, "prune", false, "delete agents, and contexts of agents with knowledge, that are not in the file")
		fs.BoolVar(&o.yes, "yes", false, "do not ask for confirmation")
		fs.BoolVar(&o.replace, "replace", false, "allow replacing agents whose connection changed (deletes and recreates them)")
	},
	run: runApply,
}

func runApply(ctx context.Context, in *invocation) error {
	c, cs, err := planFile(ctx, in)
	if err != nil {
		return err
	}
	if err := cs.WriteText(in.stdout); err != nil {
		return err
	}
	if !cs.HasChanges() {
		return nil
	}
	if cs.Counts().Replace > 0 && !in.opts.replace {
		return usageErrorf("the plan replaces an agent (deleted and created again: new id, no threads, no contexts); pass --replace to allow it")
	}
	if !in.opts.yes {
		if !readerIsTerminal(in.stdin) {
			return errors.New("not applied: stdin is not a terminal, so there is no one to confirm the plan; pass --yes to apply without asking")
		}
		fmt.Fprint(in.stderr, "Apply these changes? Only 'yes' applies them: ")
		line, err := bufio.NewReader(in.stdin).ReadString('\n')
		switch {
		case line == "" && err != nil:
			return errors.New("not applied: no answer (stdin ended); nothing was changed; pass --yes to apply without asking")
		case strings.TrimSpace(line) != "yes":
			return errors.New("not applied: not confirmed; nothing was changed")
		}
	}
	res, err := agentfile.Apply(ctx, c, cs, agentfile.ApplyOptions{
		AllowReplace: in.opts.replace,
		OnStep:       func(s agentfile.Step) { fmt.Fprintf(in.stdout, "done: %s\n", printable(s.String())) },
	})
	if err != nil {
		if res.Failed != nil {
			fmt.Fprintf(in.stderr, "failed: %s\n", printable(res.Failed.String()))
		}
		for _, s := range res.NotDone {
			fmt.Fprintf(in.stderr, "not done: %s\n", printable(s.String()))
		}
		fmt.Fprintf(in.stderr, "%d step(s) done, %d not done; run apply again to finish\n", len(res.Done), len(res.NotDone)+btoi(res.Failed != nil))
		return err
	}
	n := cs.Counts()
	fmt.Fprintf(in.stdout, "Applied: %d created, %d updated, %d replaced, %d deleted (%d writes).\n", n.Create, n.Update, n.Replace, n.Delete, len(res.Done))
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
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
