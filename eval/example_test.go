package eval_test

import (
	"context"
	"fmt"
	"log"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/eval"
	"github.com/makeagents/makeagents-go/makeagentstest"
)

// A suite with two cases, run against the SDK's fake: the first holds, the
// second asks for a tool the agent does not call.
func Example() {
	fake, err := makeagentstest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	client, err := fake.Client(api.WithTeamID(1))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if _, err := client.CreateAgent(ctx, api.CreateAgentRequest{
		Name: "Support bot", MakeConnectionID: 1001, DefaultModel: "gpt-4.1-mini", SystemPrompt: "You help customers.",
	}); err != nil {
		log.Fatal(err)
	}

	suite, err := eval.Parse("support.yaml", []byte(`
name: Support bot
cases:
  - name: greets the user
    input: "Hello, I am Ada"
    assert: [{contains: Ada}, {max-tokens: 800}]
  - name: looks up an order
    input: "Where is order 42?"
    assert: [{tool-called: "Tool 122: look up an order"}]
`))
	if err != nil {
		log.Fatal(err)
	}
	rep, err := eval.Run(ctx, client, suite)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range rep.Results {
		fmt.Println(r.Case+":", r.Status)
		for _, f := range r.Failures {
			fmt.Printf("  %s: %s (%s)\n", f.Assertion, f.Message, f.Excerpt)
		}
	}
	fmt.Println(rep.Summary())
	// Output:
	// greets the user: pass
	// looks up an order: fail
	//   tool-called: "Tool 122: look up an order": not called (no tool was called)
	// 1 of 2 runs passed (50.0%): 1 failed, 0 errors
}

// A Go test that holds an agent's evals: each case is a subtest.
func ExampleRunTests() {
	// In a _test.go file:
	//
	//	func TestSupportBot(t *testing.T) {
	//		client, err := api.New() // MAKE_API_TOKEN, MAKE_TEAM_ID, MAKE_ZONE
	//		if err != nil {
	//			t.Fatal(err)
	//		}
	//		suite, err := eval.Load("testdata/support.eval.yaml")
	//		if err != nil {
	//			t.Fatal(err)
	//		}
	//		eval.RunTests(t, client, suite)
	//	}
	//
	// go test -run 'TestSupportBot/greets' then runs one case, on every model.
}
