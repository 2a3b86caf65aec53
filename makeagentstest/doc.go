// Package makeagentstest is a fake of Make's AI Agents API for tests and
// demos, in the spirit of net/http/httptest: a real HTTP server on loopback
// that code under test talks to unchanged, through the api client, the sse
// reader or any HTTP client. `makeagents fake` serves the same fake to
// programs in any language.
//
//	s := makeagentstest.NewServer(t)             // closed by t.Cleanup
//	client, err := s.Client(api.WithTeamID(1))   // api.New, wired to the fake
//	agents, err := client.ListAgents(ctx)
//
// # Contract
//
// Routing and request decoding are generated from openapi.yaml (the same
// spec as the api client), and every request is validated against it: a
// request the real API would reject gets Make's 400 body ({message, code
// "SC400", detail lines, suberrors}). A server made by NewServer also checks
// every response it sends against the spec and fails the test on a
// violation, so the fake cannot drift from the contract unnoticed; faults
// injected on purpose are exempt. Every response carries the header
// HeaderName with HeaderValue ("makeagents-go/<version>").
//
// # Catalogue: providers, connections, models
//
// The same for every team (see Providers, Connections, Models):
//
//	provider 1 openAi     (accountName openai-gpt-3)     connection 1001  gpt-4.1-mini, gpt-4o, o4-mini
//	provider 2 anthropic  (accountName anthropic-claude) connection 1002  claude-3-7-sonnet-latest, claude-3-5-haiku-latest
//	provider 3 gemini     (accountName gemini-flash)     connection 1003  gemini-2.5-flash
//
// Creating an agent takes a connection id (makeConnectionId 1001-1003),
// never a provider id, and a defaultModel of that connection's provider; a
// modify's defaultModel and a run's config.llmConfig.llmModel are checked
// against the agent's provider the same way. Anything else is a 400 whose
// suberror starts with the field's name ("makeConnectionId: ...",
// "defaultModel: ..."). AddAgent stores what it is given, unchecked.
//
// # The deterministic agent
//
// A run (and a stream, event by event) answers with steps in Make's shapes:
// the system prompt with the current time, the thread's earlier messages,
// the request's messages, then an answer that quotes the last user message
// (Answer). Two things make it call a tool first:
//
//   - a last user message containing the word "scenario", when the agent (or
//     the run's config) has scenarios: it calls the first one (an assistant
//     step with a toolCalls entry, then a tool step whose result is
//     ScenarioResult);
//   - a word of four letters or more of the last user message (one of the
//     first 64 such words) that occurs in one of the agent's text contexts (a text context, or the first MiB
//     of an uploaded text file): it retrieves the line (a rag tool call
//     "knowledge") and cites it in the answer (Citation).
//
// With a make-schema output parser the answer is JSON with a value of each
// field's type, also in jsonResponse. Token usage counts words: prompt
// tokens grow with everything the model is shown. The same requests in the
// same order give the same ids and text (WithSeed picks another
// reproducible sequence; WithClock fixes the timestamps).
//
// # Threads
//
// A run without threadId starts a thread and returns its id (a UUID of the
// fake's). A run or stream with that threadId sees the thread's earlier
// iterations (their messages and answers, as steps after the system step,
// counted as prompt tokens), at most the agent's
// historyConfig.iterationsFromHistoryCount of them (default 10). As at
// Make, a caller may name a thread itself (Make's Help Center suggests a
// user id, or the timestamp of a conversation's first message): a threadId
// the team has no thread of starts one under that id, and a stream, whose
// answer does not say its thread, can so be continued. Only an empty
// threadId is refused (Make's spec: at least one character). Threads
// belong to the team, so another agent of the team may continue one.
//
// # Uploads
//
// A file upload (createContext's multipart body) of any size is accepted:
// its bytes are counted as they stream in and only the first MiB of a text
// file is kept for citing, so a 100 MiB upload costs the fake a few MiB.
// WithMaxUploadBytes brings back a 413 for tests that want one. JSON
// bodies are bounded at 8 MiB (413 beyond).
//
// # Faults
//
// From Go: FailNext(n, status, retryAfter) fails the next n requests before
// anything else happens (before authentication and any size check);
// StreamFaults applies EndStreamAfter, CutStreamMidEvent, MalformedEvent,
// OversizeEvent, StallStream or DropConnection to every following stream;
// WithRateLimit answers 429 with Retry-After once a team's minute is used.
//
// From any HTTP client: a Prefer header applies one fault to its own
// request (see PreferHeader): "Prefer: code=503", "Prefer: code=429,
// retry-after=2", "Prefer: stream=cut-after-2" (stream faults by name: end,
// cut, malformed, oversize, stall, drop, each "-after-K"). A bad Prefer is
// a 400 that says what is wrong.
//
// # Limits
//
// The fake is a server on a network, run for days: every request, connection
// and kind of state is bounded (Limits, DefaultLimits, WithLimits). Requests
// keeps the newest 10,000 requests; agents (1,000), contexts (1,000) and their
// text (256 MiB) are refused beyond their limit with Make's 400 naming it;
// threads (10,000, 64 MiB) are forgotten least recently used first; timeouts
// bound reading a request and each write of a response (a stream that keeps
// sending is never cut), idle connections close and at most 1,024 are open.
// A rejected body closes its connection, so its unread rest is never read as
// a request. Close returns at once when nothing is in flight.
//
// # Fast tests
//
// Server.Client uses FastRetryPolicy: the SDK's retry rules with waits of
// milliseconds, and no wait for a Retry-After above one second (the call
// returns the 429 at once). Pass api.WithRetry to test with other delays.
package makeagentstest
