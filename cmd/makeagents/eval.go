package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/eval"
	"github.com/makeagents/makeagents-go/internal/redact"
)

// Exit statuses of eval, beyond the CLI's own (the contract: CI
// scripts branch on them).
const (
	exitEvalFailed      = 1 // an assertion did not hold
	exitEvalCallsFailed = 3 // a call failed: network, an API error after retries
)

// evalOptions are what eval runs with.
type evalOptions struct {
	*factory
	suite       string
	agent       string
	junit       string
	json        string
	markdown    string
	only        []string
	concurrency string // "" when not given: the suite's
}

func newEvalCmd(f *factory, runF func(context.Context, *evalOptions) error) *cobra.Command {
	opts := &evalOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "eval SUITE",
		Short: "Test an agent against a suite of cases (per model, concurrently): a table, and exit 0 all pass, 1 a case failed, 2 suite error, 3 calls failed.",
		Long: `SUITE is a YAML (or JSON) file of cases and assertions; see the README section
"Evaluate an agent" and 'go doc github.com/makeagents/makeagents-go/eval' for every key
and assertion. Each case runs once per model of the suite (the run's llmModel override)
and per repeat, at most the suite's concurrency at once, every call under the client's
rate limit (MAKE_RATE_LIMIT).

stdout gets a table (case, model, result, tokens, latency, the first failed assertion
with the actual text), every failure in full, and totals per model (pass rate, tokens,
latency p50/p95). Progress goes to stderr when it is a terminal.

--json FILE writes every result as it finishes (so a killed run leaves them); running
again with the same --json FILE resumes: results for the same cases and the same agent
configuration are kept, only the rest run. --junit writes JUnit XML for CI (one testcase
per case and model), --markdown a report with the totals per model (e.g. for
$GITHUB_STEP_SUMMARY). Ctrl-C stops new runs, abandons those in flight and writes what
finished (exit 130).

Exit status: 0 every run passed; 1 an assertion failed; 2 usage or suite error (the file,
line and key; no request made); 3 a call failed (network, or an API error after the
client's retries), or --timeout ended the runs.`,
		Example: "makeagents eval support.eval.yaml --junit junit.xml --json results.json",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.suite = args[0]
			return runCommand(cmd, f, opts, runF, evalRun)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&opts.agent, "agent", "", "the agent `ID` to test, whatever the suite names")
	fs.StringVar(&opts.junit, "junit", "", "write JUnit XML to `FILE`")
	fs.StringVar(&opts.json, "json", "", "write the results as JSON to `FILE`, as they finish; an earlier run's FILE is resumed")
	fs.StringVar(&opts.markdown, "markdown", "", "write a Markdown report to `FILE`")
	fs.StringArrayVar(&opts.only, "only", nil, "run only the case `NAME` (or the cases a glob pattern matches); repeatable")
	fs.StringVar(&opts.concurrency, "concurrency", "", "`N` runs in flight at once, instead of the suite's concurrency (1-64)")
	noDefaultTimeout(cmd)
	f.addGlobalFlags(cmd)
	return cmd
}

