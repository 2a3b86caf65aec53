package conversation_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/conversation"
)

// An answer that names no thread (absent, "" or null) is an error, and the
// conversation keeps its thread: the next turn still carries it, so the
// agent keeps the history.
func TestAnswerWithoutThreadIDIsAnError(t *testing.T) {
	const agent = "3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
	const thread = "9f1e111b-c09a-432b-9049-c5804701b95f"
	for name, field := range map[string]string{
		"absent": ``,
		"empty":  `,"threadId":""`,
		"null":   `,"threadId":null`,
	} {
		t.Run(name, func(t *testing.T) {
			var (
				mu      sync.Mutex
				sent    []string // the threadId of each request ("" for none)
				missing = true   // whether the next answer leaves out its thread
			)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				var req struct {
					ThreadID string `json:"threadId"`
				}
				_ = json.Unmarshal(b, &req)
				mu.Lock()
				sent = append(sent, req.ThreadID)
				leave := missing
				mu.Unlock()
				tf := `,"threadId":"` + thread + `"`
				if leave {
					tf = field
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"response":"ok","executionSteps":[],"tokenUsageSummary":{}`+tf+`}`)
			}))
			defer srv.Close()
			c, err := api.New(api.WithoutEnvironment(), api.WithBaseURL(srv.URL+"/api/v2"), api.WithToken("test-token-0123456789"), api.WithTeamID(1))
			if err != nil {
				t.Fatal(err)
			}

			// First turn: no thread to learn.
			conv := conversation.New(c, agent)
			res, err := conv.Send(context.Background(), "hello")
			if !errors.Is(err, conversation.ErrNoThreadID) || res == nil || res.Response != "ok" {
				t.Fatalf("first turn: res %v, err %v; want the result and ErrNoThreadID", res, err)
			}
			if conv.ThreadID() != "" {
				t.Errorf("thread after a first turn without one: %q", conv.ThreadID())
			}

			// A thread in progress is kept when an answer names none.
			mu.Lock()
			missing = false
			mu.Unlock()
			if _, err := conv.Send(context.Background(), "start"); err != nil || conv.ThreadID() != thread {
				t.Fatalf("turn with a thread: %v, thread %q", err, conv.ThreadID())
			}
			mu.Lock()
			missing = true
			mu.Unlock()
			if _, err := conv.Send(context.Background(), "more"); !errors.Is(err, conversation.ErrNoThreadID) {
				t.Fatalf("turn without a thread in the answer: err %v", err)
			}
			if _, err := conv.Send(context.Background(), "still there?"); !errors.Is(err, conversation.ErrNoThreadID) {
				t.Fatalf("err %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if want := []string{"", "", thread, thread}; len(sent) != len(want) || sent[2] != thread || sent[3] != thread {
				t.Errorf("threads sent %q, want %q: the thread was lost", sent, want)
			}
		})
	}
}
