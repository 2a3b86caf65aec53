package agentfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/makeagents/makeagents-go/internal/suggest"
	"github.com/makeagents/makeagents-go/internal/yamlfile"
)

// File is a file of desired agents: what the team should have.
type File struct {
	// Team is the team the file is for (its "team" key); 0 leaves it to
	// PlanOptions.Team or the client's default team (MAKE_TEAM_ID).
	Team int64
	// Agents are the agents the team should have, each found by its Name.
	Agents []Agent
	// Path is where the file was read from ("" when built in code); error
	// messages name it.
	Path string
	// Dir is the directory knowledge files are relative to ("" is the
	// working directory). Load sets it to the file's directory.
	Dir string
}

// Agent is one desired agent. Name, SystemPrompt, Model and one of
// Provider or ProviderID are required (Make needs them to create an
// agent). Every other field is managed only when set: a nil slice or
// block is left as the team has it, an empty one clears it.
type Agent struct {
	// Name is the agent's key: unique in the file and in the team.
	Name         string
	SystemPrompt string
	// Provider is an LLM provider by its type (openAi, anthropic, ...) or
	// its accountName; ProviderID is one by its id. Give one.
	Provider   string
	ProviderID int64
	// Connection is the Make connection to the provider, by name; or
	// ConnectionID by id. Needed only when the provider has several.
	Connection   string
	ConnectionID int64
	// Model is the agent's defaultModel, one of the provider's models.
	Model string
	// Scenarios are the agent's tool scenarios.
	Scenarios []Scenario
	// Knowledge becomes the agent's contexts.
	Knowledge []Knowledge
	// Make's own blocks, as Make defines them, as decoded JSON (maps,
	// slices, strings, numbers, bools): llmConfig {maxTokens},
	// historyConfig {iterationsFromHistoryCount}, invocationConfig
	// {recursionLimit}, mcpConfigs [{mcpConnectionId, toolIds}],
	// outputParserFormat {type, schema}. Of the three settings blocks only
	// the keys given are managed.
	LLMConfig          map[string]any
	HistoryConfig      map[string]any
	InvocationConfig   map[string]any
	MCPConfigs         []any
	OutputParserFormat map[string]any

	// Line is where the agent starts in its file (0 when built in code).
	Line int

	keyLines map[string]int // where each key of the agent is, for errors
}

// lineOf is the line of one of the agent's keys, else the agent's.
func (a *Agent) lineOf(key string) int {
	if l := a.keyLines[key]; l > 0 {
		return l
	}
	return a.Line
}

// Scenario is a tool scenario of an agent, by Name or by ID.
type Scenario struct {
	Name string
	ID   int64
	// ApprovalMode is Make's approvalMode (auto-run, approval-required);
	// "" leaves it to Make (auto-run).
	ApprovalMode string
	Line         int
}

// Knowledge is one context of an agent: a File (relative to the agent
// file's directory, and in it or below it), a Text with its Name, or an existing context by its
// DocumentName (what Export writes, since Make cannot give back a
// context's content). Name also renames an uploaded File.
type Knowledge struct {
	File         string
	Text         string
	Name         string
	DocumentName string
	Line         int
}

// FileError is a problem at a place in an agent file.
type FileError struct {
	Path   string // the file ("" when built in code)
	Line   int    // 1-based; 0 when unknown
	Column int
	Key    string // the key at fault, when there is one
	Msg    string
}

