package sse_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/makeagents/makeagents-go/sse"
)

// Steps yields the steps as they arrive, keeps the other events, and
// Transcript has the whole run: final answer, iterations and usage.
func TestStepsAndTranscript(t *testing.T) {
	srv := newSSEServer(t, func(w io.Writer, _ *http.Request) {
		_, _ = io.WriteString(w, "event: step\ndata: {\"role\":\"user\",\"content\":\"hi\",\"agentIterationId\":\"i1\"}\n\n")
		_, _ = io.WriteString(w, "event: progress\ndata: 50\n\n")
		_, _ = io.WriteString(w, "event: step\ndata: {\"role\":\"assistant\",\"content\":\"hello\",\"agentIterationId\":\"i1\",\"tokenUsage\":{\"promptTokens\":3,\"completionTokens\":2,\"totalTokens\":5}}\n\n")
	})
	st := srv.run(t, context.Background())
	var roles []string
	for step, err := range st.Steps() {
		if err != nil {
			t.Fatal(err)
		}
		roles = append(roles, string(step.Role)+":"+step.Content)
	}
	if len(roles) != 2 || roles[0] != "user:hi" || roles[1] != "assistant:hello" {
		t.Fatalf("steps %q", roles)
	}
	tr := st.Transcript()
	if tr.FinalAnswer() != "hello" || len(tr.Iterations) != 1 || len(tr.Other) != 1 || tr.Usage().TotalTokens != 5 {
		t.Errorf("transcript: answer %q, %d iterations, %d other, usage %d", tr.FinalAnswer(), len(tr.Iterations), len(tr.Other), tr.Usage().TotalTokens)
	}
}

// Make's error event ends Steps with its *ServerError; leaving the loop
// early closes the stream.
func TestStepsErrorAndEarlyBreak(t *testing.T) {
	srv := newSSEServer(t, func(w io.Writer, _ *http.Request) {
		_, _ = io.WriteString(w, "event: step\ndata: {\"role\":\"user\",\"content\":\"hi\"}\n\n")
		_, _ = io.WriteString(w, "event: error\ndata: {\"message\":\"boom\"}\n\n")
	})
	var got error
	for _, err := range srv.run(t, context.Background()).Steps() {
		got = err
	}
	var se *sse.ServerError
	if !errors.As(got, &se) || se.Message != "boom" {
		t.Fatalf("err = %v, want the *ServerError", got)
	}

	srv = newSSEServer(t, func(w io.Writer, r *http.Request) {
		_, _ = io.WriteString(w, "event: step\ndata: {\"role\":\"user\",\"content\":\"hi\"}\n\n")
		<-r.Context().Done() // the rest never comes: only Close ends it
	})
	st := srv.run(t, context.Background())
	for range st.Steps() {
		break
	}
	if err := st.Err(); !errors.Is(err, sse.ErrClosed) {
		t.Errorf("after an early break: Err = %v, want ErrClosed", err)
	}
}
