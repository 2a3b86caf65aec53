// Package api is the typed client for Make's AI Agents API: the models and
// calls of all thirteen operations (agents, runs, knowledge contexts, LLM
// providers), generated from openapi.yaml, plus the hand-written layer that
// makes them safe to use: New, zones, auth, typed errors (*APIError),
// retries that never repeat a run, bounded reads and timeouts, logging,
// input validation, and UploadContext for streaming a file to an agent.
//
//	client, err := api.New(api.WithZone(api.ZoneEU1), api.WithTeamID(42)) // token from MAKE_API_TOKEN
//	if err != nil {
//		log.Fatal(err) // a bad option or environment variable; nothing was sent
//	}
//	res, err := client.ListAgentsWithResponse(ctx, nil)
//	if err != nil {
//		log.Fatal(err) // *APIError (use errors.As), *ValidationError or a network error
//	}
//	for _, a := range *res.JSON200 { // never nil when err is nil
//		fmt.Println(a.ID, a.Name)
//	}
//
// Response structs hold the fields openapi.yaml declares; a field Make adds
// later is not in them but is never lost: res.Body is the body as it came.
// See New for the request pipeline every call goes through and RetryPolicy
// for what is retried and what never is.
package api
