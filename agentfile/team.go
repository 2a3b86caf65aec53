package agentfile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/makeagents/makeagents-go/api"
)

// team is what the discovery reads say about a team, fetched once per plan
// or export and only as far as needed: providers always, a provider's
// connections and models when an agent uses it, tool scenarios when an
// agent names one.
type team struct {
	c    *api.Client
	opts []api.CallOption

	providers   []api.LLMProvider
	connections map[int64][]api.Connection // by provider id
	models      map[int64][]string         // by provider id
	scenarios   []api.Scenario             // tool scenarios
	gotTools    bool
}

func newTeam(ctx context.Context, c *api.Client, opts []api.CallOption) (*team, error) {
	providers, err := c.ListLLMProviders(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("listing the team's LLM providers: %w", err)
	}
	return &team{c: c, opts: opts, providers: providers, connections: map[int64][]api.Connection{}, models: map[int64][]string{}}, nil
}

func (t *team) providerConnections(ctx context.Context, p api.LLMProvider) ([]api.Connection, error) {
	if got, ok := t.connections[p.ID]; ok {
		return got, nil
	}
	got, err := t.c.ProviderConnections(ctx, p, t.opts...)
	if err != nil {
		return nil, fmt.Errorf("listing the connections of provider %d: %w", p.ID, err)
	}
	t.connections[p.ID] = got
	return got, nil
}

func (t *team) providerModels(ctx context.Context, id int64) ([]string, error) {
	if got, ok := t.models[id]; ok {
		return got, nil
	}
	list, err := t.c.ListLLMProviderModels(ctx, id, t.opts...)
	if err != nil {
		return nil, fmt.Errorf("listing the models of provider %d: %w", id, err)
	}
	names := make([]string, len(list))
	for i, m := range list {
		names[i] = string(m.Model)
	}
	t.models[id] = names
	return names, nil
}

func (t *team) toolScenarios(ctx context.Context) ([]api.Scenario, error) {
	if t.gotTools {
		return t.scenarios, nil
	}
	for s, err := range t.c.Scenarios(ctx, api.ScenarioQuery{Type: api.ScenarioTypeTool}, t.opts...) {
		if err != nil {
			return nil, fmt.Errorf("listing the team's tool scenarios: %w", err)
		}
		t.scenarios = append(t.scenarios, s)
	}
	t.gotTools = true
	return t.scenarios, nil
}

func (t *team) providerByID(id int64) (api.LLMProvider, bool) {
	i := slices.IndexFunc(t.providers, func(p api.LLMProvider) bool { return p.ID == id })
	if i < 0 {
		return api.LLMProvider{}, false
	}
	return t.providers[i], true
}

func (t *team) providerList() string {
	if len(t.providers) == 0 {
		return "the team has no LLM providers"
	}
	parts := make([]string, len(t.providers))
	for i, p := range t.providers {
		parts[i] = fmt.Sprintf("%s (id %d, %s)", p.Provider, p.ID, p.AccountName)
	}
	return "the team has: " + strings.Join(parts, ", ")
}

// resolved is a desired agent with every name replaced by this team's id.
type resolved struct {
	src          *Agent
	provider     api.LLMProvider
	connection   api.Connection
	scenarios    []scenarioRef // nil: not managed
	scenarioName map[int64]string
}

type scenarioRef struct {
	ID           int64  `json:"makeScenarioId"`
	ApprovalMode string `json:"approvalMode,omitempty"`
}

// NameError is a name in the file that the team does not have: a
// provider, connection, model or scenario. Exists lists what it has.
type NameError struct {
	Path   string
	Line   int
	Agent  string
	Kind   string // "provider", "connection", "model", "scenario"
	Name   string
	Exists []string
	Reason string // why, when it is not simply unknown (ambiguous, wrong type)
}

func (e *NameError) Error() string {
	var b strings.Builder
	if e.Path != "" {
		b.WriteString(e.Path)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "agent %q: %s %s", e.Agent, e.Kind, e.Name)
	if e.Reason != "" {
		b.WriteString(" " + e.Reason)
	} else {
		b.WriteString(" is not in the team")
	}
	if len(e.Exists) == 0 {
		fmt.Fprintf(&b, "; the team has no %ss", e.Kind)
	} else {
		fmt.Fprintf(&b, "; the team has: %s", strings.Join(e.Exists, ", "))
	}
	return b.String()
}

