package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestInvalidInputSendsNothing: each bad input fails with *ValidationError
// and the server sees no request at all.
func TestInvalidInputSendsNothing(t *testing.T) {
	ids := []string{"", "not-a-uuid", "../../x", "..", ".", "../" + testAgent, testAgent + "/../x", testAgent + "?teamId=1", testAgent + " ", strings.ToUpper(testAgent)[:35]}
	type tc struct {
		name, field string
		do          func(context.Context, *Client) error
	}
	var cases []tc
	for _, id := range ids {
		cases = append(cases,
			tc{"get " + id, "agentId", func(ctx context.Context, c *Client) error {
				_, err := c.Generated().GetAgentWithResponse(ctx, id, nil)
				return err
			}},
			tc{"delete " + id, "agentId", func(ctx context.Context, c *Client) error {
				_, err := c.Generated().DeleteAgentWithResponse(ctx, id, nil)
				return err
			}},
			tc{"update " + id, "agentId", func(ctx context.Context, c *Client) error {
				_, err := c.Generated().UpdateAgentWithResponse(ctx, id, nil, UpdateAgentRequest{})
				return err
			}},
			tc{"run " + id, "agentId", func(ctx context.Context, c *Client) error {
				_, err := c.Generated().RunAgentWithResponse(ctx, id, nil, runBody())
				return err
			}},
			tc{"stream " + id, "agentId", func(ctx context.Context, c *Client) error {
				_, err := c.Generated().RunAgentStream(ctx, id, nil, runBody())
				return err
			}})
	}
	cases = append(cases,
		tc{"negative team", "teamId", func(ctx context.Context, c *Client) error {
			_, err := c.Generated().ListAgentsWithResponse(ctx, &ListAgentsParams{TeamID: -5})
			return err
		}},
		tc{"run without messages", "messages", func(ctx context.Context, c *Client) error {
			_, err := c.Generated().RunAgentWithResponse(ctx, testAgent, nil, RunAgentRequest{})
			return err
		}},
		tc{"stream without messages", "messages", func(ctx context.Context, c *Client) error {
			_, err := c.Generated().RunAgentStream(ctx, testAgent, nil, RunAgentRequest{Messages: []Message{}})
			return err
		}},
		tc{"run with empty body", "messages", func(ctx context.Context, c *Client) error {
			_, err := c.Generated().RunAgentWithBodyWithResponse(ctx, testAgent, nil, "application/json", strings.NewReader(""))
			return err
		}},
		tc{"run with non-JSON body", "body", func(ctx context.Context, c *Client) error {
			_, err := c.Generated().RunAgentWithBodyWithResponse(ctx, testAgent, nil, "application/json", strings.NewReader("hello"))
			return err
		}},
		tc{"run with blank content", "messages[0].content", func(ctx context.Context, c *Client) error {
			_, err := c.Generated().RunAgentWithResponse(ctx, testAgent, nil, RunAgentRequest{Messages: []Message{{Role: "user", Content: "  "}}})
			return err
		}},
		tc{"create with mismatched teams", "teamId", func(ctx context.Context, c *Client) error {
			_, err := c.Generated().CreateAgentWithResponse(ctx, &CreateAgentParams{TeamID: 7}, CreateAgentRequest{Name: "x", TeamID: 8})
			return err
		}},
	)
	srv := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, `{}`) })
	c, _, _ := newTestClient(t, srv.Server)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do(context.Background(), c)
			scanErr(err)
			var v *ValidationError
			if !errors.As(err, &v) || v.Field != tc.field {
				t.Fatalf("err = %v, want a *ValidationError on %s", err, tc.field)
			}
		})
	}
	if n := srv.count(); n != 0 {
		t.Fatalf("server saw %d requests, want 0: %+v", n, srv.seen())
	}
}

// TestTeamIDRequiredWithoutDefault: with no default team, 0 and nil params
// are refused before sending.
func TestTeamIDRequiredWithoutDefault(t *testing.T) {
	srv := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, `[]`) })
	c, err := New(WithoutEnvironment(), WithToken(testToken), WithBaseURL(srv.URL), WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*ListAgentsParams{nil, {}, {TeamID: 0}} {
		_, err := c.Generated().ListAgentsWithResponse(context.Background(), p)
		scanErr(err)
		if !IsValidationError(err) || !strings.Contains(err.Error(), "teamId") {
			t.Errorf("params %+v: err = %v, want a teamId ValidationError", p, err)
		}
	}
	if srv.count() != 0 {
		t.Fatalf("server saw %d", srv.count())
	}
}

