package eval_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/makeagents/makeagents-go/eval"
)

// TestRunTests: every case of the passing suite is a subtest, per model.
func TestRunTests(t *testing.T) {
	s, c, _ := fixture(t)
	t.Cleanup(func() { // after the parallel subtests, before the fake closes
		if n := len(runs(s)); n != 10 {
			t.Errorf("%d runs, want 10", n)
		}
	})
	fixed := time.Now()
	eval.RunTests(t, c, parse(t, passing), eval.WithClock(func() time.Time { return fixed }))
}

// TestRunTestsReportsFailures runs a failing suite under RunTests in a
// child test process: the failure names the case, the model, the
// assertion and the actual text, and the child fails.
func TestRunTestsReportsFailures(t *testing.T) {
	if os.Getenv("EVAL_RUNTESTS_CHILD") == "1" {
		t.Skip("the child runs TestRunTestsChild")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRunTestsChild$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "EVAL_RUNTESTS_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the child passed:\n%s", out)
	}
	for _, want := range []string{
		"--- FAIL: TestRunTestsChild/4o/greets/gpt-4o",
		"--- PASS: TestRunTestsChild/mini/greets/gpt-4.1-mini",
		`contains: "gpt-4o only": not in the answer`,
		`actual: "You said: \"hello\"`,
		"--- PASS: TestRunTestsChild/mini/other/gpt-4.1-mini",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("child output lacks %q:\n%s", want, out)
		}
	}
}

func TestRunTestsChild(t *testing.T) {
	if os.Getenv("EVAL_RUNTESTS_CHILD") != "1" {
		t.Skip("run by TestRunTestsReportsFailures")
	}
	_, c, id := fixture(t)
	// The first case fails for gpt-4o only: a model-specific assertion
	// through the suite-level list would fail both, so split by --only.
	t.Run("mini", func(t *testing.T) {
		eval.RunTests(t, c, parse(t, `agent: `+id+`
models: [gpt-4.1-mini]
cases:
  - {name: greets, input: hello, assert: [{contains: hello}]}
  - {name: other, input: hi}
`))
	})
	t.Run("4o", func(t *testing.T) {
		eval.RunTests(t, c, parse(t, `agent: `+id+`
models: [gpt-4o]
cases:
  - {name: greets, input: hello, assert: [{contains: "gpt-4o only"}]}
`))
	})
}
