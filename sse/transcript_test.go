package sse_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/makeagents/makeagents-go/sse"
)

func stepEvent(id, role, content, iteration string) string {
	return fmt.Sprintf("event: step\nid: ev-%s\ndata: {\"role\":%q,\"content\":%q,\"id\":%q,\"agentIterationId\":%q}\n\n",
		id, role, content, id, iteration)
}

// Two iterations interleaved, an unknown event in between: Collect keeps
// every step in order, groups them by iteration in first-seen order, keeps
// the unknown event and finds the last assistant message.
func TestCollectFoldsATranscript(t *testing.T) {
	srv := newSSEServer(t, func(w io.Writer, r *http.Request) {
		writeString(w, stepEvent("1", "system", "be brief", "it-A"))
		writeString(w, stepEvent("2", "user", "weather?", "it-A"))
		writeString(w, stepEvent("3", "assistant", "checking", "it-B"))
		writeString(w, "event: usage\ndata: {\"tokens\":12}\n\n")
		writeString(w, stepEvent("4", "tool", "{\"temp\":21}", "it-A"))
		writeString(w, stepEvent("5", "assistant", "21 degrees", "it-A"))
		writeString(w, stepEvent("6", "user", "thanks", "it-B"))
	})
	tr, err := sse.Collect(srv.run(t, context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range tr.Steps {
		ids = append(ids, s.ID)
	}
	if got := strings.Join(ids, ","); got != "1,2,3,4,5,6" {
		t.Errorf("steps = %s", got)
	}
	var groups []string
	for _, it := range tr.Iterations {
		var g []string
		for _, s := range it.Steps {
			g = append(g, s.ID)
		}
		groups = append(groups, it.ID+":"+strings.Join(g, ","))
	}
	if got := strings.Join(groups, " "); got != "it-A:1,2,4,5 it-B:3,6" {
		t.Errorf("iterations = %s", got)
	}
	if len(tr.Other) != 1 || tr.Other[0].Type != "usage" {
		t.Errorf("other = %+v", tr.Other)
	}
	if got := tr.FinalAnswer(); got != "21 degrees" {
		t.Errorf("FinalAnswer = %q", got)
	}
}

// Tool calls, tool responses and per-step token usage are reachable from
// the transcript, and Usage sums what the steps report.
func TestTranscriptToolsAndUsage(t *testing.T) {
	var a sse.Accumulator
	for _, data := range []string{
		`{"role":"user","content":"weather?"}`,
		`{"role":"assistant","content":"","tokenUsage":{"promptTokens":10,"completionTokens":1,"totalTokens":11},` +
			`"toolCalls":[{"id":"c1","name":"Get weather","toolType":"scenario","arguments":{"city":"Prague"}}]}`,
		`{"role":"tool","content":"{\"t\":21}","toolResponse":{"name":"Get weather","result":{"t":21},"status":"ok","toolType":"scenario"}}`,
		`{"role":"assistant","content":"21 degrees","tokenUsage":{"promptTokens":20,"completionTokens":3,"totalTokens":23}}`,
		`{"role":"assistant","content":"odd usage","tokenUsage":"n/a"}`,
	} {
		if err := a.Add(sse.Event{Type: "step", Data: []byte(data)}); err != nil {
			t.Fatal(err)
		}
	}
	tr := a.Transcript()
	if calls := tr.ToolCalls(); len(calls) != 1 || calls[0].Name != "Get weather" || calls[0].Arguments["city"] != "Prague" {
		t.Errorf("ToolCalls = %+v", calls)
	}
	if rs := tr.ToolResponses(); len(rs) != 1 || rs[0].Status != "ok" || rs[0].Result.(map[string]any)["t"] != 21.0 {
		t.Errorf("ToolResponses = %+v", rs)
	}
	if u := tr.Usage(); u.PromptTokens != 30 || u.CompletionTokens != 4 || u.TotalTokens != 34 {
		t.Errorf("Usage = %d/%d/%d, want 30/4/34", u.PromptTokens, u.CompletionTokens, u.TotalTokens)
	}
}

func TestCollectReturnsPartialTranscriptWithError(t *testing.T) {
	srv := newSSEServer(t, func(w io.Writer, r *http.Request) {
		writeString(w, stepEvent("1", "assistant", "partial answer", "it"))
		writeString(w, "event: step\ndata: {\"role\":")
	})
	tr, err := sse.Collect(srv.run(t, context.Background()))
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want io.ErrUnexpectedEOF", err)
	}
	if len(tr.Steps) != 1 || tr.FinalAnswer() != "partial answer" {
		t.Fatalf("transcript = %+v", tr)
	}
}

func TestAccumulator(t *testing.T) {
	var a sse.Accumulator
	if got := a.Transcript().FinalAnswer(); got != "" {
		t.Fatalf("empty FinalAnswer = %q", got)
	}
	if err := a.Add(sse.Event{Type: "step", Data: []byte(`{"role":"assistant","content":"one","id":"1","agentIterationId":"x"}`)}); err != nil {
		t.Fatal(err)
	}
	snap := a.Transcript()
	if err := a.Add(sse.Event{Type: "step", Data: []byte(`{"role":"assistant","content":"two","id":"2","agentIterationId":"x"}`)}); err != nil {
		t.Fatal(err)
	}
	if snap.FinalAnswer() != "one" || len(snap.Iterations[0].Steps) != 1 {
		t.Errorf("an earlier Transcript changed when more was added: %+v", snap)
	}
	if got := a.Transcript().FinalAnswer(); got != "two" {
		t.Errorf("FinalAnswer = %q, want two", got)
	}
	if err := a.Add(sse.Event{Type: "step", Data: []byte(`not json`)}); err == nil {
		t.Error("a step event with bad data was accepted")
	}
	var se *sse.ServerError
	if err := a.Add(sse.Event{Type: "error", Data: []byte(`{"message":"m"}`)}); !errors.As(err, &se) || se.Message != "m" {
		t.Errorf("error event: err = %v", err)
	}
	if n := len(a.Transcript().Steps); n != 2 {
		t.Errorf("%d steps, want 2 (bad events are not added)", n)
	}
}
