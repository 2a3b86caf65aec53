package eval

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/internal/suggest"
	"github.com/makeagents/makeagents-go/internal/yamlfile"
	"go.yaml.in/yaml/v3"
)

// Assertion kinds. The first eleven are the names, which scripts
// depend on; the rest are what promptfoo users reach for next.
const (
	KindContains      = "contains"        // the answer contains the text (case-sensitive)
	KindNotContains   = "not-contains"    // the answer does not contain the text
	KindIContains     = "icontains"       // contains, ignoring case
	KindNotIContains  = "not-icontains"   // does not contain, ignoring case
	KindRegex         = "regex"           // the answer matches the Go (RE2) regular expression
	KindNotRegex      = "not-regex"       // the answer does not match it
	KindEquals        = "equals"          // the answer, trimmed, is exactly the text
	KindStartsWith    = "starts-with"     // the answer, trimmed, starts with the text
	KindMaxTokens     = "max-tokens"      // the turn's total tokens are at most N
	KindMinTokens     = "min-tokens"      // the turn's total tokens are at least N
	KindMaxLatency    = "max-latency"     // the turn took at most the duration (e.g. 20s, 1500ms)
	KindToolCalled    = "tool-called"     // a tool (scenario name or id, MCP tool, knowledge) was called
	KindNotToolCalled = "not-tool-called" // that tool was not called
	KindJSON          = "json"            // {path, equals | exists | contains}: a field of the structured answer
	KindIsJSON        = "is-json"         // true: the answer is JSON (jsonResponse, or JSON text)
	KindOutputValid   = "output-valid"    // true: the structured answer fits the case's output schema
)

// Kinds lists every assertion kind a suite may use.
var Kinds = []string{
	KindContains, KindNotContains, KindIContains, KindNotIContains, KindRegex, KindNotRegex,
	KindEquals, KindStartsWith, KindMaxTokens, KindMinTokens, KindMaxLatency,
	KindToolCalled, KindNotToolCalled, KindJSON, KindIsJSON, KindOutputValid,
}

// Assertion is one check of a case's last answer, parsed and validated
// (a regex is compiled, a duration parsed) when the suite is loaded.
type Assertion struct {
	// Kind is one of Kinds.
	Kind string
	// Line is where the assertion is in the suite file.
	Line int

	shown string // the value as the suite wrote it, for String
	text  string
	re    *regexp.Regexp
	n     int64
	d     time.Duration
	json  *jsonCheck
}

// String renders the assertion as a suite would write it, e.g.
// `contains: "Ada"`: the name of a failed assertion in every report.
func (a Assertion) String() string { return a.Kind + ": " + a.shown }

// jsonCheck is the argument of a json assertion.
type jsonCheck struct {
	path     []pathStep
	rawPath  string
	equals   any // normalised through encoding/json; valid when hasEq
	hasEq    bool
	exists   *bool
	contains *string
}

// pathStep is one step of a json path: a key, or an index when key is "".
type pathStep struct {
	key   string
	index int
}

var jsonKeys = []string{"path", "equals", "exists", "contains"}

// assertions parses a list of assertions; c is the case they belong to
// (nil for the suite's shared list), for checks that need its output.
func (p *parser) assertions(n *yaml.Node, path string, c *Case) []Assertion {
	if n.Kind != yaml.SequenceNode {
		p.add(n.Line, path, "want a list of assertions (- contains: ...), got %s", describe(n))
		return nil
	}
	var out []Assertion
	for i, item := range n.Content {
		at := fmt.Sprintf("%s[%d]", path, i)
		if !p.plain(item, at) {
			continue
		}
		if item.Kind != yaml.MappingNode || len(item.Content) != 2 {
			p.add(item.Line, at, "want one assertion such as `- contains: text` (one key), got %s", describe(item))
			continue
		}
		k, v := item.Content[0], item.Content[1]
		if !slices.Contains(Kinds, k.Value) {
			p.add(k.Line, at, "unknown assertion%s (known: %s)", didYouMean(k.Value, suggest.Closest(k.Value, Kinds)), strings.Join(Kinds, ", "))
			continue
		}
		at = yamlfile.Join(at, k.Value)
		if !p.plain(v, at) {
			continue
		}
		if a, ok := p.assertion(k.Value, v, at, c); ok {
			a.Kind, a.Line = k.Value, k.Line
			out = append(out, a)
		}
	}
	return out
}