func (e *FileError) Error() string {
	var b strings.Builder
	if e.Path != "" {
		b.WriteString(e.Path)
	} else {
		b.WriteString("agent file")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	if e.Key != "" {
		fmt.Fprintf(&b, "%s: ", e.Key)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// MaxFileBytes bounds an agent file and each knowledge file it names: an
// agent file is kilobytes, and the SDK refuses request bodies over 32 MiB.
const MaxFileBytes = 32 << 20

// Load reads and checks an agent file (YAML, or JSON, which YAML reads
// too). Knowledge files are read later, by Plan.
func Load(path string) (*File, error) {
	data, err := readBounded(path)
	if err != nil {
		return nil, err
	}
	f, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	f.Dir = filepath.Dir(path)
	return f, nil
}

// readBounded reads a regular file of at most MaxFileBytes: never a
// device, a FIFO or a directory, and never more than the bound even if
// the file grows while it is read.
func readBounded(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	info, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	if info.Size() > MaxFileBytes {
		return nil, fmt.Errorf("%s: larger than %d MiB", path, MaxFileBytes>>20)
	}
	b, err := io.ReadAll(io.LimitReader(fh, MaxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxFileBytes {
		return nil, fmt.Errorf("%s: larger than %d MiB", path, MaxFileBytes>>20)
	}
	return b, nil
}

// Parse checks an agent file's bytes; path names it in errors. Every key
// must be known: a misspelt key is an error naming its line, never
// silently ignored.
func Parse(path string, data []byte) (*File, error) {
	p := &parser{path: path}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &FileError{Path: path, Msg: "the file is empty; it needs an agents list"}
		}
		return nil, &FileError{Path: path, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, &FileError{Path: path, Line: extra.Line, Msg: "more than one document; put every agent in one agents list"}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	f := &File{Path: path}
	if err := p.file(root, f); err != nil {
		return nil, err
	}
	return f, nil
}

type parser struct{ path string }

func (p *parser) errAt(n *yaml.Node, key, format string, args ...any) error {
	return &FileError{Path: p.path, Line: n.Line, Column: n.Column, Key: key, Msg: fmt.Sprintf(format, args...)}
}

// mapping walks a mapping node's pairs, refusing keys not in known.
func (p *parser) mapping(n *yaml.Node, where string, known []string, each func(key string, k, v *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return p.errAt(n, where, "must be a mapping (key: value), not %s", kindName(n))
	}
	for _, k := range yamlfile.Keys(n, known) {
		switch k.Problem {
		case yamlfile.NotPlain:
			return p.errAt(k.Node, where, "a key must be a plain name")
		case yamlfile.Repeated:
			return p.errAt(k.Node, yamlfile.Join(where, k.Name), "mapping key %q already defined at line %d", k.Name, k.FirstLine)
		case yamlfile.Unknown:
			return p.errAt(k.Node, yamlfile.Join(where, k.Name), "unknown key; %s takes %s%s", orTop(where), strings.Join(known, ", "), suggest.DidYouMean(k.Suggest))
		}
		if err := each(k.Name, k.Node, k.Value); err != nil {
			return err
		}
	}
	return nil
}

func orTop(where string) string {
	if where == "" {
		return "the file"
	}
	return where
}

// kindName describes a node for "must be ..., not X": a scalar by its YAML
// type, which tells a number or a bool that should be quoted.
func kindName(n *yaml.Node) string {
	if shape := yamlfile.Shape(n); shape != "" {
		return shape
	}
	if n.Tag == "!!null" {
		return "empty"
	}
	return fmt.Sprintf("%s %q", strings.TrimPrefix(n.Tag, "!!"), n.Value)
}

func (p *parser) str(n *yaml.Node, key string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		return "", p.errAt(n, key, "must be a string, not %s (quote it)", kindName(n))
	}
	return n.Value, nil
}

func (p *parser) posInt(n *yaml.Node, key string, min int64) (int64, error) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		return 0, p.errAt(n, key, "must be an integer, not %s", kindName(n))
	}
	v, err := strconv.ParseInt(n.Value, 0, 64)
	if err != nil {
		return 0, p.errAt(n, key, "%s is not a 64-bit integer", n.Value)
	}
	if v < min {
		return 0, p.errAt(n, key, "must be at least %d, not %d", min, v)
	}
	return v, nil
}

// nameOrID reads a scalar that is an id (an integer) or a name (a string).
func (p *parser) nameOrID(n *yaml.Node, key string) (string, int64, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		id, err := p.posInt(n, key, 1)
		return "", id, err
	}
	s, err := p.str(n, key)
	if err == nil && strings.TrimSpace(s) == "" {
		err = p.errAt(n, key, "is empty")
	}
	return s, 0, err
}

func (p *parser) seq(n *yaml.Node, key string) ([]*yaml.Node, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, p.errAt(n, key, "must be a list, not %s", kindName(n))
	}
	return n.Content, nil
}

func (p *parser) file(root *yaml.Node, f *File) error {
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return p.errAt(root, "", "the file is empty; it needs an agents list")
	}
	var agentsNode *yaml.Node
	err := p.mapping(root, "", []string{"team", "agents"}, func(key string, _, v *yaml.Node) error {
		switch key {
		case "team":
			id, err := p.posInt(v, "team", 1)
			f.Team = id
			return err
		case "agents":
			agentsNode = v
		}
		return nil
	})
	if err != nil {
		return err
	}
	if agentsNode == nil {
		return p.errAt(root, "agents", "missing; list the team's agents under agents:")
	}
	items, err := p.seq(agentsNode, "agents")
	if err != nil {
		return err
	}
	seen := map[string]int{}
	for i, item := range items {
		a, err := p.agent(item, fmt.Sprintf("agents[%d]", i))
		if err != nil {
			return err
		}
		if line, dup := seen[a.Name]; dup {
			return p.errAt(item, fmt.Sprintf("agents[%d].name", i), "%q is also the name of the agent at line %d; names are the agents' keys and must be unique", a.Name, line)
		}
		seen[a.Name] = a.Line
		f.Agents = append(f.Agents, a)
	}
	return nil
}

