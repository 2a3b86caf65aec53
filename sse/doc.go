// Package sse runs Make's streamed agent runs (POST
// /ai-agents/v1/agents/{agentId}/run/stream) and reads their Server-Sent
// Events: each step of the agent's work arrives as a "step" event as soon as
// Make sends it.
//
//	s, err := sse.Run(ctx, client, agentID, api.NewRunRequest("Hello!")) // client from api.New
//	if err != nil { return err }
//	for step, err := range s.Steps() {
//		if err != nil { return err }
//		fmt.Println(step.Role, step.Content)
//	}
//	fmt.Println(s.Transcript().FinalAnswer())
//
// Streams are safe to stop: Close (or cancelling ctx) releases the response
// body and the decoder's goroutine. Each event is bounded in size
// (WithMaxEventSize), an optional idle timeout ends a silent stream
// (WithIdleTimeout), a stream cut in the middle of a line is an error
// wrapping io.ErrUnexpectedEOF rather than a clean end, a last event whose
// lines are complete is delivered even without its closing blank line (Make's
// documented stream ends so), and the request is never sent twice. Decoding is done by github.com/launchdarkly/eventsource's
// Decoder behind a reader that enforces these bounds. Steps yields the
// steps and keeps the Transcript (final answer, usage); All yields every
// event; Collect and Accumulator fold events into a Transcript too.
package sse
