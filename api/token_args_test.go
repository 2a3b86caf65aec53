package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// uuidToken has the shape of a real Make token: a UUID, so it passes the
// SDK's id validation when passed by mistake as an agent or context id.
const uuidToken = "7d3c2b1a-0f9e-4d8c-b7a6-5e4f3a2b1c0d"

// A token passed by mistake as any argument of any method never appears in
// the error (its text, %+v, the fields of the SDK's error types) or the log
// records, whether it passes the argument's validation (a UUID token as an
// id reaches the server and comes back in the path) or not (quoted by the
// ValidationError).
func TestTokenPassedAsAnArgumentNeverEchoed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A server that echoes the path, as many 404 pages do.
		writeJSON(w, http.StatusNotFound, fmt.Sprintf(`{"message":"Not found","detail":"nothing at %s","code":"SC404"}`, r.URL.Path))
	}))
	defer srv.Close()
	for _, token := range []string{uuidToken, testToken} {
		lg := &logs{}
		c, err := New(WithoutEnvironment(), WithBaseURL(srv.URL+"/api/v2"), WithHTTPClient(srv.Client()),
			WithToken(token), WithTeamID(testTeam), WithRetry(RetryPolicy{}),
			WithLogger(slog.New(slog.NewJSONHandler(lg, &slog.HandlerOptions{Level: slog.LevelDebug}))), WithLogBodies(4096))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		run := RunAgentRequest{Messages: []Message{{Role: "user", Content: "hi"}}}
		calls := map[string]func() error{
			"GetAgent":       func() error { _, err := c.GetAgent(ctx, token); return err },
			"UpdateAgent":    func() error { return c.UpdateAgent(ctx, token, UpdateAgentRequest{Name: new("x")}) },
			"DeleteAgent":    func() error { return c.DeleteAgent(ctx, token) },
			"RunAgent":       func() error { _, err := c.RunAgent(ctx, token, run); return err },
			"StartRunStream": func() error { _, err := c.StartRunStream(ctx, token, run); return err },
			"ListContexts":   func() error { _, err := c.ListContexts(ctx, token); return err },
			"DeleteContext":  func() error { return c.DeleteContext(ctx, token) },
			"UploadContext agent": func() error {
				return c.UploadContext(ctx, token, "a.txt", strings.NewReader("x"))
			},
			"UploadContext file": func() error {
				return c.UploadContext(ctx, testAgent, token+".txt", strings.NewReader("x"))
			},
			"AddTextContext": func() error {
				return c.AddTextContext(ctx, CreateTextContextRequest{AgentID: token, Content: "x", Name: "n"})
			},
			"ListConnections": func() error { _, err := c.ListConnections(ctx, []string{token}); return err },
			"ProviderConnections": func() error {
				_, err := c.ProviderConnections(ctx, LLMProvider{AccountName: token})
				return err
			},
			"WithHeader name": func() error { _, err := c.ListAgents(ctx, WithHeader(token+":", "v")); return err },
			"generated GetAgent": func() error {
				_, err := c.Generated().GetAgentWithResponse(ctx, token, &GetAgentParams{TeamID: testTeam})
				return err
			},
		}
		for name, call := range calls {
			err := call()
			scanErr(err)
			if err == nil {
				t.Errorf("%s: no error", name)
				continue
			}
			for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
				if strings.Contains(text, token) {
					t.Errorf("%s (token %.4s...): the token is in the error: %s", name, token, strings.ReplaceAll(text, token, "<TOKEN>"))
				}
			}
			var apiErr *APIError
			if errors.As(err, &apiErr) && (strings.Contains(apiErr.Path, token) || strings.Contains(apiErr.Detail, token) || strings.Contains(string(apiErr.Body), token)) {
				t.Errorf("%s: the token is in the APIError's fields: path %q", name, strings.ReplaceAll(apiErr.Path, token, "<TOKEN>"))
			}
			var verr *ValidationError
			if errors.As(err, &verr) && strings.Contains(verr.Reason+verr.Field, token) {
				t.Errorf("%s: the token is in the ValidationError's fields", name)
			}
		}
		// The UUID token reaches the server as an id, so its records must
		// show it redacted (proving the scan saw it).
		if l := lg.String(); strings.Contains(l, token) || (token == uuidToken && !strings.Contains(l, "[redacted]")) {
			t.Errorf("token %.4s...: logs hold the token, or nothing was redacted: %s", token, strings.ReplaceAll(l, token, "<TOKEN>"))
		}
	}
}
