package makeagentstest_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"strconv"
	"time"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
	"github.com/makeagents/makeagents-go/sse"
)

// firstProgram is the body of the README's first program, line for line
// (TestREADMEFirstProgram in scripts/ compares them): create an agent,
// stream a run printing each step, print the final answer and the token
// usage, delete the agent. api.New reads its configuration from the
// environment: MAKE_API_TOKEN, MAKE_TEAM_ID and MAKE_ZONE against Make, or
// the lines `makeagents fake` prints.
func firstProgram() {
	ctx := context.Background()
	client, err := api.New() // MAKE_API_TOKEN, MAKE_TEAM_ID, MAKE_ZONE or MAKE_BASE_URL
	if err != nil {
		log.Fatal(err)
	}
	agent, err := client.CreateAgent(ctx, api.CreateAgentRequest{Name: "Helper", SystemPrompt: "Be brief.",
		MakeConnectionID: 1001, DefaultModel: "gpt-4.1-mini"}) // ids: makeagents connections list, providers models
	if err != nil {
		log.Fatal(err)
	}
	stream, err := sse.Run(ctx, client, agent.ID, api.NewRunRequest("Hello!"))
	if err != nil {
		log.Fatal(err)
	}
	for step, err := range stream.Steps() {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("[%s] %.40s\n", step.Role, step.Content)
	}
	run := stream.Transcript()
	fmt.Printf("answer: %.40s... (%d tokens)\n", run.FinalAnswer(), run.Usage().TotalTokens)
	if err := client.DeleteAgent(ctx, agent.ID); err != nil {
		log.Fatal(err)
	}
}

// The README's first program against the fake: the environment `makeagents
// fake` prints, set here for an in-process fake with a pinned clock (the
// system prompt carries the date).
func Example_firstProgram() {
	fake, err := makeagentstest.Start(makeagentstest.WithClock(func() time.Time { return time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC) }))
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	for k, v := range map[string]string{
		api.EnvBaseURL: fake.URL(), api.EnvToken: fake.Token(), api.EnvTeamID: strconv.Itoa(1), api.EnvZone: "",
	} {
		defer os.Setenv(k, os.Getenv(k))
		os.Setenv(k, v)
	}
	firstProgram()
	// Output:
	// [system] Be brief.
	// Current time (ISO): 2026-01-02
	// [user] Hello!
	// [assistant] You said: "Hello!". This is Helper, a de
	// answer: You said: "Hello!". This is Helper, a de... (27 tokens)
}
