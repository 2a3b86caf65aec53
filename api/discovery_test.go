package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/makeagents/makeagents-go/api"
)

// discoveryServer answers the three discovery operations with Make's
// examples and records the request line of each request as it arrived.
func discoveryServer(t *testing.T) (*httptest.Server, func() []string) {
	t.Helper()
	var (
		mu   sync.Mutex
		seen []string
	)
	bodies := map[string]string{
		"/api/v2/connections":                    fixture(t, "connections.json"),
		"/api/v2/scenarios":                      fixture(t, "scenarios.json"),
		"/api/v2/users/me/current-authorization": fixture(t, "current-authorization.json"),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.RequestURI) // the bytes of the request line
		mu.Unlock()
		body, ok := bodies[r.URL.Path]
		if !ok {
			http.Error(w, "no route", http.StatusTeapot)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(seen)
	}
}

func discoveryClient(t *testing.T, srv *httptest.Server, opts ...api.Option) *api.Client {
	t.Helper()
	c, err := api.New(append([]api.Option{api.WithoutEnvironment(), api.WithBaseURL(srv.URL + "/api/v2"),
		api.WithToken("test-token"), api.WithTeamID(7), api.WithRetry(api.RetryPolicy{})}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The query is on the wire as Make documents it: type[]=a&type[]=b and
// pg[limit]=25, brackets literal, whether the default team was filled in
// (the query re-encoded) or the call named its team; current-authorization
// carries no teamId.
func TestDiscoveryQueryOnTheWire(t *testing.T) {
	srv, seen := discoveryServer(t)
	c := discoveryClient(t, srv)
	ctx := context.Background()
	if _, err := c.ListConnections(ctx, []string{"openai-gpt-3", "airtable2"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListConnections(ctx, []string{"openai-gpt-3"}, api.ForTeam(9)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListConnections(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListScenarios(ctx, api.ScenarioQuery{Type: api.ScenarioTypeTool, Limit: 25, Offset: 50}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListScenarios(ctx, api.ScenarioQuery{}, api.ForTeam(9)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CurrentAuthorization(ctx); err != nil {
		t.Fatal(err)
	}
	// The generated client, with its own params, goes the same way.
	limit := int64(5)
	if _, err := c.Generated().ListScenariosWithResponse(ctx, &api.ListScenariosParams{TeamID: 3, PgLimit: limit}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"GET /api/v2/connections?teamId=7&type[]=openai-gpt-3&type[]=airtable2",
		"GET /api/v2/connections?teamId=9&type[]=openai-gpt-3",
		"GET /api/v2/connections?teamId=7",
		"GET /api/v2/scenarios?pg[limit]=25&pg[offset]=50&teamId=7&type=tool",
		"GET /api/v2/scenarios?teamId=9",
		"GET /api/v2/users/me/current-authorization",
		"GET /api/v2/scenarios?teamId=3&pg[limit]=5",
	}
	if got := seen(); !slices.Equal(got, want) {
		t.Errorf("request lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Input Make would refuse, or that could smuggle another parameter, is a
// *ValidationError and nothing is sent.
func TestDiscoveryRefusesBadInput(t *testing.T) {
	srv, seen := discoveryServer(t)
	c := discoveryClient(t, srv)
	ctx := context.Background()
	for _, bad := range []string{"", "open ai", "a&teamId=1", "gpt#3", "ünicode", strings.Repeat("a", 129)} {
		if _, err := c.ListConnections(ctx, []string{"openai-gpt-3", bad}); !api.IsValidationError(err) {
			t.Errorf("type %q: err = %v, want a ValidationError", bad, err)
		}
	}
	for _, q := range []api.ScenarioQuery{{Limit: -1}, {Offset: -1}, {Type: "flow"}} {
		if _, err := c.ListScenarios(ctx, q); !api.IsValidationError(err) {
			t.Errorf("%+v: err = %v, want a ValidationError", q, err)
		}
	}
	// A zero pg[limit] is not sent (zero optional parameters are left
	// out); negative ones are refused.
	neg := int64(-3)
	for _, p := range []api.ListScenariosParams{{TeamID: 1, PgLimit: neg}, {TeamID: 1, PgOffset: neg}, {TeamID: 1, Type: "flow"}} {
		if _, err := c.Generated().ListScenariosWithResponse(ctx, &p); !api.IsValidationError(err) {
			t.Errorf("generated %+v: err = %v, want a ValidationError", p, err)
		}
	}
	if _, err := c.Generated().ListConnectionsWithResponse(ctx, &api.ListConnectionsParams{Type: []string{"x y"}}); !api.IsValidationError(err) {
		t.Errorf("generated type[] with a space: err = %v", err)
	}
	if got := seen(); len(got) != 0 {
		t.Errorf("requests were sent: %q", got)
	}
	// Without a team, discovery needs one except current-authorization.
	noTeam, err := api.New(api.WithoutEnvironment(), api.WithBaseURL(srv.URL+"/api/v2"), api.WithToken("t"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := noTeam.ListConnections(ctx, nil); !api.IsValidationError(err) {
		t.Errorf("connections without a team: %v", err)
	}
	if _, err := noTeam.CurrentAuthorization(ctx); err != nil {
		t.Errorf("current-authorization without a team: %v", err)
	}
}

func TestUpstreamDiscoveryExamplesDecode(t *testing.T) {
	var l api.ConnectionList
	mustDecode(t, fixture(t, "connections.json"), &l)
	if len(l.Connections) != 2 {
		t.Fatalf("connections = %+v", l)
	}
	a, g := l.Connections[0], l.Connections[1]
	if a.ID != 2 || a.AccountName != "airtable2" || a.AccountLabel != "Airtable" || a.Metadata != (api.ConnectionMetadata{}) || a.PackageName != "" ||
		!a.Expire.IsZero() || string(a.UID) != "null" || a.TeamID != 22 || a.ConnectedSystemID != "c5d8e134-d2f8-480d-9838-119a54f65d3e" {
		t.Errorf("airtable = %+v", a)
	}
	// A uid larger than any int64 keeps every digit.
	if string(g.UID) != "225874569526501080000" || g.Metadata.Type != "email" || g.Metadata.Value != "test@mydomain.com" ||
		g.ScopesCnt != 4 || g.AccountType != "oauth" || g.OrganizationID != 2343 {
		t.Errorf("google = %+v (uid %s)", g, g.UID)
	}
	var idName api.ConnectionList
	mustDecode(t, fixture(t, "connections-id-name.json"), &idName)
	if len(idName.Connections) != 1 || idName.Connections[0].Name != "My Airtable connection" {
		t.Errorf("id-name = %+v", idName)
	}
	var s api.ScenarioList
	mustDecode(t, fixture(t, "scenarios.json"), &s)
	sc := s.Scenarios[0]
	if len(s.Scenarios) != 1 || sc.ID != 925 || sc.Type != "scenario" || sc.Scheduling.Interval != 900 || sc.HookID != 0 ||
		sc.LastEdit.UnixMilli() != 1632292856692 || sc.CreatedByUser.Email == "" || sc.Concept || s.Pg.Limit != 10 || s.Pg.SortDir != "desc" {
		t.Errorf("scenarios = %+v", s)
	}
	var ca api.CurrentAuthorization
	mustDecode(t, fixture(t, "current-authorization.json"), &ca)
	if !slices.Equal(ca.Authorization.Scope, []string{"read:user", "write:scenario"}) || ca.Authorization.AuthUsed != "token" {
		t.Errorf("authorization = %+v", ca)
	}
}

// Nothing of Make's discovery examples is lost: decoded, re-encoded and
// compared value by value (uid compared as the raw number it is).
func TestUpstreamDiscoveryExamplesRoundTrip(t *testing.T) {
	for file, into := range map[string]func() any{
		"connections.json":           func() any { return new(api.ConnectionList) },
		"connections-id-name.json":   func() any { return new(api.ConnectionList) },
		"scenarios.json":             func() any { return new(api.ScenarioList) },
		"current-authorization.json": func() any { return new(api.CurrentAuthorization) },
	} {
		t.Run(file, func(t *testing.T) {
			original := fixture(t, file)
			typed := into()
			mustDecode(t, original, typed)
			again, err := json.Marshal(typed)
			if err != nil {
				t.Fatal(err)
			}
			var want, got any
			dec := json.NewDecoder(strings.NewReader(original))
			dec.UseNumber() // 225874569526501080000 compared digit by digit
			if err := dec.Decode(&want); err != nil {
				t.Fatal(err)
			}
			dec = json.NewDecoder(strings.NewReader(string(again)))
			dec.UseNumber()
			if err := dec.Decode(&got); err != nil {
				t.Fatal(err)
			}
			lost := diffJSON("", want, got)
			sort.Strings(lost)
			if len(lost) > 0 {
				t.Errorf("re-encoded example differs at %q\nre-encoded: %s", lost, again)
			}
		})
	}
}

func TestMissingScopes(t *testing.T) {
	for _, tc := range []struct {
		have []string
		ops  []api.OperationID
		want []string
	}{
		{[]string{"ai-agents:read", "ai-agents:write"}, []api.OperationID{api.OpCreateAgent, api.OpRunAgent, api.OpListAgents}, nil},
		{[]string{"ai-agents:read"}, []api.OperationID{api.OpCreateAgent, api.OpRunAgent, api.OpListAgents}, []string{"ai-agents:write"}},
		{nil, []api.OperationID{api.OpListConnections, api.OpListScenarios, api.OpListAgents}, []string{"ai-agents:read", "connections:read", "scenarios:read"}},
		{nil, []api.OperationID{api.OpGetCurrentAuthorization}, nil},
		{[]string{"read:user"}, []api.OperationID{api.OpListScenarios, api.OpListScenarios}, []string{"scenarios:read"}},
		// Make's current-authorization example spells scopes access first
		// (read:user); its operations resource first (user:read). Both
		// grant the same scope.
		{[]string{"read:ai-agents", "write:ai-agents", "read:connections", "scenarios:read"},
			[]api.OperationID{api.OpCreateAgent, api.OpListAgents, api.OpListConnections, api.OpListScenarios}, nil},
		{[]string{"read:ai-agents"}, []api.OperationID{api.OpCreateAgent, api.OpListAgents}, []string{"ai-agents:write"}},
	} {
		got, err := api.MissingScopes(tc.have, tc.ops...)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("MissingScopes(%q, %q) = %q, %v; want %q", tc.have, tc.ops, got, err, tc.want)
		}
	}
	// An operationId the spec does not have is an error, never "nothing
	// missing" (go doc once spelled ids two ways).
	for _, bad := range []api.OperationID{"CreateAgent", "createAgents", ""} {
		if got, err := api.MissingScopes([]string{"ai-agents:write"}, api.OpCreateAgent, bad); err == nil || got != nil {
			t.Errorf("MissingScopes with %q = %q, %v; want an error", bad, got, err)
		}
	}
	if s, ok := api.OperationScopes(api.OpCreateAgent); !ok || !slices.Equal(s, []string{"ai-agents:write"}) {
		t.Errorf("OperationScopes(createAgent) = %q, %v", s, ok)
	}
	if _, ok := api.OperationScopes("nope"); ok {
		t.Error("an unknown operation has scopes")
	}
	for in, want := range map[string]string{"read:user": "user:read", "write:scenario": "scenario:write",
		"user:read": "user:read", "read:write": "read:write", "read:": "read:", "admin": "admin"} {
		if got := api.CanonicalScope(in); got != want {
			t.Errorf("CanonicalScope(%q) = %q, want %q", in, got, want)
		}
	}
}

// A server that ignores pg[offset] cannot make the iterator loop: the
// repeated page ends the walk with an error. Cancelling ctx inside the
// loop ends it with ctx's error, with no request after the cancel.
func TestScenariosIteratorEnds(t *testing.T) {
	var mu sync.Mutex
	requests := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"scenarios":[{"id":1,"name":"a"},{"id":2,"name":"b"}]}`))
	}))
	t.Cleanup(srv.Close)
	c := discoveryClient(t, srv)
	var got []int64
	var last error
	for s, err := range c.Scenarios(context.Background(), api.ScenarioQuery{Limit: 2}) {
		if err != nil {
			last = err
			continue
		}
		got = append(got, s.ID)
	}
	if last == nil || !strings.Contains(last.Error(), "pg[offset]=2") || !slices.Equal(got, []int64{1, 2}) || requests != 2 {
		t.Errorf("ids %v, err %v, %d requests", got, last, requests)
	}

	requests = 0
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var errs []error
	for _, err := range c.Scenarios(ctx, api.ScenarioQuery{Limit: 2}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		cancel()
	}
	if len(errs) != 1 || !errors.Is(errs[0], context.Canceled) || requests != 1 {
		t.Errorf("after cancel: errors %v, %d requests (want 1)", errs, requests)
	}
}
