package eval_test

import (
	"io"
	"strings"
	"testing"

	"github.com/makeagents/makeagents-go/eval"
)

// bigReport is a report of n results with answers of about 1 KiB, the size
// the --json file reaches on a large suite.
func bigReport(n int) *eval.Report {
	rep := &eval.Report{Version: 1, Suite: "s.yaml", AgentID: "a", Planned: n}
	answer := strings.Repeat("The order ships on Monday. ", 40)
	for i := range n {
		rep.Results = append(rep.Results, eval.Result{
			Case: "case", Model: "gpt-4o", Repeat: i, Status: eval.StatusFail, Tokens: 900,
			Failures: []eval.Failure{{Assertion: `contains: "x"`, Message: "not in the answer", Excerpt: answer[:100]}},
			Turns:    []eval.Turn{{Input: "Where is my order?", Answer: answer, Tokens: 900}},
		})
	}
	return rep
}

// BenchmarkWriteJSON: what one rewrite of the --json report costs for
// 1000 results (the paced writer spends at most 1/20 of the time on it).
func BenchmarkWriteJSON1000(b *testing.B) {
	rep := bigReport(1000)
	b.ReportAllocs()
	for b.Loop() {
		if err := rep.WriteJSON(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadReport1000(b *testing.B) {
	var sb strings.Builder
	if err := bigReport(1000).WriteJSON(&sb); err != nil {
		b.Fatal(err)
	}
	text := sb.String()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := eval.ReadReport(strings.NewReader(text)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReports1000(b *testing.B) {
	rep := bigReport(1000)
	b.ReportAllocs()
	for b.Loop() {
		_ = rep.WriteTable(io.Discard)
		_ = rep.WriteJUnit(io.Discard)
		_ = rep.WriteMarkdown(io.Discard)
	}
}
