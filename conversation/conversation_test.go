package conversation_test

import (
	"context"
	"regexp"
	"testing"

	"go.uber.org/goleak"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/conversation"
	"github.com/makeagents/makeagents-go/makeagentstest"
	"github.com/makeagents/makeagents-go/sse"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func setup(t *testing.T) (*makeagentstest.Server, *api.Client, string) {
	t.Helper()
	srv := makeagentstest.NewServer(t)
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	a := srv.AddAgent(1, api.Agent{Name: "host", SystemPrompt: "Be brief.", DefaultModel: "gpt-4.1-mini"})
	return srv, c, a.ID
}

func TestTwoTurnsShareOneThread(t *testing.T) {
	_, c, agent := setup(t)
	conv := conversation.New(c, agent, conversation.WithTeamID(1))
	if conv.ThreadID() != "" {
		t.Fatalf("thread before the first turn: %q", conv.ThreadID())
	}
	first, err := conv.Send(context.Background(), "My name is Ada.")
	if err != nil {
		t.Fatal(err)
	}
	if first.ThreadID == "" || conv.ThreadID() != first.ThreadID {
		t.Fatalf("thread after the first turn %q, answer's %q", conv.ThreadID(), first.ThreadID)
	}
	second, err := conv.Send(context.Background(), "What is my name?")
	if err != nil {
		t.Fatal(err)
	}
	// The fake answers in the thread the request named, so an equal id
	// proves the second request carried the first's thread.
	if second.ThreadID != first.ThreadID {
		t.Errorf("second turn in thread %q, first in %q", second.ThreadID, first.ThreadID)
	}
	// The second turn sees the first: the stateful fake sends the thread's
	// history to its model, so the prompt grows.
	if p1, p2 := first.TokenUsageSummary.PromptTokens, second.TokenUsageSummary.PromptTokens; p2 <= p1 {
		t.Errorf("prompt tokens: first turn %d, second %d; want the second to see the first", p1, p2)
	}

	// A streamed turn continues the same thread.
	s, err := conv.Stream(context.Background(), "And now streamed?")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := sse.Collect(s)
	if err != nil {
		t.Fatal(err)
	}
	if tr.FinalAnswer() == "" || conv.ThreadID() != first.ThreadID {
		t.Errorf("streamed turn: answer %q, thread %q, want %q", tr.FinalAnswer(), conv.ThreadID(), first.ThreadID)
	}
}

func TestAStreamFirstNamesTheThread(t *testing.T) {
	_, c, agent := setup(t)
	conv := conversation.New(c, agent, conversation.WithTeamID(1))
	s, err := conv.Stream(context.Background(), "Hello")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sse.Collect(s); err != nil {
		t.Fatal(err)
	}
	thread := conv.ThreadID()
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(thread) {
		t.Fatalf("thread %q is not a v4 UUID", thread)
	}
	res, err := conv.Send(context.Background(), "Again")
	if err != nil {
		t.Fatal(err)
	}
	if res.ThreadID != thread {
		t.Errorf("run after the stream in thread %q, want %q", res.ThreadID, thread)
	}
}

func TestWithThreadResumes(t *testing.T) {
	_, c, agent := setup(t)
	const thread = "0b1c2d3e-0000-4000-8000-000000000001"
	res, err := conversation.New(c, agent, conversation.WithTeamID(1), conversation.WithThread(thread)).Send(context.Background(), "Hi")
	if err != nil {
		t.Fatal(err)
	}
	if res.ThreadID != thread {
		t.Errorf("thread %q, want %q", res.ThreadID, thread)
	}
}

func TestAFailedFirstTurnLeavesNoThread(t *testing.T) {
	_, c, _ := setup(t)
	conv := conversation.New(c, "0b1c2d3e-0000-4000-8000-00000000dead", conversation.WithTeamID(1))
	if _, err := conv.Send(context.Background(), "Hi"); !api.IsNotFound(err) {
		t.Fatalf("err %v, want not found", err)
	}
	if conv.ThreadID() != "" {
		t.Errorf("thread %q after a failed run", conv.ThreadID())
	}
}
