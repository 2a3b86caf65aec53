package eval_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/eval"
)

// The README's suite is testdata/support.eval.yaml, and against the fake
// it gives what the README shows: 6 of 8, answers in shape failing on the
// status.
func TestREADMESuite(t *testing.T) {
	suiteText, err := os.ReadFile("testdata/support.eval.yaml")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```yaml\n"+string(suiteText)+"```") {
		t.Error("README's eval suite is not testdata/support.eval.yaml")
	}
	s, _, _ := fixture(t)
	conn := int64(1001)
	c, err := s.Client(api.WithTeamID(1))
	if err != nil {
		t.Fatal(err)
	}
	// The fixture's agent has scenario 7; the README's has 122.
	a := s.AddAgent(1, api.Agent{Name: "Support bot 122", DefaultModel: "gpt-4.1-mini", MakeConnectionID: conn,
		SystemPrompt: "You help customers with their orders.", Scenarios: []api.ScenarioTool{{MakeScenarioID: 122}}})
	suite, err := eval.Load("testdata/support.eval.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := eval.Run(context.Background(), c, suite, eval.WithAgent(a.ID))
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Summary(); got != "6 of 8 runs passed (75.0%): 2 failed, 0 errors" {
		t.Errorf("summary %q", got)
	}
	for _, r := range rep.Results {
		if r.Status == eval.StatusFail && (r.Case != "answers in shape" || r.Failures[0].Message != `status is "Summarise order 42"`) {
			t.Errorf("%s: %+v", r.Case, r.Failures)
		}
	}
}
