package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
	"github.com/makeagents/makeagents-go/sse"
)

// demoTeam is the team the demo's agents belong to on the fake.
const demoTeam = 1

const demoQuestion = "Which of my Make scenarios could send a Slack message when an invoice is paid?"

var demoCmd = &command{
	words:   "demo",
	summary: "Offline tour on an in-process fake of the API: create, list, stream a run, delete.",
	detail: `Starts makeagentstest (a fake of Make's AI Agents API generated from openapi.yaml)
on loopback and drives it with the SDK exactly as a real program would. Needs no
account, no token and no network.`,
	example: "makeagents demo",
	flags: func(fs *flag.FlagSet, o *options) {
		fs.StringVar(&o.pace, "pace", "400ms", "`DURATION` to pause between streamed steps, to watch them arrive")
	},
	run: runDemo,
}

func runDemo(ctx context.Context, in *invocation) error {
	pace, err := time.ParseDuration(in.opts.pace)
	if err != nil || pace < 0 {
		return usageErrorf("--pace %q is not a duration such as 400ms", in.opts.pace)
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

	fmt.Fprintln(out, "1. Create an agent")
	created, err := c.CreateAgentWithResponse(ctx, &api.CreateAgentParams{TeamID: demoTeam}, api.CreateAgentRequest{
		Name:             "Invoice helper",
		TeamID:           demoTeam,
		MakeConnectionID: 1001,
		DefaultModel:     "gpt-4.1-mini",
		SystemPrompt:     "You help finance teams automate invoice follow-ups with Make scenarios.",
		Scenarios:        []api.ScenarioTool{{MakeScenarioID: 4242, ApprovalMode: ptr(api.ApprovalModeAutoRun)}},
	})
	if err != nil {
		return err
	}
	if created.JSON201 == nil || created.JSON201.AgentID == "" {
		return unexpected(created.StatusCode(), created.Body)
	}
	id := created.JSON201.AgentID
	fmt.Fprintf(out, "   created agent %s (%q)\n\n", id, "Invoice helper")

	fmt.Fprintln(out, "2. List agents")
	if err := demoList(ctx, c, in); err != nil {
		return err
	}

	fmt.Fprintf(out, "3. Stream a run, step by step: %q\n", demoQuestion)
	stream, err := sse.Run(ctx, c.ClientInterface, id, &api.RunAgentStreamParams{TeamID: demoTeam}, api.RunAgentRequest{
		Messages: []api.Message{{Role: api.MessageRoleUser, Content: demoQuestion}},
	})
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
	fmt.Fprintf(out, "\n4. Final answer (%d steps, %d tool call(s), %d tokens: %d prompt + %d completion):\n   %s\n\n",
		len(t.Steps), len(t.ToolCalls()), *usage.TotalTokens, *usage.PromptTokens, *usage.CompletionTokens, t.FinalAnswer())

	fmt.Fprintln(out, "5. Delete the agent")
	if _, err := c.DeleteAgentWithResponse(ctx, id, &api.DeleteAgentParams{TeamID: demoTeam}); err != nil {
		return err
	}
	fmt.Fprintf(out, "   deleted %s\n", id)
	if err := demoList(ctx, c, in); err != nil {
		return err
	}
	fmt.Fprintln(out, "Done. Point the same commands at Make with MAKE_API_TOKEN, MAKE_TEAM_ID and MAKE_ZONE set.")
	return nil
}

func demoList(ctx context.Context, c *api.ClientWithResponses, in *invocation) error {
	res, err := c.ListAgentsWithResponse(ctx, &api.ListAgentsParams{TeamID: demoTeam})
	if err != nil {
		return err
	}
	if res.JSON200 == nil {
		return unexpected(res.StatusCode(), res.Body)
	}
	fmt.Fprintf(in.stdout, "   %d agent(s) in team %d\n", len(*res.JSON200), demoTeam)
	for _, a := range *res.JSON200 {
		fmt.Fprintf(in.stdout, "   - %s  %s  (%s)\n", a.ID, a.Name, a.DefaultModel)
	}
	fmt.Fprintln(in.stdout)
	return nil
}

func ptr[T any](v T) *T { return &v }