func (p *parser) assertion(kind string, v *yaml.Node, at string, c *Case) (Assertion, bool) {
	var a Assertion
	switch kind {
	case KindContains, KindNotContains, KindIContains, KindNotIContains, KindEquals, KindStartsWith:
		t, ok := p.scalarText(v, at)
		a.text, a.shown = t, strconv.Quote(t)
		return a, ok
	case KindRegex, KindNotRegex:
		t, ok := p.scalarText(v, at)
		if !ok {
			return a, false
		}
		re, err := regexp.Compile(t)
		if err != nil {
			p.add(v.Line, at, "bad regular expression %q: %s", t, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
			return a, false
		}
		a.re, a.shown = re, strconv.Quote(t)
		return a, true
	case KindMaxTokens, KindMinTokens:
		var n int64
		if v.Kind != yaml.ScalarNode || v.Tag != "!!int" || v.Decode(&n) != nil || n < 0 {
			p.add(v.Line, at, "want a whole number of tokens (0 or more), got %s", describe(v))
			return a, false
		}
		a.n, a.shown = n, strconv.FormatInt(n, 10)
		return a, true
	case KindMaxLatency:
		d, err := time.ParseDuration(v.Value)
		if v.Kind != yaml.ScalarNode || err != nil || d <= 0 {
			p.add(v.Line, at, "want a positive duration with its unit, such as 20s or 1500ms, got %s", describe(v))
			return a, false
		}
		a.d, a.shown = d, d.String()
		return a, true
	case KindToolCalled, KindNotToolCalled:
		t, ok := p.scalarText(v, at)
		a.text, a.shown = strings.TrimSpace(t), strconv.Quote(strings.TrimSpace(t))
		return a, ok
	case KindIsJSON, KindOutputValid:
		var b bool
		if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" || v.Decode(&b) != nil || !b {
			p.add(v.Line, at, "want true (the check has no argument), got %s", describe(v))
			return a, false
		}
		if kind == KindOutputValid && (c == nil || c.Output == nil) {
			p.add(v.Line, at, "needs the case's output (a make-schema to check the answer against)")
			return a, false
		}
		a.shown = "true"
		return a, true
	case KindJSON:
		return p.jsonAssertion(v, at)
	}
	return a, false
}

// scalarText reads an assertion's text argument; numbers and booleans are
// taken as the text they are written as (contains: 42).
func (p *parser) scalarText(v *yaml.Node, at string) (string, bool) {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" || v.Value == "" {
		p.add(v.Line, at, "want text, got %s", describe(v))
		return "", false
	}
	return v.Value, true
}

func (p *parser) jsonAssertion(v *yaml.Node, at string) (Assertion, bool) {
	var a Assertion
	entries, ok := p.mapping(v, at, "{path: ..., equals: ...}", jsonKeys)
	if !ok {
		return a, false
	}
	jc := &jsonCheck{}
	checks := 0
	bad := false
	for _, e := range entries {
		key := yamlfile.Join(at, e.key)
		switch e.key {
		case "path":
			t, ok := p.scalarText(e.value, key)
			if !ok {
				bad = true
				continue
			}
			steps, err := parsePath(t)
			if err != nil {
				p.add(e.value.Line, key, "%v", err)
				bad = true
				continue
			}
			jc.path, jc.rawPath = steps, t
		case "equals":
			var raw any
			if err := e.value.Decode(&raw); err != nil {
				p.add(e.value.Line, key, "cannot read the value: %v", err)
				bad = true
				continue
			}
			norm, err := normalize(raw)
			if err != nil {
				p.add(e.value.Line, key, "cannot compare with JSON: %v", err)
				bad = true
				continue
			}
			jc.equals, jc.hasEq = norm, true
			checks++
		case "exists":
			var b bool
			if e.value.Tag != "!!bool" || e.value.Decode(&b) != nil {
				p.add(e.value.Line, key, "want true or false, got %s", describe(e.value))
				bad = true
				continue
			}
			jc.exists = &b
			checks++
		case "contains":
			t, ok := p.scalarText(e.value, key)
			if !ok {
				bad = true
				continue
			}
			jc.contains = &t
			checks++
		}
	}
	if jc.rawPath == "" {
		if !bad {
			p.add(v.Line, yamlfile.Join(at, "path"), "missing: the field to check, e.g. status or items[0].name")
		}
		return a, false
	}
	if checks > 1 {
		p.add(v.Line, at, "give one of equals, exists or contains per json assertion")
		return a, false
	}
	if bad {
		return a, false
	}
	if checks == 0 {
		yes := true
		jc.exists = &yes // {path: x} alone: the field is there
	}
	a.json = jc
	a.shown = jc.describe()
	return a, true
}