var agentKeys = []string{"name", "systemPrompt", "provider", "providerId", "connection", "model",
	"scenarios", "knowledge", "llmConfig", "historyConfig", "invocationConfig", "mcpConfigs", "outputParserFormat"}

func (p *parser) agent(n *yaml.Node, where string) (Agent, error) {
	a := Agent{Line: n.Line, keyLines: map[string]int{}}
	err := p.mapping(n, where, agentKeys, func(key string, k, v *yaml.Node) error {
		at := yamlfile.Join(where, key)
		a.keyLines[key] = k.Line
		var err error
		switch key {
		case "name":
			a.Name, err = p.str(v, at)
		case "systemPrompt":
			a.SystemPrompt, err = p.str(v, at)
		case "provider":
			a.Provider, err = p.str(v, at)
		case "providerId":
			a.ProviderID, err = p.posInt(v, at, 1)
		case "connection":
			a.Connection, a.ConnectionID, err = p.nameOrID(v, at)
		case "model":
			a.Model, err = p.str(v, at)
		case "scenarios":
			a.Scenarios, err = p.scenarios(v, at)
		case "knowledge":
			a.Knowledge, err = p.knowledge(v, at)
		case "llmConfig":
			a.LLMConfig, err = p.intBlock(v, at, map[string]int64{"maxTokens": 1})
		case "historyConfig":
			a.HistoryConfig, err = p.intBlock(v, at, map[string]int64{"iterationsFromHistoryCount": 0})
		case "invocationConfig":
			a.InvocationConfig, err = p.intBlock(v, at, map[string]int64{"recursionLimit": 1})
		case "mcpConfigs":
			a.MCPConfigs, err = p.mcpConfigs(v, at)
		case "outputParserFormat":
			a.OutputParserFormat, err = p.outputParser(v, at)
		}
		return err
	})
	if err != nil {
		return a, err
	}
	if err := a.check(); err != nil {
		var fe *FileError
		if errors.As(err, &fe) {
			fe.Path, fe.Line, fe.Column = p.path, n.Line, n.Column
			if fe.Key != "" {
				fe.Key = yamlfile.Join(where, fe.Key)
			} else {
				fe.Key = where
			}
		}
		return a, err
	}
	return a, nil
}

