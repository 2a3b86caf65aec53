package sse_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/sse"
)

// exampleServer stands in for Make: it answers the stream endpoint with two
// step events.
func exampleServer() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "event: step\nid: 1\ndata: {\"role\":\"user\",\"content\":\"What is 2+2?\",\"id\":\"s1\",\"agentIterationId\":\"it1\"}\n\n")
		w.(http.Flusher).Flush()
		_, _ = io.WriteString(w, "event: step\nid: 2\ndata: {\"role\":\"assistant\",\"content\":\"4\",\"id\":\"s2\",\"agentIterationId\":\"it1\"}\n\n")
	}))
}

func ExampleRun() {
	srv := exampleServer()
	defer srv.Close()
	// In a program: api.New() with MAKE_API_TOKEN set (zone eu1 by default).
	client, err := api.New(api.WithBaseURL(srv.URL+"/api/v2"), api.WithoutEnvironment(), api.WithToken("example-token"), api.WithTeamID(1))
	if err != nil {
		fmt.Println(err)
		return
	}

	ctx := context.Background()
	req := api.RunAgentRequest{Messages: []api.Message{{Role: "user", Content: "What is 2+2?"}}}
	s, err := sse.Run(ctx, client, "0f8fad5b-d9cb-469f-a165-70867728950e", req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	for s.Next() {
		step, err := s.Event().Step()
		if err != nil {
			continue // not a step event
		}
		fmt.Printf("%s: %s\n", step.Role, step.Content)
	}
	if err := s.Err(); err != nil {
		fmt.Println("stream failed:", err)
	}
	// Output:
	// user: What is 2+2?
	// assistant: 4
}

func ExampleStream_All() {
	srv := exampleServer()
	defer srv.Close()
	client, err := api.New(api.WithBaseURL(srv.URL+"/api/v2"), api.WithoutEnvironment(), api.WithToken("example-token"), api.WithTeamID(1))
	if err != nil {
		fmt.Println(err)
		return
	}
	req := api.RunAgentRequest{Messages: []api.Message{{Role: "user", Content: "What is 2+2?"}}}
	s, err := sse.Run(context.Background(), client, "0f8fad5b-d9cb-469f-a165-70867728950e", req)
	if err != nil {
		fmt.Println(err)
		return
	}
	for ev, err := range s.All() {
		if err != nil {
			fmt.Println("stream failed:", err)
			break
		}
		fmt.Println(ev.Type, ev.ID)
	}
	// Output:
	// step 1
	// step 2
}

func ExampleCollect() {
	srv := exampleServer()
	defer srv.Close()
	client, err := api.New(api.WithBaseURL(srv.URL+"/api/v2"), api.WithoutEnvironment(), api.WithToken("example-token"), api.WithTeamID(1))
	if err != nil {
		fmt.Println(err)
		return
	}
	req := api.RunAgentRequest{Messages: []api.Message{{Role: "user", Content: "What is 2+2?"}}}
	s, err := sse.Run(context.Background(), client, "0f8fad5b-d9cb-469f-a165-70867728950e", req)
	if err != nil {
		fmt.Println(err)
		return
	}
	t, err := sse.Collect(s)
	if err != nil {
		fmt.Println("stream failed:", err)
	}
	fmt.Println(len(t.Steps), "steps in", len(t.Iterations), "iteration; answer:", t.FinalAnswer())
	// Output:
	// 2 steps in 1 iteration; answer: 4
}
