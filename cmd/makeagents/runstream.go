package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/conversation"
	"github.com/makeagents/makeagents-go/sse"
)

// runOptions are what run and stream run with.
type runOptions struct {
	*factory
	agentID, message   string
	thread, configFile string
	threadGiven        bool // --thread was on the line, even empty
	json               bool // stream: one JSON line per event
}

// register adds the flags run and stream share.
func (o *runOptions) register(fs *pflag.FlagSet) {
	fs.StringVar(&o.thread, "thread", "", "conversation `THREAD` to continue (threadId)")
	fs.StringVar(&o.configFile, "config-file", "", "read the run's config from this JSON `FILE` ('-' for stdin)")
}

func newRunCmd(f *factory, runF func(context.Context, *runOptions) error) *cobra.Command {
	opts := &runOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "run ID MESSAGE",
		Short: "Run an agent and wait for its answer (JSON response body on stdout).",
		Long: `Runs can take minutes; a spinner shows on stderr while waiting when stderr is a
terminal. --thread continues a conversation thread. --config-file reads the run's
config (a RunConfig as in openapi.yaml: systemPrompt, additionalSystemPrompt,
llmConfig, invocationConfig, scenarios, mcpConfigs, outputParser, historyConfig);
without it the run sends "config": {} and the agent runs as configured.`,
		Example: "makeagents run b504aa93-0752-4bf8-887e-c2c717d525bf 'Summarise open orders' --team 42 | jq .response",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.agentID, opts.message = args[0], args[1]
			opts.threadGiven = cmd.Flags().Changed("thread")
			return runCommand(cmd, f, opts, runF, runRun)
		},
	}
	opts.register(cmd.Flags())
	noDefaultTimeout(cmd)
	f.addGlobalFlags(cmd)
	return cmd
}

func runRun(ctx context.Context, opts *runOptions) error {
	id, body, err := runArgs(opts)
	if err != nil {
		return err
	}
	c, cfg, err := opts.connect()
	if err != nil {
		return err
	}
	stopSpinner := startSpinner(opts.stderr, "running agent")
	res, err := c.Generated().RunAgentWithResponse(ctx, id, &api.RunAgentParams{TeamID: cfg.teamID}, body)
	stopSpinner()
	if err != nil {
		return err
	}
	if err := writeRawJSON(opts.stdout, res.Body); err != nil {
		return err
	}
	printThread(opts.factory, res.JSON200.ThreadID)
	return nil
}

func newStreamCmd(f *factory, runF func(context.Context, *runOptions) error) *cobra.Command {
	opts := &runOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "stream ID MESSAGE",
		Short: "Run an agent and print each step the moment it arrives.",
		Long: `By default each step is printed as "[role] content". With --json, each event is one
line of JSON, written as it arrives: {"event":..,"id":..,"data":<JSON value, or a string
if the data is not JSON>}. Tool calls and tool results are shown on their own lines
in text mode. --thread and --config-file work as for run. Ctrl-C stops the stream and
closes the connection.`,
		Example: "makeagents stream b504aa93-0752-4bf8-887e-c2c717d525bf 'What changed today?' --team 42 --json | jq -r .data.content",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.agentID, opts.message = args[0], args[1]
			opts.threadGiven = cmd.Flags().Changed("thread")
			return runCommand(cmd, f, opts, runF, streamRun)
		},
	}
	opts.register(cmd.Flags())
	cmd.Flags().BoolVar(&opts.json, "json", false, "print one JSON object per event instead of text")
	noDefaultTimeout(cmd)
	f.addGlobalFlags(cmd)
	return cmd
}

func streamRun(ctx context.Context, opts *runOptions) error {
	id, body, err := runArgs(opts)
	if err != nil {
		return err
	}
	c, _, err := opts.connect()
	if err != nil {
		return err
	}
	if body.ThreadID == "" {
		// Make's stream does not say which thread it used: name one, so
		// that --thread can continue it.
		body.ThreadID = conversation.NewThreadID()
	}
	stream, err := sse.Run(ctx, c, id, body)
	if err != nil {
		return err
	}
	defer func() { _ = stream.Close() }()
	print := printStepText
	if opts.json {
		print = printEventJSON
	}
	for ev, err := range stream.All() {
		if err != nil {
			if !opts.threadGiven {
				// The run reached Make under the thread the CLI named; say
				// which, or a broken or interrupted stream's thread is lost.
				return &threadHintError{err: err, thread: body.ThreadID}
			}
			return err
		}
		if err := print(opts.stdout, ev); err != nil {
			return err
		}
	}
	printThread(opts.factory, body.ThreadID)
	return nil
}