// resolve maps every name of a to this team's ids; the errors name what
// the team has instead.
func (t *team) resolve(ctx context.Context, path string, a *Agent) (*resolved, error) {
	r := &resolved{src: a}
	nameErr := func(kind, name, reason string, exists []string) error {
		key := kind
		if kind == "provider" && a.ProviderID != 0 {
			key = "providerId"
		}
		return &NameError{Path: path, Line: a.lineOf(key), Agent: a.Name, Kind: kind, Name: name, Reason: reason, Exists: exists}
	}
	// The provider, its connection and its model depend on each other;
	// the scenarios do not, so their errors are reported as well.
	providerErr := func() error {
		var providerNames []string
		for _, p := range t.providers {
			providerNames = append(providerNames, fmt.Sprintf("%s (providerId %d, %s)", p.Provider, p.ID, p.AccountName))
		}
		if a.ProviderID != 0 {
			p, ok := t.providerByID(a.ProviderID)
			if !ok {
				return nameErr("provider", strconv.FormatInt(a.ProviderID, 10), "", providerNames)
			}
			r.provider = p
		} else {
			var match []api.LLMProvider
			for _, p := range t.providers {
				if string(p.Provider) == a.Provider || p.AccountName == a.Provider {
					match = append(match, p)
				}
			}
			switch len(match) {
			case 0:
				return nameErr("provider", strconv.Quote(a.Provider), "", providerNames)
			case 1:
				r.provider = match[0]
			default:
				return nameErr("provider", strconv.Quote(a.Provider), "is more than one provider; give providerId", providerNames)
			}
		}

		conns, err := t.providerConnections(ctx, r.provider)
		if err != nil {
			return err
		}
		connNames := make([]string, len(conns))
		for i, k := range conns {
			connNames[i] = fmt.Sprintf("%q (id %d)", k.Name, k.ID)
		}
		providerLabel := fmt.Sprintf("of provider %s (%d)", r.provider.Provider, r.provider.ID)
		switch {
		case a.ConnectionID != 0:
			i := slices.IndexFunc(conns, func(k api.Connection) bool { return k.ID == a.ConnectionID })
			if i < 0 {
				return nameErr("connection", strconv.FormatInt(a.ConnectionID, 10), "is not a connection "+providerLabel, connNames)
			}
			r.connection = conns[i]
		case a.Connection != "":
			var match []api.Connection
			for _, k := range conns {
				if k.Name == a.Connection {
					match = append(match, k)
				}
			}
			switch len(match) {
			case 0:
				return nameErr("connection", strconv.Quote(a.Connection), "is not a connection "+providerLabel, connNames)
			case 1:
				r.connection = match[0]
			default:
				return nameErr("connection", strconv.Quote(a.Connection), "names more than one connection; give its id", connNames)
			}
		default:
			switch len(conns) {
			case 0:
				return nameErr("provider", string(r.provider.Provider), "has no connection in the team (create one in Make)", nil)
			case 1:
				r.connection = conns[0]
			default:
				return nameErr("connection", "(none given)", "is needed: provider "+string(r.provider.Provider)+" has several connections", connNames)
			}
		}

		models, err := t.providerModels(ctx, r.provider.ID)
		if err != nil {
			return err
		}
		if !slices.Contains(models, a.Model) {
			return &NameError{Path: path, Line: a.lineOf("model"), Agent: a.Name, Kind: "model", Name: strconv.Quote(a.Model),
				Reason: "is not a model " + providerLabel, Exists: models}
		}

		return nil
	}()
	scenarioErr := func() error {
		if a.Scenarios != nil {
			tools, err := t.toolScenarios(ctx)
			if err != nil {
				return err
			}
			exists := make([]string, len(tools))
			r.scenarioName = map[int64]string{}
			for i, s := range tools {
				exists[i] = fmt.Sprintf("%q (id %d)", s.Name, s.ID)
				r.scenarioName[s.ID] = s.Name // labels the agent's current ones too
			}
			r.scenarios = []scenarioRef{}
			seen := map[int64]bool{}
			for _, want := range a.Scenarios {
				var match []api.Scenario
				for _, s := range tools {
					if (want.ID != 0 && s.ID == want.ID) || (want.ID == 0 && s.Name == want.Name) {
						match = append(match, s)
					}
				}
				label := strconv.Quote(want.Name)
				if want.ID != 0 {
					label = strconv.FormatInt(want.ID, 10)
				}
				switch len(match) {
				case 0:
					return &NameError{Path: path, Line: max(want.Line, a.Line), Agent: a.Name, Kind: "scenario", Name: label,
						Reason: "is not a tool scenario of the team", Exists: exists}
				case 1:
				default:
					return &NameError{Path: path, Line: max(want.Line, a.Line), Agent: a.Name, Kind: "scenario", Name: label,
						Reason: "names more than one tool scenario; give its id", Exists: exists}
				}
				if seen[match[0].ID] {
					return &NameError{Path: path, Line: max(want.Line, a.Line), Agent: a.Name, Kind: "scenario", Name: label,
						Reason: "is listed twice", Exists: exists}
				}
				seen[match[0].ID] = true
				r.scenarios = append(r.scenarios, scenarioRef{ID: match[0].ID, ApprovalMode: want.ApprovalMode})
			}
		}
		return nil
	}()
	if err := errors.Join(providerErr, scenarioErr); err != nil {
		return nil, err
	}
	return r, nil
}

// resolveAll resolves every agent and reports every name the team does
// not have at once, not only the first.
func (t *team) resolveAll(ctx context.Context, f *File) ([]*resolved, error) {
	out := make([]*resolved, len(f.Agents))
	var errs []error
	for i := range f.Agents {
		r, err := t.resolve(ctx, f.Path, &f.Agents[i])
		if err != nil {
			if !errors.As(err, new(*NameError)) {
				return nil, err // a failed read: the rest would fail alike
			}
			errs = append(errs, err)
			continue
		}
		out[i] = r
	}
	return out, errors.Join(errs...)
}
