package agentfile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/makeagents/makeagents-go/api"
	"go.yaml.in/yaml/v3"
)

// ExportOptions adjust Export.
type ExportOptions struct {
	// Team is the team to export; 0 is the client's default team.
	Team int64
	// Names limits the export to these agents; each must exist.
	Names []string
}

// Export reads the team's agents as a File that Plan accepts and finds
// unchanged: ids become names where the name is unique in the team (a
// provider's type, a connection's name when the provider has several, a
// tool scenario's name), and empty lists and absent blocks are left out.
// Make's settings blocks (llmConfig, historyConfig, invocationConfig) are
// kept even when they hold Make's defaults, because Make does not publish
// them: leaving them out would let a promoted file keep another team's
// values silently. Contexts come back as their document names (Make
// cannot give their content back), which keep them as they are. The
// file has no team, so it applies to any team.
func Export(ctx context.Context, c *api.Client, opts ExportOptions) (*File, error) {
	var callOpts []api.CallOption
	if opts.Team != 0 {
		callOpts = append(callOpts, api.ForTeam(opts.Team))
	}
	list, err := c.ListAgents(ctx, callOpts...)
	if err != nil {
		return nil, fmt.Errorf("listing the team's agents: %w", err)
	}
	count := map[string]int{}
	for _, a := range list {
		count[a.Name]++
	}
	var pick []api.Agent
	if len(opts.Names) == 0 {
		pick = list
	} else {
		for _, n := range opts.Names {
			i := slices.IndexFunc(list, func(a api.Agent) bool { return a.Name == n })
			if i < 0 {
				names := make([]string, len(list))
				for j, a := range list {
					names[j] = fmt.Sprintf("%q", a.Name)
				}
				return nil, fmt.Errorf("the team has no agent named %q; it has: %s", n, strings.Join(names, ", "))
			}
			pick = append(pick, list[i])
		}
	}
	var dups []error
	for _, a := range pick {
		if count[a.Name] > 1 {
			dups = append(dups, fmt.Errorf("the team has %d agents named %q; a file keys agents by name, so rename all but one first", count[a.Name], a.Name))
			count[a.Name] = 0 // once
		}
	}
	if err := errors.Join(dups...); err != nil {
		return nil, err
	}
	t, err := newTeam(ctx, c, callOpts)
	if err != nil {
		return nil, err
	}
	f := &File{}
	for _, a := range pick {
		got, err := c.GetAgent(ctx, a.ID, callOpts...)
		if err != nil {
			return nil, fmt.Errorf("reading agent %q (%s): %w", a.Name, a.ID, err)
		}
		r, err := toRemote(got)
		if err != nil {
			return nil, err
		}
		out, err := t.export(ctx, r)
		if err != nil {
			return nil, fmt.Errorf("agent %q (%s): %w", a.Name, a.ID, err)
		}
		f.Agents = append(f.Agents, *out)
	}
	return f, nil
}

// uniqueName is the name of the item with the given id when no other item
// has that name, so the file can say the name and still mean only that
// item; "" when the id is not there or its name is shared.
func uniqueName[T any](items []T, id int64, idName func(T) (int64, string)) string {
	var name string
	for _, it := range items {
		if i, n := idName(it); i == id {
			name = n
		}
	}
	if name == "" {
		return ""
	}
	named := 0
	for _, it := range items {
		if _, n := idName(it); n == name {
			named++
		}
	}
	if named != 1 {
		return ""
	}
	return name
}

