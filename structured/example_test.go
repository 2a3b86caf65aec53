package structured_test

import (
	"context"
	"fmt"
	"time"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
	"github.com/makeagents/makeagents-go/structured"
)

// Example asks the fake agent for a structured answer and decodes it into
// a Go struct. Against Make, use api.New() and your agent's id.
func Example() {
	type Task struct {
		Title string    `json:"title" make:"label=Title"`
		Words int       `json:"words"`
		Due   time.Time `json:"due" make:"label=Due date"`
		Tags  []string  `json:"tags,omitempty"`
	}
	srv, err := makeagentstest.Start(makeagentstest.WithClock(func() time.Time { return time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC) }))
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
	agent := srv.AddAgent(1, api.Agent{Name: "planner", SystemPrompt: "Plan tasks.", DefaultModel: "gpt-4.1-mini"})

	parser, err := structured.ParserFor[Task]()
	if err != nil {
		fmt.Println(err)
		return
	}
	run := api.NewRunRequest("water the plants")
	run.Config.OutputParser = parser
	res, err := client.RunAgent(context.Background(), agent.ID, run, api.ForTeam(1))
	if err != nil {
		fmt.Println(err)
		return
	}
	task, err := structured.Decode[Task](res)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q %d %s %q\n", task.Title, task.Words, task.Due.Format(time.DateOnly), task.Tags)
	// Output: "water the plants" 3 2026-05-01 ["water" "the" "plants"]
}
