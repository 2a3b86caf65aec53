package makeagentstest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
	"github.com/makeagents/makeagents-go/sse"
)

// A first program, as the README shows it: create an agent, stream a run
// printing each step, print the final answer and the token usage, delete
// the agent. Against Make, replace the first three statements with
// client, err := api.New() (MAKE_API_TOKEN, MAKE_TEAM_ID and MAKE_ZONE set).
func Example_firstProgram() {
	fake, err := makeagentstest.Start(makeagentstest.WithClock(func() time.Time { return time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC) }))
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	client, err := fake.Client(api.WithTeamID(1))
	if err != nil {
		log.Fatal(err)
	}
	created, err := client.Generated().CreateAgentWithResponse(context.Background(), nil, api.CreateAgentRequest{
		Name: "Helper", MakeConnectionID: 1001, DefaultModel: "gpt-4.1-mini", SystemPrompt: "Be brief.",
	})
	if err != nil {
		log.Fatal(err)
	}
	agentID := created.JSON201.AgentID
	stream, err := sse.Run(context.Background(), client, agentID, api.RunAgentRequest{
		Messages: []api.Message{{Role: api.MessageRoleUser, Content: "Hello!"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	var run sse.Accumulator
	for ev, err := range stream.All() {
		if err := errors.Join(err, run.Add(ev)); err != nil {
			log.Fatal(err)
		}
		step, _ := ev.Step()
		fmt.Printf("[%s] %.40s\n", step.Role, step.Content)
	}
	t := run.Transcript()
	fmt.Printf("answer: %.40s... (%d tokens)\n", t.FinalAnswer(), *t.Usage().TotalTokens)
	if _, err := client.Generated().DeleteAgentWithResponse(context.Background(), agentID, nil); err != nil {
		log.Fatal(err)
	}
	// Output:
	// [system] Be brief.
	// Current time (ISO): 2026-01-02
	// [user] Hello!
	// [assistant] You said: "Hello!". This is Helper, a de
	// answer: You said: "Hello!". This is Helper, a de... (27 tokens)
}