func (t *team) export(ctx context.Context, r *remoteAgent) (*Agent, error) {
	a := &Agent{Name: r.Name, SystemPrompt: r.SystemPrompt, Model: r.DefaultModel}
	var p api.LLMProvider
	switch {
	case r.LLMProviderID != nil:
		var ok bool
		if p, ok = t.providerByID(*r.LLMProviderID); !ok {
			return nil, fmt.Errorf("its provider %d is not one of the team's (%s)", *r.LLMProviderID, t.providerList())
		}
	case r.MakeConnectionType != nil:
		i := slices.IndexFunc(t.providers, func(p api.LLMProvider) bool { return p.AccountName == *r.MakeConnectionType })
		if i < 0 {
			return nil, fmt.Errorf("no provider of the team uses its connection type %q (%s)", *r.MakeConnectionType, t.providerList())
		}
		p = t.providers[i]
	default:
		return nil, errors.New("neither its provider (llmProviderId) nor its connection type is in what Make reports")
	}
	sameType := 0
	for _, q := range t.providers {
		if q.Provider == p.Provider {
			sameType++
		}
	}
	if sameType == 1 {
		a.Provider = string(p.Provider)
	} else {
		a.ProviderID = p.ID
	}
	conns, err := t.providerConnections(ctx, p)
	if err != nil {
		return nil, err
	}
	if r.MakeConnectionID != nil && (len(conns) != 1 || conns[0].ID != *r.MakeConnectionID) {
		a.ConnectionID = *r.MakeConnectionID
		if name := uniqueName(conns, a.ConnectionID, func(k api.Connection) (int64, string) { return k.ID, k.Name }); name != "" {
			a.Connection, a.ConnectionID = name, 0
		}
	}

	if len(r.Scenarios) > 0 {
		tools, err := t.toolScenarios(ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range r.scenarioList() {
			out := Scenario{ID: s.ID}
			if name := uniqueName(tools, s.ID, func(t api.Scenario) (int64, string) { return t.ID, t.Name }); name != "" {
				out.Name, out.ID = name, 0
			}
			if s.ApprovalMode != "auto-run" {
				out.ApprovalMode = s.ApprovalMode
			}
			a.Scenarios = append(a.Scenarios, out)
		}
	}

	contexts, err := t.c.ListContexts(ctx, r.ID, t.opts...)
	if err != nil {
		return nil, fmt.Errorf("listing its contexts: %w", err)
	}
	for _, c := range contexts {
		// Two contexts of one name are one entry: the file keys knowledge
		// by name, and the plan keeps the other as not in the file.
		if !c.IsTemporary && !slices.ContainsFunc(a.Knowledge, func(k Knowledge) bool { return k.DocumentName == c.DocumentName }) {
			a.Knowledge = append(a.Knowledge, Knowledge{DocumentName: c.DocumentName})
		}
	}

	a.LLMConfig = pickInts(r.LLMConfig, "maxTokens")
	a.HistoryConfig = pickInts(r.HistoryConfig, "iterationsFromHistoryCount")
	a.InvocationConfig = pickInts(r.InvocationConfig, "recursionLimit")
	if len(r.MCPConfigs) > 0 {
		a.MCPConfigs = plain(r.mcpList()).([]any)
	}
	if r.OutputParser != nil {
		a.OutputParserFormat = plain(r.OutputParser).(map[string]any)
	}
	return a, nil
}

// pickInts keeps the keys of one of Make's settings blocks that a file
// takes, as integers; nil when none is set.
func pickInts(block map[string]any, keys ...string) map[string]any {
	var out map[string]any
	for _, k := range keys {
		if v, ok := plain(block[k]).(int64); ok {
			if out == nil {
				out = map[string]any{}
			}
			out[k] = v
		}
	}
	return out
}

// plain turns decoded JSON numbers into int64 (or float64), so that they
// are written as numbers, not strings.
func plain(v any) any {
	v = normalizeNumbers(v)
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = plain(e)
		}
	case []any:
		for i, e := range x {
			x[i] = plain(e)
		}
	}
	return v
}