// threadHintError is a stream's error after its run reached Make, with the
// thread the CLI named for it: still one line, and the thread continuable.
type threadHintError struct {
	err    error
	thread string
}

func (e *threadHintError) Error() string { return e.err.Error() + e.hint() }
func (e *threadHintError) Unwrap() error { return e.err }
func (e *threadHintError) hint() string {
	t := printable(e.thread)
	return fmt.Sprintf(" (thread %s: continue it with --thread %s)", t, t)
}

// printThread tells the user, on stderr so stdout stays the answer alone,
// how to continue the run's conversation.
func printThread(f *factory, thread string) {
	if thread = printable(thread); thread != "" {
		fmt.Fprintf(f.stderr, "thread: %s (continue it with --thread %s)\n", thread, thread)
	}
}

func runArgs(opts *runOptions) (string, api.RunAgentRequest, error) {
	id, err := agentIDArg(opts.agentID)
	if err != nil {
		return "", api.RunAgentRequest{}, err
	}
	if opts.threadGiven && strings.TrimSpace(opts.thread) == "" {
		// An empty id would silently start a new thread: the user meant
		// to continue one (an unset shell variable, most likely).
		return "", api.RunAgentRequest{}, usageErrorf("--thread is empty: give the thread's id, or leave --thread out to start a new thread")
	}
	body := api.RunAgentRequest{Messages: []api.Message{{Role: api.MessageRoleUser, Content: opts.message}}, ThreadID: opts.thread}
	if err := opts.readBodyFile("--config-file", opts.configFile, &body.Config); err != nil {
		return "", body, err
	}
	if err := api.ValidateRunRequest(body); err != nil {
		return "", body, usageErrorf("%v", err)
	}
	return id, body, nil
}

// printEventJSON writes one event as one JSON line: the contract's
// {"event","id","data"} with data as a JSON value, or a string if it is not
// JSON.
func printEventJSON(w io.Writer, ev sse.Event) error {
	line := struct {
		Event string `json:"event"`
		ID    string `json:"id"`
		Data  any    `json:"data"`
	}{Event: ev.Type, ID: ev.ID, Data: string(ev.Data)}
	if json.Valid(ev.Data) {
		line.Data = json.RawMessage(ev.Data)
	}
	b, err := json.Marshal(line)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// printStepText writes a step as "[role] content", continuation lines
// indented under the label; other events as "[event TYPE] data".
func printStepText(w io.Writer, ev sse.Event) error { return printStep(w, ev, "") }

// printStep is printStepText with every line prefixed by margin.
func printStep(w io.Writer, ev sse.Event, margin string) error {
	label, text := "event "+ev.Type, string(ev.Data)
	if ev.Type == sse.TypeStep {
		step, err := ev.Step()
		if err != nil {
			return fmt.Errorf("step event %s: %w", ev.ID, err)
		}
		label, text = string(step.Role), stepText(step)
	}
	// Server text reaches a terminal: strip what would control it.
	label, text = printable(label), printable(text)
	prefix := margin + "[" + label + "] "
	indent := strings.Repeat(" ", len(prefix))
	text = strings.ReplaceAll(strings.TrimRight(text, "\n"), "\n", "\n"+indent)
	_, err := fmt.Fprintf(w, "%s%s\n", prefix, text)
	return err
}

// stepText is what a person reads of a step: its content, then one line per
// tool call (name, kind, arguments) and, on a tool step, the tool's status
// and result instead of the raw content that repeats it.
func stepText(st api.Step) string {
	var lines []string
	if st.ToolResponse == nil && st.Content != "" {
		lines = append(lines, st.Content)
	}
	for _, call := range st.ToolCalls {
		lines = append(lines, fmt.Sprintf("-> calls %s %q with %s", call.ToolType, call.Name, compactJSON(call.Arguments)))
	}
	if r := st.ToolResponse; r != nil {
		name := ""
		if r.Name != "" {
			name = fmt.Sprintf(" %q", r.Name)
		}
		lines = append(lines, fmt.Sprintf("<- %s%s %s: %s", r.ToolType, name, r.Status, compactJSON(r.Result)))
		if r.ExecutionLink != "" {
			lines = append(lines, "   execution: "+r.ExecutionLink)
		}
	}
	return strings.Join(lines, "\n")
}

// compactJSON renders a decoded JSON value on one line.
func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
