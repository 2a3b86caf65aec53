package makeagentstest

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/internal/spec"
	"github.com/makeagents/makeagents-go/makeagentstest/internal/fakeapi"
)

// The discovery reads of Make API v2 that setting up an agent needs:
// the team's connections (each LLM provider's connection from the
// catalogue, plus connections of other apps, so a client has to filter),
// its scenarios (some of type tool, over several pages) and the token's
// scopes.

// AllScopes are the scopes a fake token has unless WithScopes says
// otherwise: every scope an operation of openapi.yaml names.
var AllScopes = []string{"ai-agents:read", "ai-agents:write", "connections:read", "scenarios:read"}

// WithScopes sets the scopes of the server's token: what
// getCurrentAuthorization reports, and what the server enforces (an
// operation whose x-makeagents-scopes the token lacks is answered 403
// Permission denied, which, as Make's, does not say which scope is missing).
// Default: AllScopes. WithScopes() with no scope leaves the token none.
func WithScopes(scopes ...string) Option {
	return func(c *config) { c.scopes = slices.Clone(scopes); c.scopesSet = true }
}

// Scopes returns the scopes of the server's token.
func (s *Server) Scopes() []string {
	if !s.cfg.scopesSet {
		return slices.Clone(AllScopes)
	}
	return slices.Clone(s.cfg.scopes)
}

// DefaultScenarioPageSize is the page size listScenarios uses without
// pg[limit], as Make's example echoes it (limit 10).
const DefaultScenarioPageSize = 10

// otherConnections are connections of apps that are no LLM provider: a
// connection list is more than the providers' connections.
var otherConnections = []struct {
	id                             int64
	name, account, label, authType string
}{
	{2001, "My Google connection", "google", "Google", "oauth"},
	{2002, "Slack workspace", "slack", "Slack", "oauth"},
}