// YAML encodes the file in the order a person reads it: name, systemPrompt
// (as a block when it spans lines), provider, connection, model, scenarios,
// knowledge, then Make's blocks. header, when not empty, becomes a comment
// at the top.
func (f *File) YAML(header string) ([]byte, error) {
	root := &yaml.Node{Kind: yaml.MappingNode, HeadComment: header}
	if f.Team != 0 {
		addPair(root, "team", intNode(f.Team))
	}
	agents := &yaml.Node{Kind: yaml.SequenceNode}
	for _, a := range f.Agents {
		n := &yaml.Node{Kind: yaml.MappingNode}
		addPair(n, "name", strNode(a.Name))
		addPair(n, "systemPrompt", strNode(a.SystemPrompt))
		if a.Provider != "" {
			addPair(n, "provider", strNode(a.Provider))
		}
		if a.ProviderID != 0 {
			addPair(n, "providerId", intNode(a.ProviderID))
		}
		if a.Connection != "" {
			addPair(n, "connection", strNode(a.Connection))
		}
		if a.ConnectionID != 0 {
			addPair(n, "connection", intNode(a.ConnectionID))
		}
		addPair(n, "model", strNode(a.Model))
		if a.Scenarios != nil {
			list := &yaml.Node{Kind: yaml.SequenceNode}
			for _, s := range a.Scenarios {
				ref := strNode(s.Name)
				if s.Name == "" {
					ref = intNode(s.ID)
				}
				if s.ApprovalMode != "" {
					m := &yaml.Node{Kind: yaml.MappingNode}
					if s.Name != "" {
						addPair(m, "name", ref)
					} else {
						addPair(m, "makeScenarioId", ref)
					}
					addPair(m, "approvalMode", strNode(s.ApprovalMode))
					ref = m
				}
				list.Content = append(list.Content, ref)
			}
			addPair(n, "scenarios", list)
		}
		if a.Knowledge != nil {
			list := &yaml.Node{Kind: yaml.SequenceNode}
			for _, k := range a.Knowledge {
				m := &yaml.Node{Kind: yaml.MappingNode}
				for _, kv := range [][2]string{{"file", k.File}, {"text", k.Text}, {"name", k.Name}, {"documentName", k.DocumentName}} {
					if kv[1] != "" {
						addPair(m, kv[0], strNode(kv[1]))
					}
				}
				list.Content = append(list.Content, m)
			}
			addPair(n, "knowledge", list)
		}
		for _, b := range []struct {
			key string
			v   any
		}{{"llmConfig", a.LLMConfig}, {"historyConfig", a.HistoryConfig}, {"invocationConfig", a.InvocationConfig},
			{"mcpConfigs", a.MCPConfigs}, {"outputParserFormat", a.OutputParserFormat}} {
			if isNil(b.v) {
				continue
			}
			v, err := valueNode(b.v)
			if err != nil {
				return nil, fmt.Errorf("encoding %s of agent %q: %w", b.key, a.Name, err)
			}
			addPair(n, b.key, v)
		}
		agents.Content = append(agents.Content, n)
	}
	addPair(root, "agents", agents)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// keyOrder puts the keys that say what a thing is before its details;
// other keys follow in alphabetical order.
var keyOrder = []string{"type", "name", "label", "required", "mcpConnectionId", "toolIds", "spec", "schema"}

// valueNode encodes a decoded JSON value with its keys in keyOrder.
func valueNode(v any) (*yaml.Node, error) {
	switch x := v.(type) {
	case map[string]any:
		n := &yaml.Node{Kind: yaml.MappingNode}
		keys := sortedKeys(x)
		slices.SortStableFunc(keys, func(a, b string) int {
			rank := func(k string) int {
				if i := slices.Index(keyOrder, k); i >= 0 {
					return i
				}
				return len(keyOrder)
			}
			return rank(a) - rank(b)
		})
		for _, k := range keys {
			e, err := valueNode(x[k])
			if err != nil {
				return nil, err
			}
			addPair(n, k, e)
		}
		return n, nil
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		for _, e := range x {
			c, err := valueNode(e)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, c)
		}
		return n, nil
	case string:
		return strNode(x), nil
	}
	var n yaml.Node
	err := n.Encode(v)
	return &n, err
}

func isNil(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return x == nil
	case []any:
		return x == nil
	}
	return v == nil
}

func addPair(m *yaml.Node, key string, v *yaml.Node) {
	m.Content = append(m.Content, strNode(key), v)
}

func strNode(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if strings.Contains(s, "\n") && !strings.ContainsAny(s, "\r") && strings.TrimRight(s, " \t\n") == strings.TrimRight(s, "\n") {
		n.Style = yaml.LiteralStyle
	}
	return n
}

func intNode(v int64) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: fmt.Sprint(v)}
}