// TestPathEscapedIDStaysInsideAgents shows what the generated code does
// with "../../x" (escapes it into one segment) and that New's client still
// refuses it.
func TestPathEscapedIDStaysInsideAgents(t *testing.T) {
	req, err := newGetAgentRequest("https://eu1.make.com/api/v2/", "../../x", &GetAgentParams{TeamID: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := req.URL.EscapedPath(); got != "/api/v2/ai-agents/v1/agents/..%2F..%2Fx" {
		t.Fatalf("generated path = %q", got)
	}
	// ".." is not escaped and would climb out of /agents/ if sent.
	req, _ = newGetAgentRequest("https://eu1.make.com/api/v2/", "..", &GetAgentParams{TeamID: 1})
	if got := req.URL.EscapedPath(); got != "/api/v2/ai-agents/v1/" {
		t.Fatalf("generated path for .. = %q", got)
	}
	c, err := New(WithoutEnvironment(), WithToken(testToken), WithHTTPClient(rtDoer(func(*http.Request) (*http.Response, error) {
		t.Fatal("request sent")
		return nil, nil
	})))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"../../x", ".."} {
		_, err := c.Generated().GetAgent(context.Background(), id, &GetAgentParams{TeamID: 1})
		scanErr(err)
		if !IsValidationError(err) {
			t.Errorf("%q: err = %v, want ValidationError", id, err)
		}
	}
}

type rtDoer func(*http.Request) (*http.Response, error)

func (f rtDoer) Do(r *http.Request) (*http.Response, error) { return f(r) }

// TestValidationClosesBody keeps http.Client's contract: a refused request's
// body is closed.
func TestValidationClosesBody(t *testing.T) {
	c, err := New(WithoutEnvironment(), WithToken(testToken), WithTeamID(1), WithHTTPClient(rtDoer(func(*http.Request) (*http.Response, error) {
		t.Fatal("request sent")
		return nil, nil
	})))
	if err != nil {
		t.Fatal(err)
	}
	body := &trackedBody{Reader: strings.NewReader(`{"messages":[]}`)}
	_, err = c.Generated().RunAgentWithBodyWithResponse(context.Background(), testAgent, nil, "application/json", body)
	scanErr(err)
	if !IsValidationError(err) || !body.closed.Load() {
		t.Fatalf("err %v, closed %v; want ValidationError and a closed body", err, body.closed.Load())
	}
}

// TestTeamIDDefaults: params beat the default; the default fills 0 and nil
// params; create's body teamId follows the query (or fills it).
func TestTeamIDDefaults(t *testing.T) {
	srv := newServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			writeJSON(w, 201, `{"agentId":"`+testAgent+`"}`)
			return
		}
		writeJSON(w, 200, `[]`)
	})
	c, _, _ := newTestClient(t, srv.Server) // default team 42
	ctx := context.Background()
	steps := []func() error{
		func() error { _, err := c.Generated().ListAgentsWithResponse(ctx, nil); return err },
		func() error { _, err := c.Generated().ListAgentsWithResponse(ctx, &ListAgentsParams{}); return err },
		func() error {
			_, err := c.Generated().ListAgentsWithResponse(ctx, &ListAgentsParams{TeamID: 7})
			return err
		},
		func() error {
			_, err := c.Generated().CreateAgentWithResponse(ctx, nil, CreateAgentRequest{Name: "a"})
			return err
		},
		func() error {
			_, err := c.Generated().CreateAgentWithResponse(ctx, &CreateAgentParams{TeamID: 9}, CreateAgentRequest{Name: "b"})
			return err
		},
		func() error {
			_, err := c.Generated().CreateAgentWithResponse(ctx, nil, CreateAgentRequest{Name: "c", TeamID: 5})
			return err
		},
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	wantQuery := []string{"teamId=42", "teamId=42", "teamId=7", "teamId=42", "teamId=9", "teamId=5"}
	hits := srv.seen()
	for i, h := range hits {
		if h.Query != wantQuery[i] {
			t.Errorf("request %d query %q, want %q", i, h.Query, wantQuery[i])
		}
		if h.Method == http.MethodPost {
			var body struct {
				TeamID int64  `json:"teamId"`
				Name   string `json:"name"`
			}
			if err := json.Unmarshal(h.Body, &body); err != nil {
				t.Fatal(err)
			}
			if "teamId="+strconv.FormatInt(body.TeamID, 10) != h.Query || body.Name == "" {
				t.Errorf("request %d body teamId %d (name %q), want the query's %s", i, body.TeamID, body.Name, h.Query)
			}
		}
	}
}

func TestValidateHelpers(t *testing.T) {
	for _, id := range []string{testAgent, strings.ToUpper(testAgent), "00000000-0000-0000-0000-000000000000"} {
		if err := ValidateAgentID(id); err != nil {
			t.Errorf("%q: %v", id, err)
		}
	}
	for _, id := range []string{"", "x", testAgent + "0", "3f2b1c4d_5e6f-4a7b-8c9d-0e1f2a3b4c5d", "3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5g"} {
		if err := ValidateAgentID(id); !IsValidationError(err) {
			t.Errorf("%q accepted", id)
		}
	}
	if err := ValidateRunRequest(RunAgentRequest{Messages: []Message{{Content: "x"}}}); err == nil || !strings.Contains(err.Error(), "role") {
		t.Errorf("missing role: %v", err)
	}
}