// connections returns the team's connections sorted by name, as Make
// sorts them.
func connections(team int64) []fakeapi.Connection {
	var out []fakeapi.Connection
	add := func(id int64, name, account, label, authType string) {
		out = append(out, fakeapi.Connection{
			ID: id, Name: name, AccountName: account, AccountLabel: &label, AccountType: &authType,
			TeamID: &team, Scoped: new(true), Editable: new(false), Upgradeable: new(false), ScopesCnt: new(int64(0)),
		})
	}
	for _, e := range catalogue {
		label := string(e.provider.Provider)
		add(e.connectionID, fmt.Sprintf("%s connection", e.provider.AccountName), e.provider.AccountName, label, "basic")
	}
	for _, c := range otherConnections {
		add(c.id, c.name, c.account, c.label, c.authType)
	}
	slices.SortFunc(out, func(a, b fakeapi.Connection) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// scenarioCount is how many scenarios every team has: 23, every third a
// tool, so a full listing takes three pages at the default page size.
const scenarioCount = 23

// scenarios returns the team's scenarios, ids 101 to 123.
func scenarios(team int64) []fakeapi.Scenario {
	edited := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	out := make([]fakeapi.Scenario, 0, scenarioCount)
	for i := range scenarioCount {
		id := int64(101 + i)
		kind, sched, name, desc := "scenario", "indefinitely", fmt.Sprintf("Sync %d", id), "Runs on a schedule."
		if i%3 == 0 {
			kind, sched, name, desc = "tool", "on-demand", fmt.Sprintf("Tool %d: look up an order", id), "An on-demand scenario an agent can call."
		}
		scheduling := &fakeapi.ScenarioScheduling{Type: &sched}
		if sched == "indefinitely" {
			scheduling.Interval = new(int64(900))
		}
		at := edited.Add(time.Duration(i) * time.Hour)
		out = append(out, fakeapi.Scenario{
			ID: id, Name: name, TeamID: &team, Description: &desc, Type: &kind,
			IsActive: new(true), IsPaused: new(false), Isinvalid: new(false), Islocked: new(false),
			Concept: new(false), UsedPackages: []string{"json"}, LastEdit: &at, Created: &at,
			Scheduling: scheduling,
		})
	}
	return out
}

// scenarioToolName is the name a run's tool call gives a scenario: its
// name in the team's scenario list when the fake lists it (as Make names a
// scenario tool after its scenario), else "Scenario ID".
func scenarioToolName(team, id int64) string {
	if i := id - 101; i >= 0 && i < scenarioCount {
		return scenarios(team)[i].Name
	}
	return fmt.Sprintf("Scenario %d", id)
}

func (h handlers) ListConnections(_ context.Context, req fakeapi.ListConnectionsRequestObject) (fakeapi.ListConnectionsResponseObject, error) {
	all := connections(req.Params.TeamID)
	if len(req.Params.Type) > 0 {
		all = slices.DeleteFunc(all, func(c fakeapi.Connection) bool { return !slices.Contains(req.Params.Type, c.AccountName) })
	}
	return fakeapi.ListConnections200JSONResponse{Connections: nonNil(all)}, nil
}

// ListScenarios answers one page: pg[offset] and pg[limit] (default
// DefaultScenarioPageSize), sorted by pg[sortBy] id or name (default id)
// in pg[sortDir] (default desc), filtered by type.
func (h handlers) ListScenarios(_ context.Context, req fakeapi.ListScenariosRequestObject) (fakeapi.ListScenariosResponseObject, error) {
	p := req.Params
	all := scenarios(p.TeamID)
	if p.Type != nil {
		all = slices.DeleteFunc(all, func(s fakeapi.Scenario) bool { return *s.Type != string(*p.Type) })
	}
	sortBy, sortDir := "id", "desc"
	if p.PgSortBy != nil && *p.PgSortBy == fakeapi.ListScenariosParamsPgSortByName {
		sortBy = "name"
	}
	if p.PgSortDir != nil {
		sortDir = string(*p.PgSortDir)
	}
	slices.SortFunc(all, func(a, b fakeapi.Scenario) int {
		c := cmp.Compare(a.ID, b.ID)
		if sortBy == "name" {
			c = cmp.Compare(a.Name, b.Name)
		}
		if sortDir == "desc" {
			c = -c
		}
		return c
	})
	offset, limit := int64(0), int64(DefaultScenarioPageSize)
	if p.PgOffset != nil {
		offset = *p.PgOffset
	}
	if p.PgLimit != nil {
		limit = *p.PgLimit
	}
	page := []fakeapi.Scenario{}
	if offset < int64(len(all)) {
		page = all[offset:min(int64(len(all)), offset+limit)]
	}
	return fakeapi.ListScenarios200JSONResponse{
		Scenarios: page,
		Pg:        fakeapi.Pagination{SortBy: &sortBy, SortDir: &sortDir, Offset: &offset, Limit: &limit},
	}, nil
}

func (h handlers) GetCurrentAuthorization(ctx context.Context, _ fakeapi.GetCurrentAuthorizationRequestObject) (fakeapi.GetCurrentAuthorizationResponseObject, error) {
	used := "token"
	return fakeapi.GetCurrentAuthorization200JSONResponse{Authorization: fakeapi.Authorization{Scope: nonNil(h.s.scopesOf(exchangeOf(ctx))), AuthUsed: &used}}, nil
}

// scopesOf is the token's scopes for one request: a Prefer header's
// scopes=, else the server's.
func (s *Server) scopesOf(ex *exchange) []string {
	if ex != nil && ex.scopes != nil {
		return ex.scopes
	}
	return s.Scopes()
}

// enforceScopes answers 403 to a request whose operation needs a scope the
// token lacks (WithScopes). Make's 403 does not name the scope; neither
// does the fake's.
func (s *Server) enforceScopes(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ex := exchangeOf(r.Context())
		have := s.scopesOf(ex)
		if op := ex.op; op != nil {
			for _, need := range op.Scopes() {
				// Either spelling grants a scope (read:user as Make's
				// example, user:read as its operations), as in the SDK.
				if !slices.ContainsFunc(have, func(h string) bool { return api.CanonicalScope(h) == api.CanonicalScope(need) }) {
					writeError(w, http.StatusForbidden, makeError("Permission denied", "Access denied.", "SC403"), nil)
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// teamless reports whether op takes no teamId (team access does not apply).
func teamless(op *spec.Operation) bool { return op != nil && op.Teamless() }
