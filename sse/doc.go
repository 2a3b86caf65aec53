// Package sse runs Make's streamed agent runs (POST
// /ai-agents/v1/agents/{agentId}/run/stream) and reads their Server-Sent
// Events: each step of the agent's work arrives as a "step" event as soon as
// Make sends it.
//
//	s, err := sse.Run(ctx, client, agentID, req)
//	if err != nil { return err }
//	for ev, err := range s.All() {
//		if err != nil { return err }
//		if st, err := ev.Step(); err == nil { fmt.Println(st.Role, st.Content) }
//	}
//
// Streams are safe to stop: Close (or cancelling ctx) releases the response
// body and the decoder's goroutine. Each event is bounded in size
// (WithMaxEventSize), an optional idle timeout ends a silent stream
// (WithIdleTimeout), a stream cut in the middle of a line is an error
// wrapping io.ErrUnexpectedEOF rather than a clean end, a last event whose
// lines are complete is delivered even without its closing blank line (Make's
// documented stream ends so), and the request is never sent twice. Decoding is done by github.com/launchdarkly/eventsource's
// Decoder behind a reader that enforces these bounds. Collect and
// Accumulator fold a run's events into a Transcript with its final answer.
package sse
