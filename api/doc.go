// Package api is the typed client for Make's AI Agents API: the models and
// calls generated from openapi.yaml, plus the hand-written layer that makes
// them safe to use: New, zones, auth, typed errors (*APIError), retries that
// never repeat a run, timeouts, logging and input validation.
//
//	client, err := api.New(api.WithZone(api.ZoneEU1), api.WithTeamID(42)) // token from MAKE_API_TOKEN
//	res, err := client.ListAgentsWithResponse(ctx, nil)
//	var apiErr *api.APIError
//	if errors.As(err, &apiErr) { log.Fatal(apiErr.StatusCode, apiErr.Message) }
//	for _, a := range *res.JSON200 { fmt.Println(a.ID, a.Name) }
//
// See New for the request pipeline every call goes through and RetryPolicy
// for what is retried and what never is.
package api
