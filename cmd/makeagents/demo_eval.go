package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/eval"
)

// demoSuite is the suite the demo evaluates its agent with: every case
// holds but the last, which fails on purpose to show what a failure says.
const demoSuite = `agent: %s
models: [gpt-4.1-mini, gpt-4o]
cases:
  - name: cites the payment terms
    input: "When are invoices overdue?"
    assert:
      - icontains: "30 days"
      - tool-called: knowledge
  - name: chases with the scenario
    input: "Chase the overdue invoices with the scenario."
    assert:
      - tool-called: %d
      - max-tokens: 2000
  - name: answers in shape
    input: "Summarise invoice 17"
    output: {invoice: string, overdue: boolean}
    assert:
      - json: {path: overdue, equals: true}
      - output-valid: true
  - name: never mentions being a bot (fails on purpose)
    input: "Who are you?"
    assert:
      - not-icontains: "deterministic"
`

// demoEval runs demoSuite against the demo's agent and prints the suite and
// its table, as 'makeagents eval' would.
func demoEval(ctx context.Context, c *api.Client, agentID string, toolID int64, out io.Writer) error {
	text := fmt.Sprintf(demoSuite, agentID, toolID)
	suite, err := eval.Parse("invoices.eval.yaml", []byte(text))
	if err != nil {
		return err
	}
	demoCommand(out, "eval", "invoices.eval.yaml", "--junit", "junit.xml")
	fmt.Fprintln(out, "     invoices.eval.yaml:")
	for line := range strings.Lines(text) {
		fmt.Fprint(out, "       "+line)
	}
	rep, err := eval.Run(ctx, c, suite)
	if err != nil {
		return err
	}
	var table strings.Builder
	if err := rep.WriteTable(&table); err != nil {
		return err
	}
	fmt.Fprintln(out)
	for line := range strings.Lines(table.String()) {
		fmt.Fprint(out, "   "+line)
	}
	fmt.Fprintln(out, "   (exit status 1: a case failed; 0 when all pass, 3 when calls fail)")
	fmt.Fprintln(out)
	return nil
}
