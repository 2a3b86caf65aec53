package eval

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/internal/yamlfile"
	"go.yaml.in/yaml/v3"
)

// Bounds on a suite. A suite is a hand-written file; anything beyond these
// is a mistake (a pasted log, repeat: 100000) that would otherwise cost
// money at Make before anyone noticed.
const (
	// MaxSuiteBytes is the largest suite file Load reads.
	MaxSuiteBytes = 4 << 20
	// MaxRuns is the most runs (cases x models x repeat) one suite may ask for.
	MaxRuns = 10000
	// MaxConcurrency is the highest concurrency a suite may set.
	MaxConcurrency = 64
	// MaxTurns is the most turns one case may have.
	MaxTurns = 50
)

// DefaultConcurrency is how many runs are in flight at once when the suite
// does not say (promptfoo's default too).
const DefaultConcurrency = 4

// Suite is a parsed suite file: the agent under test, the cases, and how
// often to run them. Make one with Load or Parse.
type Suite struct {
	// File is where the suite came from, as given to Load or Parse; it
	// prefixes every problem and names the suite in reports.
	File string
	// Agent is the agent's id (key `agent`), or empty.
	Agent string
	// AgentName finds the agent by its name in the team (key `name`) when
	// Agent is empty.
	AgentName string
	// Models are the model names each case runs with (the run's
	// config.llmConfig.llmModel); empty means once with the agent's own
	// default model.
	Models []string
	// Concurrency is how many runs are in flight at once (default
	// DefaultConcurrency).
	Concurrency int
	// Repeat is how many times each case runs per model (default 1).
	Repeat int
	// Assert holds assertions every case gets, before its own.
	Assert []Assertion
	// Cases in file order.
	Cases []Case
}

// Case is one conversation with the agent and what its last answer must
// satisfy.
type Case struct {
	// Name identifies the case in reports and for resuming; unique in
	// the suite.
	Name string
	// Turns are the user messages, sent one after another in one thread
	// (key `input` is one turn). Assertions apply to the last turn.
	Turns []string
	// Output, when set, is sent as the run's make-schema output parser, so
	// the answer is structured (jsonResponse).
	Output []api.SchemaField
	// Assert are the case's own assertions.
	Assert []Assertion
	// Line is the case's line in the suite file.
	Line int

	fingerprint string
}

// Fingerprint identifies what the case asks and checks: its turns, output
// and assertions (the suite's shared ones included). A result kept from an
// earlier run is reused only while the fingerprint is the same.
func (c Case) Fingerprint() string { return c.fingerprint }

// Problem is one mistake in a suite file: where it is and what is wrong.
type Problem struct {
	File string
	Line int
	// Key is the path of the offending key, e.g. "cases[2].assert[0].regex".
	Key string
	Msg string
}

func (p Problem) String() string {
	if p.Line == 0 { // not at a line: the whole suite, or how it was asked to run
		if p.Key == "" {
			return fmt.Sprintf("%s: %s", p.File, p.Msg)
		}
		return fmt.Sprintf("%s: %s: %s", p.File, p.Key, p.Msg)
	}
	if p.Key == "" {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s:%d: %s: %s", p.File, p.Line, p.Key, p.Msg)
}

// SuiteError is a suite that cannot run: every problem found, in file
// order. Nothing was sent to the API.
type SuiteError struct {
	Problems []Problem
}

func (e *SuiteError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// IsSuiteError reports whether err is (or wraps) a *SuiteError: a mistake in
// the suite or in how it was asked to run, found before any run was sent.
func IsSuiteError(err error) bool {
	var se *SuiteError
	return errors.As(err, &se)
}

// Load reads and parses the suite file at path (YAML, or JSON, which YAML
// accepts too).
func Load(path string) (*Suite, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &SuiteError{Problems: []Problem{{File: path, Msg: "cannot read the suite: " + errText(err)}}}
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, &SuiteError{Problems: []Problem{{File: path, Msg: "is a directory, not a suite file"}}}
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxSuiteBytes+1))
	if err != nil {
		return nil, &SuiteError{Problems: []Problem{{File: path, Msg: "cannot read the suite: " + errText(err)}}}
	}
	return Parse(path, data)
}

