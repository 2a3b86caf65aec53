package conversation_test

import (
	"context"
	"fmt"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/conversation"
	"github.com/makeagents/makeagents-go/makeagentstest"
)

// Example holds a two-turn conversation with the fake agent. Against Make,
// use api.New() and your agent's id.
func Example() {
	srv, err := makeagentstest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		fmt.Println(err)
		return
	}
	agent := srv.AddAgent(1, api.Agent{Name: "host", SystemPrompt: "Be brief.", DefaultModel: "gpt-4.1-mini"})

	conv := conversation.New(client, agent.ID, conversation.WithTeamID(1))
	first, err := conv.Send(context.Background(), "My name is Ada.")
	if err != nil {
		fmt.Println(err)
		return
	}
	second, err := conv.Send(context.Background(), "What is my name?")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(first.ThreadID == second.ThreadID, conv.ThreadID() == first.ThreadID)
	// Output: true true
}
