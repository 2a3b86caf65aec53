package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
	"github.com/makeagents/makeagents-go/sse"
)

// demoTeam is the team the demo's agents belong to on the fake.
const demoTeam = 1

const demoQuestion = "When are invoices overdue, and which scenario can chase them?"

// demoKnowledge is the text context the demo's agent answers from.
const demoKnowledge = "Invoices are overdue 30 days after their issue date.\nReminders go out every Monday."

// demoOptions are what demo runs with.
type demoOptions struct {
	*factory
	pace string // pause between streamed steps
}

func newDemoCmd(f *factory, runF func(context.Context, *demoOptions) error) *cobra.Command {
	opts := &demoOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Offline tour on an in-process fake of the API: discover a connection, model and tool, create an agent, give it knowledge, stream a run, delete.",
		Long: `Starts makeagentstest (a fake of Make's AI Agents API generated from openapi.yaml)
on loopback and drives it with the SDK exactly as a real program would. Needs no
account, no token and no network.`,
		Example: "makeagents demo",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCommand(cmd, f, opts, runF, demoRun)
		},
	}
	cmd.Flags().StringVar(&opts.pace, "pace", "400ms", "`DURATION` to pause between streamed steps, to watch them arrive")
	noAccount(cmd, "it runs on its own fake API, with no account")
	f.addTimeoutFlag(cmd)
	return cmd
}