// errText is an os error without the path it repeats.
func errText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Parse parses a suite from data; file names it in problems and reports.
// Every problem is found before returning, so a user fixes them in one go.
func Parse(file string, data []byte) (*Suite, error) {
	p := &parser{file: file}
	if len(data) > MaxSuiteBytes {
		p.add(1, "", "the file is larger than %d bytes; a suite is a hand-written file", MaxSuiteBytes)
		return nil, p.err()
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line := 1
		var te *yaml.TypeError
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if !errors.As(err, &te) {
			if l, rest, ok := yamlLine(msg); ok {
				line, msg = l, rest
			}
		}
		if strings.Contains(msg, "did not find expected ',' or '}'") || strings.Contains(msg, "did not find expected ',' or ']'") {
			msg += " (inside {...} or [...], quote a value that holds [ ] { } , ? : or #)"
		}
		p.add(line, "", "not valid YAML or JSON: %s", msg)
		return nil, p.err()
	}
	if len(doc.Content) == 0 {
		p.add(1, "", "the suite is empty; it needs at least cases")
		return nil, p.err()
	}
	s := p.suite(doc.Content[0])
	if len(p.problems) > 0 {
		return nil, p.err()
	}
	return s, nil
}

// yamlLine splits "line 3: did not find expected key" into 3 and the rest.
func yamlLine(msg string) (int, string, bool) {
	var line int
	if n, _ := fmt.Sscanf(msg, "line %d:", &line); n == 1 {
		if _, rest, ok := strings.Cut(msg, ":"); ok {
			return line, strings.TrimSpace(rest), true
		}
	}
	return 0, msg, false
}

type parser struct {
	file     string
	problems []Problem
}

func (p *parser) add(line int, key, format string, args ...any) {
	p.problems = append(p.problems, Problem{File: p.file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) err() error {
	slices.SortStableFunc(p.problems, func(a, b Problem) int { return a.Line - b.Line })
	return &SuiteError{Problems: p.problems}
}

// entry is one key of a mapping with its value.
type entry struct {
	key   string
	line  int
	value *yaml.Node
}

// mapping returns the keys of n in order, reporting duplicates, aliases and
// keys not in known (nil: any key, as for a schema's field names). It
// returns false when n is not a mapping.
func (p *parser) mapping(n *yaml.Node, path, what string, known []string) ([]entry, bool) {
	if !p.plain(n, path) {
		return nil, false
	}
	if n.Kind != yaml.MappingNode {
		p.add(n.Line, path, "want %s (a mapping of keys), got %s", what, describe(n))
		return nil, false
	}
	var out []entry
	for _, k := range yamlfile.Keys(n, known) {
		at := yamlfile.Join(path, k.Name)
		switch {
		case k.Problem == yamlfile.NotPlain:
			p.add(k.Node.Line, path, "a key must be a plain word, got %s", describe(k.Node))
		case k.Name == "<<":
			p.add(k.Node.Line, at, "YAML merge keys are not supported; put shared assertions under the suite's top-level assert")
		case k.Problem == yamlfile.Repeated:
			p.add(k.Node.Line, at, "repeated key (YAML keeps only one of them)")
		case k.Problem == yamlfile.Unknown:
			p.add(k.Node.Line, at, "unknown key%s (want one of %s)", didYouMean(k.Name, k.Suggest), strings.Join(known, ", "))
		case p.plain(k.Value, at):
			out = append(out, entry{key: k.Name, line: k.Node.Line, value: k.Value})
		}
	}
	return out, true
}

// plain refuses anchors' aliases: following them could expand a small file
// into a huge suite, and shared assertions have their own key.
func (p *parser) plain(n *yaml.Node, path string) bool {
	if n.Kind == yaml.AliasNode {
		p.add(n.Line, path, "YAML aliases (*%s) are not supported; put shared assertions under the suite's top-level assert", n.Value)
		return false
	}
	return true
}

// describe is what a suite has where it should have something else: a
// scalar by its text, so the user finds it.
func describe(n *yaml.Node) string {
	if shape := yamlfile.Shape(n); shape != "" {
		return shape
	}
	if n.Tag == "!!null" {
		return "nothing"
	}
	return fmt.Sprintf("%q", cut(n.Value, 40))
}

func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-3]) + "..."
}