// describe is the json check as a suite writes it, for String:
// {path: "status", equals: "shipped"}.
func (jc *jsonCheck) describe() string {
	check := ""
	switch {
	case jc.hasEq:
		check = "equals: " + compact(jc.equals)
	case jc.exists != nil:
		check = "exists: " + strconv.FormatBool(*jc.exists)
	case jc.contains != nil:
		check = "contains: " + strconv.Quote(*jc.contains)
	}
	return "{path: " + strconv.Quote(jc.rawPath) + ", " + check + "}"
}

// normalize turns a YAML value into what encoding/json decodes the same
// JSON to, so equal values compare equal with reflect.DeepEqual.
func normalize(v any) (any, error) {
	if t, ok := v.(time.Time); ok {
		v = t.Format(time.RFC3339Nano)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	return out, json.Unmarshal(b, &out)
}

// parsePath reads a json path: keys separated by dots, array indexes in
// brackets, an optional leading "$." (status, order.items[0].sku, $.tags[1]).
func parsePath(s string) ([]pathStep, error) {
	rest := strings.TrimPrefix(strings.TrimPrefix(s, "$"), ".")
	if rest == "" {
		return nil, fmt.Errorf("%q names no field (want e.g. status or items[0].name)", s)
	}
	var steps []pathStep
	for rest != "" {
		if rest[0] == '[' {
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, fmt.Errorf("path %q: [ without ]", s)
			}
			i, err := strconv.Atoi(rest[1:end])
			if err != nil || i < 0 {
				return nil, fmt.Errorf("path %q: %q is not an array index (0, 1, ...)", s, rest[1:end])
			}
			steps = append(steps, pathStep{index: i})
			rest = rest[end+1:]
			if strings.HasPrefix(rest, ".") {
				rest = rest[1:]
				if rest == "" || rest[0] == '.' || rest[0] == '[' {
					return nil, fmt.Errorf("path %q: empty key", s)
				}
			}
			continue
		}
		end := strings.IndexAny(rest, ".[")
		if end < 0 {
			end = len(rest)
		}
		if end == 0 {
			return nil, fmt.Errorf("path %q: empty key", s)
		}
		steps = append(steps, pathStep{key: rest[:end]})
		rest = rest[end:]
		if strings.HasPrefix(rest, ".") {
			rest = rest[1:]
			if rest == "" || rest[0] == '.' || rest[0] == '[' {
				return nil, fmt.Errorf("path %q: empty key", s)
			}
		}
	}
	return steps, nil
}

// Failure is one assertion that did not hold, with what the answer had
// instead.
type Failure struct {
	// Assertion is the assertion as the suite wrote it (Assertion.String).
	Assertion string `json:"assertion"`
	// Message says why it failed.
	Message string `json:"message"`
	// Excerpt is the part of the actual answer (or tools, or value) that
	// shows it; may be empty.
	Excerpt string `json:"excerpt,omitempty"`
}

// turnView is what assertions look at: the last turn of a case.
type turnView struct {
	answer  string
	json    map[string]any // jsonResponse, nil when Make sent none
	steps   []api.Step
	tokens  int64
	hasTok  bool
	latency time.Duration
	output  []api.SchemaField
}

