package eval_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/eval"
)

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown key", "agent: x\ncases:\n  - name: a\n    input: hi\n    asert: []\n",
			[]string{`suite.yaml:5: cases[0].asert: unknown key "asert" (did you mean "assert"?)`}},
		{"unknown top-level key", "agent: x\nmodel: gpt-4o\ncases: [{name: a, input: hi}]\n",
			[]string{`suite.yaml:2: model: unknown key "model" (did you mean "models"?)`}},
		{"unknown assertion", "agent: x\ncases:\n  - name: a\n    input: hi\n    assert:\n      - contain: x\n",
			[]string{`suite.yaml:6: cases[0].assert[0]: unknown assertion "contain" (did you mean "contains"?)`}},
		{"unknown assertion, a prefix of one", "agent: x\ncases:\n  - name: a\n    input: hi\n    assert:\n      - tool: x\n",
			[]string{`suite.yaml:6: cases[0].assert[0]: unknown assertion "tool" (did you mean "tool-called"?)`}},
		{"bad regex", "agent: x\ncases:\n  - name: a\n    input: hi\n    assert:\n      - regex: \"(unclosed\"\n",
			[]string{`suite.yaml:6: cases[0].assert[0].regex: bad regular expression "(unclosed": missing closing ): ` + "`(unclosed`"}},
		{"missing input", "agent: x\ncases:\n  - name: a\n    assert: [{contains: x}]\n",
			[]string{`suite.yaml:3: cases[0].input: missing: a case needs input (a message) or turns`}},
		{"several at once, in line order", "agent: x\ncases:\n  - name: a\n    assert:\n      - regex: \"[\"\n  - input: hi\n",
			[]string{`suite.yaml:3: cases[0].input: missing`, `suite.yaml:5: cases[0].assert[0].regex: bad regular expression`, `suite.yaml:6: cases[1].name: missing`}},
		{"input and turns", "agent: x\ncases: [{name: a, input: hi, turns: [a, b]}]\n", []string{`cases[0].turns: give input (one message) or turns`}},
		{"empty turns", "agent: x\ncases: [{name: a, turns: []}]\n", []string{`cases[0].turns: want a list of at least one message`}},
		{"duplicate case", "agent: x\ncases:\n  - {name: a, input: hi}\n  - {name: a, input: ho}\n", []string{`suite.yaml:4: cases[1].name: "a" is also the name of the case on line 3`}},
		{"repeated key", "agent: x\nagent: y\ncases: [{name: a, input: hi}]\n", []string{`suite.yaml:2: agent: repeated key`}},
		{"agent and name", "agent: x\nname: y\ncases: [{name: a, input: hi}]\n", []string{`name: give the agent by id (agent) or by name (name), not both`}},
		{"no cases", "agent: x\n", []string{`cases: missing`}},
		{"empty file", "", []string{`suite.yaml:1: the suite is empty`}},
		{"not a mapping", "- a\n- b\n", []string{`suite.yaml:1: want a suite (a mapping of keys), got a list`}},
		{"bad YAML", "agent: x\ncases: [{name: a, input: [}\n", []string{`suite.yaml:1: not valid YAML or JSON: did not find expected node content`}},
		{"flow hint", "agent: x\ncases: [{name: a, input: hi, assert: [{json: {path: a[0]}}]}]\n", []string{`quote a value that holds [ ]`}},
		{"concurrency", "agent: x\nconcurrency: 0\ncases: [{name: a, input: hi}]\n", []string{`suite.yaml:2: concurrency: 0 is out of range (want 1 to 64)`}},
		{"repeat text", "agent: x\nrepeat: often\ncases: [{name: a, input: hi}]\n", []string{`suite.yaml:2: repeat: want a whole number`}},
		{"too many runs", "agent: x\nrepeat: 10000\nmodels: [a, b]\ncases: [{name: a, input: hi}]\n", []string{`1 cases x 2 model(s) x repeat 10000 is 20000 runs, more than 10000`}},
		{"duplicate model", "agent: x\nmodels: [a, a]\ncases: [{name: a, input: hi}]\n", []string{`suite.yaml:2: models[1]: "a" is listed twice`}},
		{"max-tokens text", "agent: x\ncases: [{name: a, input: hi, assert: [{max-tokens: lots}]}]\n", []string{`cases[0].assert[0].max-tokens: want a whole number of tokens`}},
		{"max-latency without unit", "agent: x\ncases: [{name: a, input: hi, assert: [{max-latency: 20}]}]\n", []string{`max-latency: want a positive duration with its unit`}},
		{"two keys in one assertion", "agent: x\ncases: [{name: a, input: hi, assert: [{contains: a, regex: b}]}]\n", []string{`cases[0].assert[0]: want one assertion`}},
		{"json without path", "agent: x\ncases: [{name: a, input: hi, assert: [{json: {equals: 1}}]}]\n", []string{`cases[0].assert[0].json.path: missing`}},
		{"json two checks", "agent: x\ncases: [{name: a, input: hi, assert: [{json: {path: a, equals: 1, exists: true}}]}]\n", []string{`give one of equals, exists or contains`}},
		{"json unknown key", "agent: x\ncases: [{name: a, input: hi, assert: [{json: {path: a, equal: 1}}]}]\n", []string{`json.equal: unknown key "equal" (did you mean "equals"?)`}},
		{"json bad path", "agent: x\ncases: [{name: a, input: hi, assert: [{json: {path: \"a..b\"}}]}]\n", []string{`json.path: path "a..b": empty key`}},
		{"output-valid without output", "agent: x\ncases: [{name: a, input: hi, assert: [{output-valid: true}]}]\n", []string{`output-valid: needs the case's output`}},
		{"is-json false", "agent: x\ncases: [{name: a, input: hi, assert: [{is-json: false}]}]\n", []string{`is-json: want true`}},
		{"unknown output type", "agent: x\ncases: [{name: a, input: hi, output: {n: integr}}]\n", []string{`cases[0].output.n: unknown type "integr"`}},
		{"output nested too deep", "agent: x\ncases: [{name: a, input: hi, output: {c: {d: {e: text}}}}]\n", []string{`cases[0].output.c.d: Make's schema nests one level`}},
		{"make schema unknown field key", "agent: x\ncases:\n  - name: a\n    input: hi\n    output:\n      - {name: n, type: text, requird: true}\n", []string{`suite.yaml:6: cases[0].output[0].requird: unknown key`}},
		{"alias", "agent: x\ncases:\n  - name: a\n    input: &m hi\n  - name: b\n    input: *m\n", []string{`suite.yaml:5: cases[1].input: missing`, `suite.yaml:6: cases[1].input: YAML aliases (*m) are not supported`}},
		{"empty input", "agent: x\ncases: [{name: a, input: \"  \"}]\n", []string{`cases[0].input: is empty`}},
		{"json suite", "{\n\t\"agent\": \"x\",\n\t\"cases\": [\n\t\t{\"name\": \"a\", \"inptu\": \"hi\"}\n\t]\n}\n", []string{`suite.yaml:4: cases[0].inptu: unknown key "inptu" (did you mean "input"?)`, `suite.yaml:4: cases[0].input: missing`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := eval.Parse("suite.yaml", []byte(tt.yaml))
			if !eval.IsSuiteError(err) {
				t.Fatalf("err %v, want a *SuiteError", err)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("%d problems, want %d:\n%s", len(lines), len(tt.want), err)
			}
			for i, w := range tt.want {
				if !strings.Contains(lines[i], w) {
					t.Errorf("problem %d: %q, want %q", i, lines[i], w)
				}
			}
		})
	}
}