// evalRun is the whole eval command: load, check, run, print, write.
func evalRun(ctx context.Context, o *evalOptions) error {
	suite, err := eval.Load(o.suite)
	if err != nil {
		return suiteProblems(o.stderr, err)
	}
	concurrency := 0 // the suite's
	if o.concurrency != "" {
		n, err := strconv.Atoi(o.concurrency)
		if err != nil || n < 1 || n > eval.MaxConcurrency {
			return usageErrorf("--concurrency %q is not a number from 1 to %d", o.concurrency, eval.MaxConcurrency)
		}
		concurrency = n
	}
	if err := distinctOutputs(o); err != nil {
		return err
	}
	var previous *eval.Report
	if o.json != "" {
		if previous, err = readPrevious(o.json); err != nil {
			return err
		}
	}
	opts := []eval.Option{eval.WithOnly(o.only...), eval.WithConcurrency(concurrency), eval.WithResume(previous)}
	if o.agent != "" {
		opts = append(opts, eval.WithAgent(o.agent))
	}
	if _, err := eval.Plan(suite, opts...); err != nil {
		return suiteProblems(o.stderr, err)
	}
	client, cfg, err := o.connect()
	if err != nil {
		return err
	}
	// Reports are files, outside the redacting stdout and stderr: an
	// answer that echoes the token is redacted before it is kept.
	opts = append(opts, eval.WithRedact(redact.New(cfg.token).String))

	progress := newProgress(o.stderr)
	journal := &pacedWriter{path: o.json}
	opts = append(opts, eval.WithOnResult(func(p eval.Progress) {
		progress.show(p)
		if o.json != "" {
			journal.offer(p.Snapshot())
		}
	}))
	rep, err := eval.Run(ctx, client, suite, opts...)
	progress.done()
	writeErr := journal.close()
	switch {
	case eval.IsSuiteError(err):
		return suiteProblems(o.stderr, err)
	case rep == nil && err != nil && ctx.Err() != nil:
		return err // interrupted before any run: the CLI says so
	case rep == nil && err != nil:
		// The SDK's error inside eval's wrapping brings its own prefix.
		fmt.Fprintln(o.stderr, errorLine(errors.New(strings.ReplaceAll(err.Error(), "makeagents: ", ""))))
		if api.IsValidationError(err) {
			// Refused before sending (an agent id that is no UUID):
			// nothing went out, so it is the usage status, as elsewhere.
			return &exitStatus{exitUsage}
		}
		return &exitStatus{exitEvalCallsFailed}
	}

	if previous != nil && len(previous.Results) > 0 {
		kept := 0
		for _, r := range rep.Results {
			if r.Resumed {
				kept++
			}
		}
		if kept > 0 {
			fmt.Fprintf(o.stderr, "makeagents: resumed %s: kept %d result(s), ran %d\n", o.json, kept, len(rep.Results)-kept)
		} else {
			fmt.Fprintf(o.stderr, "makeagents: %s holds no result for these cases and this agent configuration; ran every case\n", o.json)
		}
	}
	if werr := rep.WriteTable(o.stdout); werr != nil {
		return werr
	}
	for _, out := range []struct {
		path  string
		write func(io.Writer) error
	}{{o.json, rep.WriteJSON}, {o.junit, rep.WriteJUnit}, {o.markdown, rep.WriteMarkdown}} {
		if out.path == "" {
			continue
		}
		if werr := writeFileAtomic(out.path, out.write); werr != nil && writeErr == nil {
			writeErr = werr
		}
	}
	if writeErr != nil {
		fmt.Fprintln(o.stderr, errorLine(fmt.Errorf("write the report: %w", writeErr)))
	}

	switch {
	case err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled):
		fmt.Fprintf(o.stderr, "makeagents: interrupted: %d of %d runs finished%s\n", len(rep.Results), rep.Planned, resumeHint(o.json))
		return &exitStatus{exitInterrupted}
	case err != nil && o.timeout > 0 && errors.Is(ctx.Err(), context.DeadlineExceeded):
		fmt.Fprintf(o.stderr, "makeagents: eval stopped: --timeout %s ended it: %d of %d runs finished%s\n", o.timeout, len(rep.Results), rep.Planned, resumeHint(o.json))
		return &exitStatus{exitEvalCallsFailed}
	case err != nil:
		fmt.Fprintf(o.stderr, "makeagents: eval stopped (%v): %d of %d runs finished%s\n", err, len(rep.Results), rep.Planned, resumeHint(o.json))
		return &exitStatus{exitEvalCallsFailed}
	case rep.Count(eval.StatusError) > 0:
		fmt.Fprintf(o.stderr, "makeagents: %d run(s) could not be judged: a call failed (see ERROR above)\n", rep.Count(eval.StatusError))
		return &exitStatus{exitEvalCallsFailed}
	case rep.Count(eval.StatusFail) > 0:
		return &exitStatus{exitEvalFailed}
	case writeErr != nil:
		return &exitStatus{exitError}
	}
	return nil
}

func resumeHint(jsonPath string) string {
	if jsonPath == "" {
		return ""
	}
	return "; run again with --json " + jsonPath + " to resume"
}

