package agentfile_test

import (
	"context"
	"fmt"
	"os"

	"github.com/makeagents/makeagents-go/agentfile"
	"github.com/makeagents/makeagents-go/makeagentstest"
)

// Plan, print the plan, apply it, and plan again: the team now matches
// the file. The fake stands in for Make.
func ExamplePlan() {
	s, err := makeagentstest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	c, _ := s.Client()
	var f *agentfile.File
	f, err = agentfile.Parse("agents.yaml", []byte(`team: 1
agents:
  - name: Support bot
    systemPrompt: You answer questions about orders.
    provider: openAi
    model: gpt-4.1-mini
    knowledge:
      - text: Returns are free within 30 days.
        name: returns-policy
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	plan, err := agentfile.Plan(ctx, c, f, agentfile.PlanOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = plan.WriteText(os.Stdout)
	if _, err := agentfile.Apply(ctx, c, plan, agentfile.ApplyOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	again, _ := agentfile.Plan(ctx, c, f, agentfile.PlanOptions{})
	fmt.Println("changes after apply:", again.HasChanges())
	// Output:
	// + create "Support bot"
	//     provider: "openAi (1)"
	//     connection: "openai-gpt-3 connection (1001)"
	//     model: "gpt-4.1-mini"
	//     systemPrompt: "You answer questions about orders."
	//     knowledge: + returns-policy (6be6b869df76) (from text)
	//
	// Plan: 1 to create, 0 to update, 0 to replace, 0 to delete.
	// changes after apply: false
}