var suiteKeys = []string{"agent", "name", "description", "models", "concurrency", "repeat", "assert", "cases"}

var caseKeys = []string{"name", "description", "input", "turns", "output", "assert"}

func (p *parser) suite(root *yaml.Node) *Suite {
	s := &Suite{File: p.file, Concurrency: DefaultConcurrency, Repeat: 1}
	entries, ok := p.mapping(root, "", "a suite", suiteKeys)
	if !ok {
		return s
	}
	var cases *entry
	for _, e := range entries {
		switch e.key {
		case "agent":
			s.Agent, _ = p.text(e.value, e.key)
		case "name":
			s.AgentName, _ = p.text(e.value, e.key)
		case "description":
			p.text(e.value, e.key)
		case "models":
			s.Models = p.models(e.value, e.key)
		case "concurrency":
			s.Concurrency = p.intIn(e.value, e.key, 1, MaxConcurrency)
		case "repeat":
			s.Repeat = p.intIn(e.value, e.key, 1, MaxRuns)
		case "assert":
			s.Assert = p.assertions(e.value, e.key, nil)
		case "cases":
			cases = &e
		}
	}
	if s.Agent != "" && s.AgentName != "" {
		p.add(root.Line, "name", "give the agent by id (agent) or by name (name), not both")
	}
	if cases == nil {
		p.add(root.Line, "cases", "missing: a suite needs at least one case")
		return s
	}
	n := cases.value
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.add(n.Line, "cases", "want a list of at least one case, got %s", describe(n))
		return s
	}
	names := map[string]int{}
	for i, cn := range n.Content {
		c := p.oneCase(cn, fmt.Sprintf("cases[%d]", i))
		if c == nil {
			continue
		}
		if c.Name != "" {
			if first, dup := names[c.Name]; dup {
				p.add(cn.Line, fmt.Sprintf("cases[%d].name", i), "%q is also the name of the case on line %d; names identify results", c.Name, first)
			}
			names[c.Name] = cn.Line
		}
		c.fingerprint = fingerprint(*c, s.Assert)
		s.Cases = append(s.Cases, *c)
	}
	models := max(len(s.Models), 1)
	if runs := len(n.Content) * models * s.Repeat; runs > MaxRuns {
		p.add(n.Line, "cases", "%d cases x %d model(s) x repeat %d is %d runs, more than %d", len(n.Content), models, s.Repeat, runs, MaxRuns)
	}
	return s
}

