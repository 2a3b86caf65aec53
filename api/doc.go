// Package api is the client for Make's AI Agents API (and the read
// operations of Make's API v2 that an agent's ids come from). New returns a Client
// with one method per operation: context first, typed arguments and
// results, error last.
//
//	client, err := api.New() // MAKE_API_TOKEN, MAKE_TEAM_ID, MAKE_ZONE (or MAKE_BASE_URL)
//	if err != nil {
//		log.Fatal(err) // a bad option or environment variable; nothing was sent
//	}
//	agents, err := client.ListAgents(ctx)
//	if err != nil {
//		log.Fatal(err) // *APIError (errors.As), *ValidationError or a network error
//	}
//	for _, a := range agents {
//		fmt.Println(a.ID, a.Name)
//	}
//
// # The client
//
// New's options: WithToken or WithOAuthToken, WithZone or WithBaseURL,
// WithTeamID, WithRetry, WithRateLimit or WithRateLimiter (MAKE_RATE_LIMIT),
// WithLogger and WithLogBodies, WithUserAgent, WithHTTPClient,
// WithRequestEditorFn, the hooks WithMiddleware and WithCallEvents (package
// otelmakeagents builds OpenTelemetry spans on them), the bounds
// WithMaxBodyBytes, WithBodyIdleTimeout, WithHeaderTimeout and
// WithRunHeaderTimeout, and WithoutEnvironment.
//
// Client's methods:
//
//	agents     ListAgents, GetAgent, CreateAgent, UpdateAgent, DeleteAgent
//	runs       RunAgent (NewRunRequest builds its body); StartRunStream,
//	           which package sse reads (sse.Run)
//	knowledge  ListContexts, AddTextContext, UploadContext, DeleteContext
//	providers  ListLLMProviders, GetLLMProvider, ListLLMProviderModels
//	discovery  ListConnections, ProviderConnections (a provider's usable
//	           connections), ListScenarios, Scenarios (every page, as an
//	           iterator), CurrentAuthorization (the token's scopes; see
//	           MissingScopes and OperationScopes)
//
// Each takes CallOptions: ForTeam, CallHeader, CallTimeout, and
// CallResponseInto for the raw *http.Response.
//
// # Errors, retries and bounds
//
// Bad input is a *ValidationError and nothing is sent; a call without a
// token fails with ErrNoToken. A non-2xx answer is an *APIError (IsNotFound,
// IsRateLimited, ...); a 2xx that is not what the operation documents is an
// *UnexpectedResponseError. RetryPolicy says what is retried: never a run
// or a create that may have reached Make. A 429 pauses every call of the
// client until its Retry-After has passed; WithRateLimit keeps the calls
// under the plan's limit so they wait their turn instead. Every read is bounded (see
// WithMaxBodyBytes); redirects are never followed; the token never appears
// in an error or a log record. New's doc shows the request pipeline.
//
// # The generated client
//
// The models and the generated client come from openapi.yaml by
// oapi-codegen. Client.Generated returns that client, the escape hatch for
// what Client's methods do not offer: the whole response of every
// operation (JSON200, Body, HTTPResponse) and ...WithBody variants that take
// the body as bytes. It goes through the same pipeline. Response structs
// hold the fields openapi.yaml declares; a field Make adds later is not in
// them but is never lost: the generated responses' Body, and
// CallResponseInto, keep the bytes as they came.
package api