// suiteProblems prints every problem of a suite, one line each, and ends
// with the usage status: nothing was sent.
func suiteProblems(stderr io.Writer, err error) error {
	var se *eval.SuiteError
	if !errors.As(err, &se) {
		return usageErrorf("%v", err)
	}
	for _, p := range se.Problems {
		fmt.Fprintln(stderr, errorLine(errors.New(p.String())))
	}
	return &exitStatus{exitUsage}
}

// distinctOutputs refuses two reports into one file.
func distinctOutputs(o *evalOptions) error {
	seen := map[string]string{}
	for _, f := range []struct{ flag, path string }{{"--json", o.json}, {"--junit", o.junit}, {"--markdown", o.markdown}, {"SUITE", o.suite}} {
		if f.path == "" {
			continue
		}
		abs, err := filepath.Abs(f.path)
		if err != nil {
			abs = f.path
		}
		if other, ok := seen[abs]; ok {
			return usageErrorf("%s and %s name the same file %s", other, f.flag, f.path)
		}
		seen[abs] = f.flag
	}
	return nil
}

// readPrevious reads the report an earlier run left in path, to resume;
// nil when there is none. A file that is not a report is refused rather
// than overwritten.
func readPrevious(path string) (*eval.Report, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, usageErrorf("--json %s: %v", path, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && !fi.Mode().IsRegular() {
		return nil, usageErrorf("--json %s is not a regular file", path)
	}
	rep, err := eval.ReadReport(f)
	if err != nil {
		return nil, usageErrorf("--json %s exists and is not an eval report (%v); refusing to overwrite it", path, err)
	}
	return rep, nil
}

// writeFileAtomic writes a report to a temporary file beside path and
// renames it over path, so a run killed mid-write leaves the previous
// complete report, never half of one.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// pacedWriter rewrites the --json report as results finish, but spends at
// most a twentieth of the time doing so: a report grows with every answer,
// and rewriting 10000 results after each of them would write gigabytes. A
// result that comes too soon after a write is written by a timer when the
// pause is over, so a run that then stalls and is killed keeps it. A small
// report is rewritten after every result.
type pacedWriter struct {
	path string

	mu      sync.Mutex
	last    time.Time     // when the last write started
	cost    time.Duration // how long it took
	pending *eval.Report  // the newest report not yet written
	timer   *time.Timer
	closed  bool
	err     error
}

// offer takes the newest report: written now, or when the pause is over.
func (w *pacedWriter) offer(rep *eval.Report) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	w.pending = rep
	wait := time.Until(w.last.Add(20 * w.cost))
	if w.last.IsZero() || wait <= 0 {
		w.flush()
		return
	}
	if w.timer == nil {
		w.timer = time.AfterFunc(wait, func() {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.timer = nil
			if !w.closed {
				w.flush()
			}
		})
	}
}

// flush writes the pending report; w.mu is held.
func (w *pacedWriter) flush() {
	if w.pending == nil {
		return
	}
	w.last = time.Now()
	err := writeFileAtomic(w.path, w.pending.WriteJSON)
	w.cost, w.pending = time.Since(w.last), nil
	if err != nil && w.err == nil {
		w.err = err
	}
}

// close stops the timer (the caller writes the final report) and returns
// the first write error.
func (w *pacedWriter) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	if w.timer != nil {
		w.timer.Stop()
	}
	return w.err
}

// progress shows "[3/8] case · model: pass" on one line of stderr, only
// when stderr is a terminal.
type progress struct {
	w      io.Writer
	active bool
}

func newProgress(w io.Writer) *progress { return &progress{w: w, active: isTerminal(w)} }

func (p *progress) show(pr eval.Progress) {
	if !p.active {
		return
	}
	r := pr.Result
	label := r.Case + " · " + pr.ModelLabel
	fmt.Fprintf(p.w, "\r\033[K[%d/%d] %s: %s", pr.Done, pr.Total, printable(strings.ReplaceAll(label, "\n", " ")), r.Status)
}

func (p *progress) done() {
	if p.active {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