func TestParseValid(t *testing.T) {
	s, err := eval.Parse("s.json", []byte(`{"agent": "6f1c", "models": "gpt-4o", "repeat": 2, "concurrency": 8,
		"cases": [{"name": "a", "turns": ["one", "two"], "output": {"n": "integer", "c": {"x": "text", "y": "optional number"}, "l": [{"k": "text"}]},
		"assert": [{"json": {"path": "l[0].k", "equals": {"a": [1, true, null]}}}, {"tool-called": 122}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Agent != "6f1c" || len(s.Models) != 1 || s.Repeat != 2 || s.Concurrency != 8 || len(s.Cases[0].Turns) != 2 {
		t.Fatalf("%+v", s)
	}
	c := s.Cases[0]
	if len(c.Output) != 3 || c.Output[1].Type != api.SchemaFieldTypeCollection || c.Output[2].Type != api.SchemaFieldTypeArray {
		t.Errorf("output %+v", c.Output)
	}
	if got := c.Assert[0].String(); got != `json: {path: "l[0].k", equals: {"a":[1,true,null]}}` {
		t.Errorf("String %s", got)
	}
	if got := c.Assert[1].String(); got != `tool-called: "122"` {
		t.Errorf("String %s", got)
	}
	if c.Fingerprint() == "" {
		t.Error("no fingerprint")
	}
	// The fingerprint follows what is asked and checked, not formatting.
	s2, err := eval.Parse("s.yaml", []byte("agent: other\ncases:\n  - name: a\n    turns: [one, two]\n    output: {n: integer, c: {x: text, y: optional number}, l: [{k: text}]}\n    assert:\n      - json: {path: \"l[0].k\", equals: {a: [1, true, null]}}\n      - tool-called: \"122\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s2.Cases[0].Fingerprint() != c.Fingerprint() {
		t.Error("the same case in YAML has another fingerprint")
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	if _, err := eval.Load(filepath.Join(dir, "nope.yaml")); !eval.IsSuiteError(err) || !strings.Contains(err.Error(), "nope.yaml: cannot read the suite: no such file or directory") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := eval.Load(dir); !eval.IsSuiteError(err) || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: %v", err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte("agent: x\ncases: [{name: a, input: \""+strings.Repeat("x", eval.MaxSuiteBytes)+"\"}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := eval.Load(big); !eval.IsSuiteError(err) || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("big file: %v", err)
	}
	ok := filepath.Join(dir, "ok.yaml")
	if err := os.WriteFile(ok, []byte("agent: x\ncases: [{name: a, input: hi}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := eval.Load(ok); err != nil || s.File != ok {
		t.Errorf("%v", err)
	}
}

// Nesting deeper than YAML's parser allows is a problem, not a crash.
func TestDeepNestingRefused(t *testing.T) {
	for _, text := range []string{"agent: x\ncases: " + strings.Repeat("[", 100000), strings.Repeat("{a: ", 20000)} {
		if _, err := eval.Parse("deep.yaml", []byte(text)); !eval.IsSuiteError(err) || !strings.Contains(err.Error(), "max depth") {
			t.Errorf("%.100v", err)
		}
	}
}

// A billion-laughs style file is refused at its first alias, without
// expanding anything.
func TestAliasBombRefused(t *testing.T) {
	var b strings.Builder
	b.WriteString("agent: x\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i < 10; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := range 9 {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	b.WriteString("cases: [{name: a, input: hi}]\n")
	_, err := eval.Parse("bomb.yaml", []byte(b.String()))
	if !eval.IsSuiteError(err) {
		t.Fatalf("%v", err)
	}
}