func (p *parser) oneCase(n *yaml.Node, path string) *Case {
	entries, ok := p.mapping(n, path, "a case", caseKeys)
	if !ok {
		return nil
	}
	c := &Case{Line: n.Line}
	var input, turns, output, asserts *entry
	for i, e := range entries {
		at := yamlfile.Join(path, e.key)
		switch e.key {
		case "name":
			c.Name, _ = p.text(e.value, at)
		case "description":
			p.text(e.value, at)
		case "input":
			input = &entries[i]
		case "turns":
			turns = &entries[i]
		case "output":
			output = &entries[i]
		case "assert":
			asserts = &entries[i]
		}
	}
	if c.Name == "" && !hasKey(entries, "name") {
		p.add(n.Line, yamlfile.Join(path, "name"), "missing: every case needs a name (it identifies the case's results)")
	}
	switch {
	case input != nil && turns != nil:
		p.add(turns.line, yamlfile.Join(path, "turns"), "give input (one message) or turns (a conversation), not both")
	case input != nil:
		if t, ok := p.text(input.value, yamlfile.Join(path, "input")); ok {
			c.Turns = []string{t}
		}
	case turns != nil:
		c.Turns = p.turns(turns.value, yamlfile.Join(path, "turns"))
	default:
		p.add(n.Line, yamlfile.Join(path, "input"), "missing: a case needs input (a message) or turns (a list of messages)")
	}
	if output != nil {
		c.Output = p.output(output.value, yamlfile.Join(path, "output"))
	}
	if asserts != nil {
		c.Assert = p.assertions(asserts.value, yamlfile.Join(path, "assert"), c)
	}
	return c
}

func hasKey(entries []entry, key string) bool {
	for _, e := range entries {
		if e.key == key {
			return true
		}
	}
	return false
}

// text reads a non-empty scalar as text.
func (p *parser) text(n *yaml.Node, path string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.add(n.Line, path, "want text, got %s", describe(n))
		return "", false
	}
	if strings.TrimSpace(n.Value) == "" {
		p.add(n.Line, path, "is empty")
		return "", false
	}
	return n.Value, true
}

func (p *parser) turns(n *yaml.Node, path string) []string {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.add(n.Line, path, "want a list of at least one message, got %s", describe(n))
		return nil
	}
	if len(n.Content) > MaxTurns {
		p.add(n.Line, path, "%d turns, more than %d", len(n.Content), MaxTurns)
		return nil
	}
	var out []string
	for i, t := range n.Content {
		if !p.plain(t, fmt.Sprintf("%s[%d]", path, i)) {
			continue
		}
		if s, ok := p.text(t, fmt.Sprintf("%s[%d]", path, i)); ok {
			out = append(out, s)
		}
	}
	return out
}

func (p *parser) models(n *yaml.Node, path string) []string {
	if n.Kind == yaml.ScalarNode {
		if s, ok := p.text(n, path); ok {
			return []string{s}
		}
		return nil
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.add(n.Line, path, "want a list of model names, got %s", describe(n))
		return nil
	}
	var out []string
	for i, m := range n.Content {
		at := fmt.Sprintf("%s[%d]", path, i)
		if !p.plain(m, at) {
			continue
		}
		s, ok := p.text(m, at)
		if !ok {
			continue
		}
		if slices.Contains(out, s) {
			p.add(m.Line, at, "%q is listed twice", s)
			continue
		}
		out = append(out, s)
	}
	return out
}

func (p *parser) intIn(n *yaml.Node, path string, lo, hi int) int {
	var v int
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&v) != nil {
		p.add(n.Line, path, "want a whole number from %d to %d, got %s", lo, hi, describe(n))
		return lo
	}
	if v < lo || v > hi {
		p.add(n.Line, path, "%d is out of range (want %d to %d)", v, lo, hi)
		return lo
	}
	return v
}

// fingerprint hashes what a case sends and checks, so a result of an
// earlier run is reused only for the same question and the same checks.
func fingerprint(c Case, shared []Assertion) string {
	var asserts []string
	for _, a := range append(slices.Clone(shared), c.Assert...) {
		asserts = append(asserts, a.String())
	}
	b, _ := json.Marshal(struct {
		Turns  []string          `json:"turns"`
		Output []api.SchemaField `json:"output,omitempty"`
		Assert []string          `json:"assert"`
	}{c.Turns, c.Output, asserts})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// didYouMean is the typed word, quoted, with ` (did you mean "x"?)` when
// a known word is close (the first of them: the nearest).
func didYouMean(word string, close []string) string {
	if len(close) > 0 {
		return fmt.Sprintf(" %q (did you mean %q?)", word, close[0])
	}
	return fmt.Sprintf(" %q", word)
}