// check runs a on the turn; nil when it holds.
func (a Assertion) check(t turnView) *Failure {
	fail := func(msg, excerpt string) *Failure {
		return &Failure{Assertion: a.String(), Message: msg, Excerpt: excerpt}
	}
	switch a.Kind {
	case KindContains, KindNotContains, KindIContains, KindNotIContains:
		hay, needle := t.answer, a.text
		if a.Kind == KindIContains || a.Kind == KindNotIContains {
			hay, needle = strings.ToLower(hay), strings.ToLower(needle)
		}
		at := strings.Index(hay, needle)
		want := a.Kind == KindContains || a.Kind == KindIContains
		switch {
		case want && at < 0:
			return fail("not in the answer", excerpt(t.answer, 0, 0))
		case !want && at >= 0:
			return fail("found in the answer", excerpt(t.answer, at, len(needle)))
		}
	case KindRegex, KindNotRegex:
		loc := a.re.FindStringIndex(t.answer)
		switch {
		case a.Kind == KindRegex && loc == nil:
			return fail("the answer does not match", excerpt(t.answer, 0, 0))
		case a.Kind == KindNotRegex && loc != nil:
			return fail("the answer matches", excerpt(t.answer, loc[0], loc[1]-loc[0]))
		}
	case KindEquals:
		if strings.TrimSpace(t.answer) != strings.TrimSpace(a.text) {
			return fail("the answer is different", excerpt(t.answer, 0, 0))
		}
	case KindStartsWith:
		if !strings.HasPrefix(strings.TrimSpace(t.answer), a.text) {
			return fail("the answer starts differently", excerpt(strings.TrimSpace(t.answer), 0, 0))
		}
	case KindMaxTokens, KindMinTokens:
		if !t.hasTok {
			return fail("the run reported no token usage", "")
		}
		if a.Kind == KindMaxTokens && t.tokens > a.n {
			return fail(fmt.Sprintf("the turn used %d tokens, more than %d", t.tokens, a.n), "")
		}
		if a.Kind == KindMinTokens && t.tokens < a.n {
			return fail(fmt.Sprintf("the turn used %d tokens, fewer than %d", t.tokens, a.n), "")
		}
	case KindMaxLatency:
		if t.latency > a.d {
			return fail(fmt.Sprintf("the turn took %s, longer than %s", roundDuration(t.latency), a.d), "")
		}
	case KindToolCalled, KindNotToolCalled:
		calls := toolCalls(t.steps)
		hit := slices.IndexFunc(calls, func(c toolCall) bool { return c.matches(a.text) })
		switch {
		case a.Kind == KindToolCalled && hit < 0:
			return fail("not called", calledList(calls))
		case a.Kind == KindNotToolCalled && hit >= 0:
			return fail("called", calledList(calls))
		}
	case KindIsJSON:
		if _, err := answerJSON(t); err != nil {
			return fail(err.Error(), excerpt(t.answer, 0, 0))
		}
	case KindOutputValid:
		v, err := answerJSON(t)
		if err != nil {
			return fail(err.Error(), excerpt(t.answer, 0, 0))
		}
		if problems := validate(t.output, v); len(problems) > 0 {
			return fail(strings.Join(problems, "; "), excerpt(compact(v), 0, 0))
		}
	case KindJSON:
		return a.json.check(t, fail)
	}
	return nil
}

func (jc *jsonCheck) check(t turnView, fail func(msg, excerpt string) *Failure) *Failure {
	root, err := answerJSON(t)
	if err != nil {
		return fail(err.Error(), excerpt(t.answer, 0, 0))
	}
	v, found, where := lookup(root, jc.path)
	switch {
	case jc.exists != nil && *jc.exists && !found:
		return fail(where, excerpt(compact(root), 0, 0))
	case jc.exists != nil && !*jc.exists && found:
		return fail(jc.rawPath+" is present", excerpt(compact(v), 0, 0))
	case jc.exists != nil:
		return nil
	case !found:
		return fail(where, excerpt(compact(root), 0, 0))
	case jc.hasEq:
		if !reflect.DeepEqual(v, jc.equals) {
			return fail(fmt.Sprintf("%s is %s", jc.rawPath, compact(v)), "")
		}
	case jc.contains != nil:
		switch x := v.(type) {
		case string:
			if !strings.Contains(x, *jc.contains) {
				return fail(jc.rawPath+" does not contain it", excerpt(x, 0, 0))
			}
		case []any:
			want, _ := normalize(*jc.contains)
			if !slices.ContainsFunc(x, func(e any) bool { return reflect.DeepEqual(e, want) || fmt.Sprint(e) == *jc.contains }) {
				return fail(jc.rawPath+" has no such item", excerpt(compact(x), 0, 0))
			}
		default:
			return fail(fmt.Sprintf("%s is %s, neither text nor a list", jc.rawPath, compact(v)), "")
		}
	}
	return nil
}