// check reports what an agent lacks or gives twice, for agents read from
// a file and built in code alike.
func (a *Agent) check() error {
	missing := func(key, why string) error { return &FileError{Key: key, Msg: "missing; " + why} }
	switch {
	case strings.TrimSpace(a.Name) == "":
		return missing("name", "every agent needs its name (its key in the team)")
	case a.SystemPrompt == "":
		return missing("systemPrompt", "Make needs a system prompt")
	case a.Model == "":
		return missing("model", "Make needs the agent's model")
	case a.Provider == "" && a.ProviderID == 0:
		return missing("provider", "name the LLM provider (provider: openAi) or give its providerId")
	case a.Provider != "" && a.ProviderID != 0:
		return &FileError{Key: "providerId", Msg: "give provider or providerId, not both"}
	case a.Connection != "" && a.ConnectionID != 0:
		return &FileError{Key: "connection", Msg: "a name or an id, not both"}
	}
	keys := map[string]int{}
	for i, k := range a.Knowledge {
		if n := btoi(k.File != "") + btoi(k.Text != "") + btoi(k.DocumentName != ""); n != 1 {
			return &FileError{Key: fmt.Sprintf("knowledge[%d]", i), Msg: "give exactly one of file, text or documentName"}
		}
		if k.Text != "" && k.Name == "" {
			return &FileError{Key: fmt.Sprintf("knowledge[%d].name", i), Msg: "missing; a text needs a name (it is how its context is found again)"}
		}
		if k.DocumentName != "" && k.Name != "" {
			return &FileError{Key: fmt.Sprintf("knowledge[%d].name", i), Msg: "documentName already names the context; drop name"}
		}
		if k.Name != "" {
			if err := checkContextName(k.Name); err != nil {
				return &FileError{Key: fmt.Sprintf("knowledge[%d].name", i), Msg: err.Error()}
			}
		}
		key := k.key()
		if j, dup := keys[key]; dup {
			return &FileError{Key: fmt.Sprintf("knowledge[%d]", i), Msg: fmt.Sprintf("%q is also knowledge[%d]'s name; each context needs its own name", key, j)}
		}
		keys[key] = i
	}
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// key is the name a knowledge item's context is known by, without the
// content hash: the text's name, the file's base name (or Name), or the
// literal document name.
func (k Knowledge) key() string {
	switch {
	case k.DocumentName != "":
		return k.DocumentName
	case k.File != "" && k.Name != "":
		return k.Name + filepath.Ext(k.File)
	case k.File != "":
		return filepath.Base(k.File)
	}
	return k.Name
}

// contextName is Make's pattern for a text context's name.
var contextName = regexp.MustCompile(`^[\p{L}\p{N}\s\-_.()]*$`)

// maxNameRunes leaves room, within Make's 120 characters, for the content
// hash added to a context's name.
const maxNameRunes = 120 - len(" (") - hashLen - len(")")

func checkContextName(name string) error {
	if !contextName.MatchString(name) {
		return errors.New("only letters, digits, spaces and -_.() may name a context (Make's rule)")
	}
	if n := utf8.RuneCountInString(name); n > maxNameRunes {
		return fmt.Errorf("%d characters; at most %d (Make's 120, less the content hash)", n, maxNameRunes)
	}
	return nil
}

func (p *parser) scenarios(n *yaml.Node, where string) ([]Scenario, error) {
	items, err := p.seq(n, where)
	if err != nil {
		return nil, err
	}
	out := make([]Scenario, 0, len(items))
	for i, item := range items {
		at := fmt.Sprintf("%s[%d]", where, i)
		s := Scenario{Line: item.Line}
		if item.Kind == yaml.MappingNode {
			err = p.mapping(item, at, []string{"name", "makeScenarioId", "approvalMode"}, func(key string, _, v *yaml.Node) error {
				var err error
				switch key {
				case "name":
					s.Name, err = p.str(v, yamlfile.Join(at, key))
				case "makeScenarioId":
					s.ID, err = p.posInt(v, yamlfile.Join(at, key), 1)
				case "approvalMode":
					s.ApprovalMode, err = p.str(v, yamlfile.Join(at, key))
					if err == nil && s.ApprovalMode != "auto-run" && s.ApprovalMode != "approval-required" {
						err = p.errAt(v, yamlfile.Join(at, key), "%q is not auto-run or approval-required", s.ApprovalMode)
					}
				}
				return err
			})
			if err == nil && (s.Name == "") == (s.ID == 0) {
				err = p.errAt(item, at, "give the scenario's name or its makeScenarioId")
			}
		} else {
			s.Name, s.ID, err = p.nameOrID(item, at)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func (p *parser) knowledge(n *yaml.Node, where string) ([]Knowledge, error) {
	items, err := p.seq(n, where)
	if err != nil {
		return nil, err
	}
	out := make([]Knowledge, 0, len(items))
	for i, item := range items {
		at := fmt.Sprintf("%s[%d]", where, i)
		k := Knowledge{Line: item.Line}
		err := p.mapping(item, at, []string{"file", "text", "name", "documentName"}, func(key string, _, v *yaml.Node) error {
			var err error
			switch key {
			case "file":
				k.File, err = p.str(v, yamlfile.Join(at, key))
			case "text":
				k.Text, err = p.str(v, yamlfile.Join(at, key))
			case "name":
				k.Name, err = p.str(v, yamlfile.Join(at, key))
			case "documentName":
				k.DocumentName, err = p.str(v, yamlfile.Join(at, key))
			}
			if err == nil && v.Value == "" {
				err = p.errAt(v, yamlfile.Join(at, key), "is empty")
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

// intBlock reads one of Make's settings blocks: integer fields, each at
// least its minimum.
func (p *parser) intBlock(n *yaml.Node, where string, fields map[string]int64) (map[string]any, error) {
	known := make([]string, 0, len(fields))
	for k := range fields {
		known = append(known, k)
	}
	slices.Sort(known)
	out := map[string]any{}
	err := p.mapping(n, where, known, func(key string, _, v *yaml.Node) error {
		x, err := p.posInt(v, yamlfile.Join(where, key), fields[key])
		out[key] = x
		return err
	})
	return out, err
}

func (p *parser) mcpConfigs(n *yaml.Node, where string) ([]any, error) {
	items, err := p.seq(n, where)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(items))
	for i, item := range items {
		at := fmt.Sprintf("%s[%d]", where, i)
		m := map[string]any{}
		err := p.mapping(item, at, []string{"mcpConnectionId", "toolIds"}, func(key string, _, v *yaml.Node) error {
			switch key {
			case "mcpConnectionId":
				id, err := p.posInt(v, yamlfile.Join(at, key), 1)
				m[key] = id
				return err
			default:
				ids, err := p.seq(v, yamlfile.Join(at, key))
				if err != nil {
					return err
				}
				tools := make([]any, 0, len(ids))
				for j, t := range ids {
					s, err := p.str(t, fmt.Sprintf("%s.toolIds[%d]", at, j))
					if err != nil {
						return err
					}
					tools = append(tools, s)
				}
				m[key] = tools
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if _, ok := m["mcpConnectionId"]; !ok {
			return nil, p.errAt(item, yamlfile.Join(at, "mcpConnectionId"), "missing")
		}
		if _, ok := m["toolIds"]; !ok {
			return nil, p.errAt(item, yamlfile.Join(at, "toolIds"), "missing (Make's modify requires it; [] for none)")
		}
		out = append(out, m)
	}
	return out, nil
}

// schemaFieldTypes are the types Make's output parser schema takes.
var schemaFieldTypes = []string{"string", "text", "email", "url", "uuid", "color", "number", "integer",
	"uinteger", "boolean", "date", "json", "dynamicCollection", "collection", "array", "select", "any"}

func (p *parser) outputParser(n *yaml.Node, where string) (map[string]any, error) {
	out := map[string]any{}
	var schema *yaml.Node
	err := p.mapping(n, where, []string{"type", "schema"}, func(key string, _, v *yaml.Node) error {
		if key == "schema" {
			schema = v
			return nil
		}
		t, err := p.str(v, yamlfile.Join(where, key))
		if err == nil && t != "text" && t != "make-schema" {
			err = p.errAt(v, yamlfile.Join(where, key), "%q is not text or make-schema", t)
		}
		out[key] = t
		return err
	})
	if err != nil {
		return nil, err
	}
	switch out["type"] {
	case nil:
		return nil, p.errAt(n, yamlfile.Join(where, "type"), "missing (text or make-schema)")
	case "text":
		if schema != nil {
			return nil, p.errAt(schema, yamlfile.Join(where, "schema"), "only type make-schema takes a schema")
		}
		return out, nil
	}
	if schema == nil {
		return nil, p.errAt(n, yamlfile.Join(where, "schema"), "missing; make-schema needs at least one field")
	}
	items, err := p.seq(schema, yamlfile.Join(where, "schema"))
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, p.errAt(schema, yamlfile.Join(where, "schema"), "empty; make-schema needs at least one field")
	}
	fields := make([]any, 0, len(items))
	for i, item := range items {
		f, err := p.schemaField(item, fmt.Sprintf("%s.schema[%d]", where, i), true)
		if err != nil {
			return nil, err
		}
		fields = append(fields, f)
	}
	out["schema"] = fields
	return out, nil
}

// schemaField reads one field of a make-schema; top-level fields require
// name and type and may nest a spec (one field, or a list of at most 10).
func (p *parser) schemaField(n *yaml.Node, where string, top bool) (map[string]any, error) {
	known := []string{"name", "type", "label", "required"}
	if top {
		known = append(known, "spec")
	}
	out := map[string]any{}
	err := p.mapping(n, where, known, func(key string, _, v *yaml.Node) error {
		at := yamlfile.Join(where, key)
		switch key {
		case "required":
			if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
				return p.errAt(v, at, "must be true or false, not %s", kindName(v))
			}
			out[key] = v.Value == "true"
		case "spec":
			if v.Kind == yaml.SequenceNode {
				if len(v.Content) > 10 {
					return p.errAt(v, at, "%d fields; Make takes at most 10", len(v.Content))
				}
				list := make([]any, 0, len(v.Content))
				for i, item := range v.Content {
					f, err := p.schemaField(item, fmt.Sprintf("%s[%d]", at, i), false)
					if err != nil {
						return err
					}
					list = append(list, f)
				}
				out[key] = list
				return nil
			}
			f, err := p.schemaField(v, at, false)
			out[key] = f
			return err
		default:
			s, err := p.str(v, at)
			if err != nil {
				return err
			}
			if key == "type" && top && !slices.Contains(schemaFieldTypes, s) {
				return p.errAt(v, at, "%q is not a type Make knows; use one of %s", s, strings.Join(schemaFieldTypes, ", "))
			}
			out[key] = s
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if top {
		for _, req := range []string{"name", "type"} {
			if _, ok := out[req]; !ok {
				return nil, p.errAt(n, yamlfile.Join(where, req), "missing")
			}
		}
	}
	return out, nil
}
