package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// FuzzAgentIDStaysInsideAgents: whatever string is passed as an agent id,
// the client either refuses it without sending or sends a request whose
// path is /api/v2/ai-agents/v1/agents/<uuid>[/run[/stream]].
func FuzzAgentIDStaysInsideAgents(f *testing.F) {
	for _, s := range []string{testAgent, "", ".", "..", "../../x", "..%2F", "%2e%2e", testAgent + "/..", "/" + testAgent, testAgent + "#", "a/b", "\x00", "..;/"} {
		f.Add(s)
	}
	const base = "https://eu1.make.com/api/v2"
	f.Fuzz(func(t *testing.T, id string) {
		var sent []string
		bottom := rtDoer(func(r *http.Request) (*http.Response, error) {
			sent = append(sent, r.URL.EscapedPath())
			return &http.Response{StatusCode: 204, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
		})
		front, err := New(WithoutEnvironment(), WithBaseURL(base), WithToken(testToken), WithTeamID(1), WithHTTPClient(bottom), WithRetry(RetryPolicy{}))
		if err != nil {
			t.Fatal(err)
		}
		c := front.Generated().ClientInterface
		ctx := context.Background()
		for _, do := range []func() (*http.Response, error){
			func() (*http.Response, error) { return c.GetAgent(ctx, id, nil) },
			func() (*http.Response, error) { return c.DeleteAgent(ctx, id, nil) },
			func() (*http.Response, error) { return c.UpdateAgent(ctx, id, nil, UpdateAgentRequest{}) },
			func() (*http.Response, error) { return c.RunAgent(ctx, id, nil, runBody()) },
			func() (*http.Response, error) { return c.RunAgentStream(ctx, id, nil, runBody()) },
		} {
			resp, err := do()
			if err == nil {
				_ = resp.Body.Close()
			}
		}
		for _, p := range sent {
			rest, ok := strings.CutPrefix(p, "/api/v2/ai-agents/v1/agents/")
			seg, sub, _ := strings.Cut(rest, "/")
			if !ok || !isUUIDShape(seg) || (sub != "" && sub != "run" && sub != "run/stream") {
				t.Fatalf("id %q was sent to %q", id, p)
			}
		}
		if len(sent) > 0 && ValidateAgentID(id) != nil {
			t.Fatalf("id %q is not a UUID but was sent", id)
		}
	})
}
