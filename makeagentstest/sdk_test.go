package makeagentstest_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
)

// TestSDKAgainstInjectedFailures: the SDK's own client (api.New) reads the
// fake's injected failures as Make's: a GET is retried past a 503, a create
// is not repeated after one, and the 429's Retry-After reaches *APIError.
func TestSDKAgainstInjectedFailures(t *testing.T) {
	s := makeagentstest.NewServer(t)
	hc := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	c, err := api.New(api.WithoutEnvironment(), api.WithBaseURL(s.URL()), api.WithToken(s.Token()), api.WithTeamID(team),
		api.WithHTTPClient(hc), api.WithRetry(api.RetryPolicy{MaxRetries: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	s.FailNext(1, http.StatusServiceUnavailable, 0)
	if _, err := c.Generated().ListAgentsWithResponse(ctx, &api.ListAgentsParams{TeamID: team}); err != nil {
		t.Fatalf("list after one 503: %v (a GET should be retried)", err)
	}

	s.FailNext(1, http.StatusServiceUnavailable, 0)
	_, err = c.Generated().CreateAgentWithResponse(ctx, &api.CreateAgentParams{TeamID: team}, api.CreateAgentRequest{
		Name: "n", TeamID: team, MakeConnectionID: 1, DefaultModel: "m", SystemPrompt: "p",
	})
	var apiErr *api.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusServiceUnavailable || apiErr.Code != "SC503" {
		t.Fatalf("create after a 503: %v, want *APIError 503 SC503", err)
	}

	s.FailNext(3, http.StatusTooManyRequests, 2*time.Second)
	c2, err := api.New(api.WithoutEnvironment(), api.WithBaseURL(s.URL()), api.WithToken(s.Token()),
		api.WithHTTPClient(hc), api.WithRetry(api.RetryPolicy{MaxRetries: 0}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c2.Generated().ListAgentsWithResponse(ctx, &api.ListAgentsParams{TeamID: team})
	if !api.IsRateLimited(err) || !errors.As(err, &apiErr) || apiErr.RetryAfter != 2*time.Second {
		t.Fatalf("429: %v, want a rate-limit *APIError with RetryAfter 2s", err)
	}

	var ops []string
	for _, r := range s.Requests() {
		ops = append(ops, r.Method)
	}
	if want := "GET GET POST GET"; strings.Join(ops, " ") != want {
		t.Errorf("requests %v, want %s (the POST was not repeated)", ops, want)
	}
}