func demoRun(ctx context.Context, in *demoOptions) error {
	pace, err := time.ParseDuration(in.pace)
	if err != nil || pace < 0 {
		return usageErrorf("--pace %q is not a duration such as 400ms", in.pace)
	}
	fake, err := makeagentstest.Start(makeagentstest.WithStepDelay(pace))
	if err != nil {
		return fmt.Errorf("start the fake API: %w", err)
	}
	defer fake.Close()
	out := in.stdout
	fmt.Fprintf(out, "Started a fake of Make's AI Agents API at %s (in-process, loopback only).\n\n", fake.URL())

	c, err := api.New(api.WithoutEnvironment(), api.WithBaseURL(fake.URL()), api.WithToken(fake.Token()),
		api.WithTeamID(demoTeam), api.WithUserAgent(userAgent+"-demo"))
	if err != nil {
		return err
	}

	fmt.Fprintln(out, "1. Discover what an agent needs: a provider, its connection, a model, a tool scenario")
	providers, err := c.ListLLMProviders(ctx)
	if err != nil {
		return err
	}
	if len(providers) == 0 {
		return errors.New("the fake lists no LLM provider")
	}
	provider := providers[0]
	// The connection an agent on this provider uses is the team's
	// connection whose type is the provider's accountName: no id typed.
	conns, err := c.ProviderConnections(ctx, provider)
	if err != nil {
		return err
	}
	if len(conns) == 0 {
		return fmt.Errorf("provider %d has no connection", provider.ID)
	}
	connection := conns[0]
	models, err := c.ListLLMProviderModels(ctx, provider.ID)
	if err != nil {
		return err
	}
	if len(models) == 0 {
		return fmt.Errorf("provider %d lists no model", provider.ID)
	}
	model := models[0]
	var tool *api.Scenario
	for s, err := range c.Scenarios(ctx, api.ScenarioQuery{Type: api.ScenarioTypeTool}) {
		if err != nil {
			return err
		}
		tool = &s
		break // the first tool is enough; the iterator asks for no more pages
	}
	if tool == nil {
		return errors.New("the fake lists no tool scenario")
	}
	fmt.Fprintf(out, "   provider %d (%s), connection %d %q (type %s)\n", provider.ID, provider.Provider, connection.ID, connection.Name, connection.AccountName)
	fmt.Fprintf(out, "   model %s (%d tokens), tool scenario %d %q\n", model.Model, model.TokenLimit, tool.ID, tool.Name)
	demoCommand(out, "providers", "list")
	demoCommand(out, "connections", "list", "--type", connection.AccountName)
	demoCommand(out, "providers", "models", strconv.FormatInt(provider.ID, 10))
	demoCommand(out, "scenarios", "list", "--tools")
	fmt.Fprintln(out)

	fmt.Fprintln(out, "2. Create an agent")
	create := api.CreateAgentRequest{
		Name:             "Invoice helper",
		MakeConnectionID: connection.ID,
		DefaultModel:     model.Model,
		SystemPrompt:     "You help finance teams automate invoice follow-ups with Make scenarios.",
		Scenarios:        []api.ScenarioTool{{MakeScenarioID: tool.ID, ApprovalMode: api.ApprovalModeAutoRun}},
	}
	created, err := c.CreateAgent(ctx, create)
	if err != nil {
		return err
	}
	if created.ID == "" {
		return errors.New("the fake created an agent without an id")
	}
	id := created.ID
	fmt.Fprintf(out, "   created agent %s (%q)\n", id, "Invoice helper")
	// The scenario tool has no flag: with it, the body comes from a file.
	demoCommand(out, "agents", "create", "--from-file", "agent.json")
	var file map[string]any // the create body, without the teamId that --team supplies
	if b, err := json.Marshal(create); err == nil && json.Unmarshal(b, &file) == nil {
		delete(file, "teamId")
		b, _ = json.Marshal(file)
		fmt.Fprintf(out, "     agent.json: %s\n", b)
	}
	fmt.Fprintln(out)

	fmt.Fprintln(out, "3. Give it knowledge: a short text context")
	if err := c.AddTextContext(ctx, api.CreateTextContextRequest{
		AgentID: id, Name: "Payment terms", Content: demoKnowledge,
	}); err != nil {
		return err
	}
	demoCommand(out, "contexts", "add", id, "--name", "Payment terms", "--text", demoKnowledge)
	demoCommand(out, "contexts", "list", id)
	contexts, err := c.ListContexts(ctx, id)
	if err != nil {
		return err
	}
	for _, k := range contexts {
		fmt.Fprintf(out, "   - %s  %q: %s\n", k.ID, k.DocumentName, k.Description)
	}
	fmt.Fprintln(out)

	fmt.Fprintln(out, "4. List agents")
	if err := demoList(ctx, c, in); err != nil {
		return err
	}

	fmt.Fprintf(out, "5. Stream a run, step by step: %q\n", demoQuestion)
	demoCommand(out, "stream", id, demoQuestion)
	stream, err := sse.Run(ctx, c, id, api.NewRunRequest(demoQuestion))
	if err != nil {
		return err
	}
	defer func() { _ = stream.Close() }()
	var transcript sse.Accumulator
	for ev, err := range stream.All() {
		if err != nil {
			return err
		}
		if err := transcript.Add(ev); err != nil {
			return err
		}
		if err := printStep(out, ev, "   "); err != nil {
			return err
		}
	}
	t := transcript.Transcript()
	usage := t.Usage()
	fmt.Fprintf(out, "\n6. Final answer (%d steps, %d tool call(s), %d tokens: %d prompt + %d completion):\n   %s\n\n",
		len(t.Steps), len(t.ToolCalls()), usage.TotalTokens, usage.PromptTokens, usage.CompletionTokens, t.FinalAnswer())

	fmt.Fprintln(out, "7. Evaluate it: a suite of cases, once per model")
	if err := demoEval(ctx, c, id, tool.ID, out); err != nil {
		return err
	}

	fmt.Fprintln(out, "8. Delete the agent")
	if err := c.DeleteAgent(ctx, id); err != nil {
		return err
	}
	demoCommand(out, "agents", "delete", id)
	fmt.Fprintf(out, "   deleted %s\n", id)
	if err := demoList(ctx, c, in); err != nil {
		return err
	}
	fmt.Fprintln(out, "Done. The commands after each $ do the same against Make once MAKE_API_TOKEN, MAKE_TEAM_ID\nand MAKE_ZONE are set (the ids will be your account's).")
	return nil
}

func demoList(ctx context.Context, c *api.Client, in *demoOptions) error {
	demoCommand(in.stdout, "agents", "list")
	agents, err := c.ListAgents(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(in.stdout, "   %d agent(s) in team %d\n", len(agents), demoTeam)
	for _, a := range agents {
		fmt.Fprintf(in.stdout, "   - %s  %s  (%s)\n", a.ID, a.Name, a.DefaultModel)
	}
	fmt.Fprintln(in.stdout)
	return nil
}

// demoCommand prints the CLI command that does what a demo step just did,
// quoted for a POSIX shell.
func demoCommand(w io.Writer, args ...string) {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = shellQuote(a)
	}
	fmt.Fprintf(w, "   $ makeagents %s\n", strings.Join(quoted, " "))
}
