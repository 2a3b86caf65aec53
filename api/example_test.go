package api_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/makeagents/makeagents-go/api"
)

// ExampleNew lists a team's agents. The loopback server stands in for
// Make; against Make itself, drop WithBaseURL (eu1 is the default) or pick
// a zone with WithZone, and let MAKE_API_TOKEN supply the token.
func ExampleNew() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `[{"id":"b504aa93-0752-4bf8-887e-c2c717d525bf","name":"Support triage"}]`)
	}))
	defer srv.Close()

	client, err := api.New(
		api.WithBaseURL(srv.URL+"/api/v2"), // or api.WithZone(api.ZoneUS1)
		api.WithToken("your-api-token"),    // or MAKE_API_TOKEN
		api.WithTeamID(42),                 // or MAKE_TEAM_ID; api.ForTeam(n) per call
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	agents, err := client.ListAgents(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range agents {
		fmt.Println(a.ID, a.Name)
	}
	// Output: b504aa93-0752-4bf8-887e-c2c717d525bf Support triage
}

// ExampleAPIError shows how to branch on Make's answer with errors.As.
func ExampleAPIError() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"message":"Not found","detail":"Agent does not exist.","code":"SC404"}`)
	}))
	defer srv.Close()

	client, err := api.New(api.WithoutEnvironment(), api.WithBaseURL(srv.URL), api.WithToken("your-api-token"), api.WithTeamID(42))
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = client.GetAgent(context.Background(), "b504aa93-0752-4bf8-887e-c2c717d525bf")

	var apiErr *api.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code, apiErr.Message)
	}
	fmt.Println(api.IsNotFound(err))
	fmt.Println(err)
	// Output:
	// 404 SC404 Not found
	// true
	// makeagents: GET /ai-agents/v1/agents/b504aa93-0752-4bf8-887e-c2c717d525bf: 404 Not Found: Agent does not exist. (SC404)
}

// ExampleValidationError: bad input is refused before anything is sent.
func ExampleValidationError() {
	client, err := api.New(api.WithoutEnvironment(), api.WithToken("your-api-token"), api.WithTeamID(42))
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = client.GetAgent(context.Background(), "../../x")
	fmt.Println(api.IsValidationError(err))
	fmt.Println(err)
	// Output:
	// true
	// makeagents: invalid agentId: "../../x" is not a UUID (want 8-4-4-4-12 hex digits)
}

// ExampleParseZone turns user input (a zone name or the host from the
// browser's address bar) into a Zone and its API base URL.
func ExampleParseZone() {
	for _, in := range []string{"us2", "eu1.make.celonis.com", "eu3"} {
		z, err := api.ParseZone(in)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(z, z.BaseURL())
	}
	// Output:
	// us2 https://us2.make.com/api/v2
	// celonis-eu1 https://eu1.make.celonis.com/api/v2
	// makeagents: unknown zone "eu3" (want one of eu1, eu2, us1, us2, celonis-eu1, celonis-us1, or set a base URL)
}
