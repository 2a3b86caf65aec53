// Package specvalidate checks openapi.yaml: that kin-openapi loads it and
// finds it valid (examples included), and that it follows this project's own
// rules for the spec (every operation has an operationId, names its scope,
// takes teamId and declares Make's error responses; every SSE event schema
// pointer resolves). The rules walk the operations through internal/spec's
// index, as every other reader of the spec does. scripts/validate-spec is its command-line front end.
package specvalidate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"

	"github.com/makeagents/makeagents-go/internal/spec"
)

// Problem is one thing wrong with the spec.
type Problem struct {
	// Location says where: a YAML line when known, and the path inside the
	// document (e.g. `paths./ai-agents/v1/agents.get`).
	Location string
	// Message says what is wrong.
	Message string
}

func (p Problem) String() string { return p.Location + ": " + p.Message }

// ErrorStatuses are the responses every operation must declare: the errors
// Make's API really returns, although its reference page omits them.
var ErrorStatuses = []string{"400", "401", "403", "404", "429", "5XX"}

// Validate checks the spec in data, named name in messages, and returns every
// problem found (none when the spec is valid).
func Validate(name string, data []byte) []Problem {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return []Problem{{Location: name, Message: "not YAML: " + err.Error()}}
	}
	lines := lineIndex(&root)

	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return []Problem{{Location: name, Message: "kin-openapi cannot load it: " + err.Error()}}
	}
	var problems []Problem
	err = doc.Validate(context.Background(),
		openapi3.EnableMultiError(),
		openapi3.EnableExamplesValidation(),
		openapi3.EnableSchemaDefaultsValidation(),
		openapi3.EnableSchemaPatternValidation(),
	)
	problems = append(problems, kinProblems(name, err)...)
	problems = append(problems, projectRules(name, doc, lines)...)
	problems = append(problems, noteRules(name, &root)...)
	return dedupe(problems)
}

// kinProblems flattens kin-openapi's error tree into one problem per leaf.
// Its messages spell the location as a chain ("invalid paths: invalid path
// /x: invalid operation GET: ..."); the chain becomes the location.
func kinProblems(name string, err error) []Problem {
	if err == nil {
		return nil
	}
	var multi openapi3.MultiError
	if errors.As(err, &multi) {
		var out []Problem
		for _, e := range multi {
			out = append(out, kinProblems(name, e)...)
		}
		return out
	}
	msg := err.Error()
	// kin-openapi appends the offending schema and value as an indented dump;
	// keep the first line, which says what and where.
	if i := strings.Index(msg, "\n"); i >= 0 {
		msg = msg[:i]
	}
	var where []string
	for {
		head, rest, ok := strings.Cut(msg, ": ")
		if !ok || !strings.HasPrefix(head, "invalid ") {
			break
		}
		where = append(where, strings.TrimPrefix(head, "invalid "))
		msg = rest
	}
	loc := name
	if len(where) > 0 {
		loc += " " + strings.Join(where, " > ")
	}
	return []Problem{{Location: loc, Message: msg}}
}

// projectRules are the checks kin-openapi cannot know: what this SDK needs
// from every operation of Make's API.
func projectRules(name string, doc *openapi3.T, lines map[string]int) []Problem {
	var out []Problem
	at := func(path ...string) string {
		key := strings.Join(path, ".")
		if line, ok := lines[key]; ok {
			return fmt.Sprintf("%s:%d %s", name, line, key)
		}
		return name + " " + key
	}
	if doc.Paths == nil {
		return []Problem{{Location: at("paths"), Message: "no paths"}}
	}
	for _, op := range spec.New(doc).Operations() {
		path, m := op.Path, strings.ToLower(op.Method)
		if op.ID == "" {
			out = append(out, Problem{at("paths", path, m), "operation has no operationId"})
		}
		// An operation names the scopes it needs; an empty list (an operation
		// any token may call, as Make's current-authorization) must say why
		// in an x-makeagents-note on the operation.
		_, noted := op.Op.Extensions["x-makeagents-note"]
		if scopes, ok := op.Op.Extensions["x-makeagents-scopes"].([]any); !ok || (len(scopes) == 0 && !noted) {
			out = append(out, Problem{at("paths", path, m), "operation does not name its scope in x-makeagents-scopes"})
		}
		// Every operation works in a team, except those marked
		// x-makeagents-teamless (about the token, not a team), which must not
		// take one.
		teamless, _ := op.Op.Extensions["x-makeagents-teamless"].(bool)
		hasTeam := hasParam(op.PathItem.Parameters, op.Op.Parameters, "query", "teamId")
		switch {
		case !teamless && !hasTeam:
			out = append(out, Problem{at("paths", path, m), "operation does not take the teamId query parameter"})
		case teamless && (hasTeam || !noted):
			out = append(out, Problem{at("paths", path, m), "x-makeagents-teamless operation must take no teamId and say why in an x-makeagents-note"})
		}
		if strings.Contains(path, "{agentId}") && !hasParam(op.PathItem.Parameters, op.Op.Parameters, "path", "agentId") {
			out = append(out, Problem{at("paths", path, m), "path has {agentId} but the operation does not declare it"})
		}
		for _, status := range ErrorStatuses {
			if op.Op.Responses == nil || op.Op.Responses.Value(status) == nil {
				out = append(out, Problem{at("paths", path, m, "responses"), "missing the " + status + " error response"})
			}
		}
		if op.Op.Responses == nil {
			continue
		}
		for status, ref := range op.Op.Responses.Map() {
			if ref.Value == nil {
				continue
			}
			for ctype, media := range ref.Value.Content {
				if _, err := spec.SSEEvents(doc, media); err != nil {
					out = append(out, Problem{at("paths", path, m, "responses", status, "content", ctype), err.Error()})
				}
			}
		}
	}
	return out
}

// noteRules requires every x-makeagents-note, wherever it stands, to be
// non-empty text: a deviation without an explanation is not a deliberate one.
func noteRules(name string, root *yaml.Node) []Problem {
	var out []Problem
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode, yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				key, val := n.Content[i], n.Content[i+1]
				if key.Value == "x-makeagents-note" && (val.Kind != yaml.ScalarNode || strings.TrimSpace(val.Value) == "") {
					out = append(out, Problem{fmt.Sprintf("%s:%d %s", name, key.Line, strings.TrimPrefix(path, ".")), "x-makeagents-note must explain the deviation in words"})
				}
				walk(val, path+"."+key.Value)
			}
		}
	}
	walk(root, "")
	return out
}

func hasParam(pathLevel, opLevel openapi3.Parameters, in, name string) bool {
	for _, ps := range []openapi3.Parameters{opLevel, pathLevel} {
		if p := ps.GetByInAndName(in, name); p != nil && p.Required {
			return true
		}
	}
	return false
}

// lineIndex maps dotted mapping-key paths ("paths./x.get") to YAML lines.
func lineIndex(root *yaml.Node) map[string]int {
	out := map[string]int{}
	var walk func(n *yaml.Node, prefix string)
	walk = func(n *yaml.Node, prefix string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, prefix)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				key := n.Content[i].Value
				if prefix != "" {
					key = prefix + "." + key
				}
				out[key] = n.Content[i].Line
				walk(n.Content[i+1], key)
			}
		}
	}
	walk(root, "")
	return out
}

func dedupe(ps []Problem) []Problem {
	slices.SortStableFunc(ps, func(a, b Problem) int { return strings.Compare(a.String(), b.String()) })
	return slices.CompactFunc(ps, func(a, b Problem) bool { return a == b })
}