// answerJSON is the structured answer: Make's jsonResponse, else the
// answer text as JSON (a stream has no jsonResponse, and a model may answer
// JSON without a parser), with one surrounding ``` fence allowed.
func answerJSON(t turnView) (any, error) {
	if t.json != nil {
		v, err := normalize(t.json)
		if err != nil {
			return nil, fmt.Errorf("the jsonResponse cannot be read: %v", err)
		}
		return v, nil
	}
	text := strings.TrimSpace(t.answer)
	if strings.HasPrefix(text, "```") && strings.HasSuffix(text, "```") && len(text) >= 6 {
		inner := strings.TrimSuffix(strings.TrimPrefix(text, "```"), "```")
		if nl := strings.IndexByte(inner, '\n'); nl >= 0 && !strings.ContainsAny(inner[:nl], "{[\"") {
			inner = inner[nl+1:] // ```json
		}
		text = strings.TrimSpace(inner)
	}
	d := json.NewDecoder(strings.NewReader(text))
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("the answer is not JSON")
	}
	if rest := strings.TrimSpace(text[d.InputOffset():]); rest != "" {
		return nil, fmt.Errorf("the answer is not JSON (text after the value)")
	}
	return v, nil
}

// lookup follows path in v; where says what was missing when not found.
func lookup(v any, path []pathStep) (any, bool, string) {
	seen := "the answer"
	for _, st := range path {
		if st.key != "" {
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false, fmt.Sprintf("%s is not an object", seen)
			}
			x, ok := m[st.key]
			if !ok {
				return nil, false, fmt.Sprintf("%s has no %q", seen, st.key)
			}
			v, seen = x, st.key
			continue
		}
		a, ok := v.([]any)
		if !ok {
			return nil, false, fmt.Sprintf("%s is not a list", seen)
		}
		if st.index >= len(a) {
			return nil, false, fmt.Sprintf("%s has %d item(s), no [%d]", seen, len(a), st.index)
		}
		v, seen = a[st.index], fmt.Sprintf("%s[%d]", seen, st.index)
	}
	return v, true, ""
}

// toolCall is one tool the run called, as its steps show it.
type toolCall struct {
	name string
	typ  api.ToolType
	link string // the scenario execution's link, from the tool's response
}

// toolCalls gathers the tool calls of a run from its steps: the names on
// assistant steps' toolCalls, with the execution link of the matching
// tool step's response.
func toolCalls(steps []api.Step) []toolCall {
	var out []toolCall
	for _, st := range steps {
		for _, c := range st.ToolCalls {
			out = append(out, toolCall{name: c.Name, typ: c.ToolType})
		}
		if r := st.ToolResponse; r != nil && r.ExecutionLink != "" {
			for i := range out {
				if out[i].name == r.Name && out[i].link == "" {
					out[i].link = r.ExecutionLink
					break
				}
			}
		}
	}
	return out
}

var digits = regexp.MustCompile(`^[0-9]+$`)

// matches reports whether the call is the tool a suite names: by its name
// (ignoring case), or, for a scenario id, by that number in the tool's name
// ("Scenario 122", "Tool 122: look up an order") or in its execution link.
func (c toolCall) matches(want string) bool {
	if strings.EqualFold(strings.TrimSpace(c.name), want) {
		return true
	}
	if !digits.MatchString(want) {
		return false
	}
	if regexp.MustCompile(`(^|[^0-9])` + want + `([^0-9]|$)`).MatchString(c.name) {
		return true
	}
	return strings.Contains(c.link+"/", "/scenarios/"+want+"/")
}

func calledList(calls []toolCall) string {
	if len(calls) == 0 {
		return "no tool was called"
	}
	names := make([]string, len(calls))
	for i, c := range calls {
		names[i] = fmt.Sprintf("%s (%s)", c.name, c.typ)
	}
	return "called: " + strings.Join(names, ", ")
}

func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// excerptRunes is how much of an answer a failure shows.
const excerptRunes = 100

// excerpt shows text around the byte range [at, at+n) (a match; n == 0:
// the start), on one line, at most excerptRunes long, with the control
// characters of a hostile answer removed.
func excerpt(text string, at, n int) string {
	r := []rune(text)
	// Convert the byte offset to a rune offset.
	ra := len([]rune(text[:min(at, len(text))]))
	start := 0
	if n > 0 && ra > 20 {
		start = ra - 20 // the match, with some context before it
	}
	end := min(len(r), start+excerptRunes)
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	space := false
	for _, c := range r[start:end] {
		switch {
		case c == '\n' || c == '\r' || c == '\t' || c == ' ':
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		case c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029' || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069):
			continue
		}
		space = false
		b.WriteRune(c)
	}
	if end < len(r) {
		b.WriteString("…")
	}
	return b.String()
}

// roundDuration shows a latency to the millisecond.
func roundDuration(d time.Duration) time.Duration {
	if d > time.Millisecond {
		return d.Round(time.Millisecond)
	}
	return d
}
