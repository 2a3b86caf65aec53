package api

import (
	"context"
	"iter"
	"net/http"
	"slices"
)

// Discovery: the Make API v2 reads that setting up an agent needs. An
// agent's makeConnectionId is the id of a connection of its LLM provider
// (ProviderConnections), its tools are scenarios of type tool
// (Scenarios with ScenarioQuery{Type: ScenarioTypeTool}), and
// what a token may do is its scopes (CurrentAuthorization, MissingScopes).

// ListConnections returns the team's connections, sorted by name, of the
// given types only when types is not empty (type[]: a connection's
// AccountName, e.g. an LLM provider's "openai-gpt-3"). Each type is
// checked with ValidateConnectionType before anything is sent.
func (c *Client) ListConnections(ctx context.Context, types []string, opts ...CallOption) ([]Connection, error) {
	for _, t := range types {
		if err := ValidateConnectionType(t); err != nil {
			return nil, err
		}
	}
	res, err := send(ctx, c, OpListConnections, opts, nil, func(team TeamID) (*http.Request, error) {
		return newListConnectionsRequest(c.server, &ListConnectionsParams{TeamID: team, Type: types})
	}, parseListConnectionsResponse)
	if err != nil {
		return nil, err
	}
	return res.JSON200.Connections, nil
}

// ProviderConnections answers "which connections can this provider use":
// the team's connections whose type is the provider's AccountName, the
// makeConnectionId values an agent on that provider can be created with.
func (c *Client) ProviderConnections(ctx context.Context, provider LLMProvider, opts ...CallOption) ([]Connection, error) {
	if provider.AccountName == "" {
		return nil, &ValidationError{Field: "accountName", Reason: "the provider has no accountName (its connection type); pass one from ListLLMProviders"}
	}
	all, err := c.ListConnections(ctx, []string{provider.AccountName}, opts...)
	if err != nil {
		return nil, err
	}
	// Make filters by type[]; filter again so a server that ignores the
	// filter cannot hand out another app's connection.
	return slices.DeleteFunc(all, func(k Connection) bool { return k.AccountName != provider.AccountName }), nil
}

// ScenarioQuery selects scenarios for ListScenarios and Scenarios.
type ScenarioQuery struct {
	// Type limits the scenarios to one type: ScenarioTypeTool for those an
	// agent can call. Empty: every scenario.
	Type ScenarioType
	// Limit is the page size (pg[limit]); 0 leaves it to Make.
	Limit int64
	// Offset is where the first page starts (pg[offset]).
	Offset int64
}

func (q ScenarioQuery) params(team TeamID) *ListScenariosParams {
	// Zero fields are not sent (the generated builder leaves zero optional
	// parameters out).
	return &ListScenariosParams{TeamID: team, Type: q.Type, PgLimit: q.Limit, PgOffset: q.Offset}
}

func (q ScenarioQuery) validate() error {
	if q.Type != "" && !validScenarioType(q.Type) {
		return &ValidationError{Field: "type", Reason: `use "scenario" or "tool"`}
	}
	if q.Limit < 0 {
		return &ValidationError{Field: "pg[limit]", Reason: "negative; use a page size of at least 1, or 0 for Make's default"}
	}
	if q.Offset < 0 {
		return &ValidationError{Field: "pg[offset]", Reason: "negative"}
	}
	return nil
}

// ListScenarios returns one page of the team's scenarios, as Make cut it
// (Pg says how). Scenarios walks every page.
func (c *Client) ListScenarios(ctx context.Context, q ScenarioQuery, opts ...CallOption) (*ScenarioList, error) {
	if err := q.validate(); err != nil {
		return nil, err
	}
	res, err := send(ctx, c, OpListScenarios, opts, nil, func(team TeamID) (*http.Request, error) {
		return newListScenariosRequest(c.server, q.params(team))
	}, parseListScenariosResponse)
	if err != nil {
		return nil, err
	}
	return res.JSON200, nil
}

// Scenarios iterates over all the team's scenarios that q selects, page by
// page from q.Offset, requesting the next page only when the loop has used
// the previous one: breaking out of the loop stops the requests. An error
// (ctx's included) is yielded once, with a zero Scenario, and ends the
// iteration.
//
//	for s, err := range client.Scenarios(ctx, api.ScenarioQuery{Type: api.ScenarioTypeTool}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(s.ID, s.Name)
//	}
//
// A page shorter than the page size (q.Limit, else the limit Make echoes
// in pg) is the last; without either, an empty page is. A server that
// answers the same page again for the next offset ends the walk with an
// error rather than a loop.
func (c *Client) Scenarios(ctx context.Context, q ScenarioQuery, opts ...CallOption) iter.Seq2[Scenario, error] {
	return func(yield func(Scenario, error) bool) {
		var prevFirst int64
		for page := 0; ; page++ {
			if err := ctx.Err(); err != nil {
				yield(Scenario{}, err)
				return
			}
			list, err := c.ListScenarios(ctx, q, opts...)
			if err != nil {
				yield(Scenario{}, err)
				return
			}
			got := list.Scenarios
			if len(got) == 0 {
				return
			}
			if page > 0 && got[0].ID == prevFirst {
				yield(Scenario{}, errorf("listScenarios: pg[offset]=%d answered the page before it again; stopping", q.Offset))
				return
			}
			prevFirst = got[0].ID
			for _, s := range got {
				if !yield(s, nil) {
					return
				}
			}
			size := q.Limit
			if size == 0 && list.Pg != nil {
				size = list.Pg.Limit
			}
			if size > 0 && int64(len(got)) < size {
				return
			}
			q.Offset += int64(len(got))
		}
	}
}

// CurrentAuthorization returns the authorization the client's token has:
// its scopes (Scope) and how it authenticated (AuthUsed). It needs no
// scope and no team. MissingScopes compares the scopes with what
// operations need.
func (c *Client) CurrentAuthorization(ctx context.Context, opts ...CallOption) (*Authorization, error) {
	res, err := send(ctx, c, OpGetCurrentAuthorization, opts, nil, func(TeamID) (*http.Request, error) {
		return newGetCurrentAuthorizationRequest(c.server)
	}, parseGetCurrentAuthorizationResponse)
	if err != nil {
		return nil, err
	}
	return &res.JSON200.Authorization, nil
}
