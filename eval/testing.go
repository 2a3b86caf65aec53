package eval

import (
	"strconv"
	"strings"
	"testing"
)

// RunTests runs the suite inside a Go test, one subtest per case and, when
// the suite lists models, one per model below it (TestAgent/greets_the_user/gpt-4o),
// so `go test -run` picks cases and models and a failed assertion is a
// test failure that names the assertion and shows the actual text. The
// subtests run in parallel (bounded by go test's -parallel); each calls the
// agent through c, under its rate limit. A call error fails the subtest too.
//
//	func TestSupportBot(t *testing.T) {
//		suite, err := eval.Load("testdata/support.yaml")
//		if err != nil {
//			t.Fatal(err)
//		}
//		eval.RunTests(t, client, suite)
//	}
func RunTests(t *testing.T, c Client, s *Suite, opts ...Option) {
	t.Helper()
	st := newSettings(opts)
	jobs, err := plan(s, st)
	if err != nil {
		t.Fatal(err)
	}
	agent, err := resolveAgent(t.Context(), c, s, st)
	if err != nil {
		t.Fatal(err)
	}
	byCase := map[*Case][]job{}
	var order []*Case
	for _, j := range jobs {
		if _, ok := byCase[j.c]; !ok {
			order = append(order, j.c)
		}
		byCase[j.c] = append(byCase[j.c], j)
	}
	for _, cs := range order {
		t.Run(cs.Name, func(t *testing.T) {
			t.Parallel()
			for _, j := range byCase[cs] {
				name := j.model
				if name == "" {
					name = agent.DefaultModel
				}
				if s.Repeat > 1 {
					name += "#" + strconv.Itoa(j.repeat+1)
				}
				do := func(t *testing.T) {
					r, _ := runCase(t.Context(), c, agent.ID, s, j, st)
					report(t, r)
				}
				if len(s.Models) == 0 && s.Repeat <= 1 {
					do(t) // one run per case: no level below the case
					continue
				}
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					do(t)
				})
			}
		})
	}
}

// report turns a result into test failures.
func report(t *testing.T, r Result) {
	t.Helper()
	switch r.Status {
	case StatusError:
		t.Errorf("call failed: %s", r.Error)
	case StatusFail:
		for _, f := range r.Failures {
			msg := f.Assertion + ": " + f.Message
			if f.Excerpt != "" {
				msg += "\n    actual: " + quote(f.Excerpt)
			}
			t.Error(msg)
		}
	case StatusPass:
		t.Logf("pass: %d tokens, %s", r.Tokens, showLatency(r.Latency.std()))
	}
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }
