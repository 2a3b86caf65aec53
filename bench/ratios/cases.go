package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"strconv"

	"github.com/launchdarkly/eventsource"
	"github.com/openai/openai-go/v3/packages/ssestream"
	gosse "github.com/tmaxmax/go-sse"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/sse"
)

// plainStep has api.Step's fields and JSON names, as a user would write it
// for a plain encoding/json decode: the baseline for the typed step.
type plainStep struct {
	AgentIterationID *string           `json:"agentIterationId,omitempty"`
	Content          string            `json:"content"`
	ExecutionTimeMs  *float64          `json:"executionTimeMs,omitempty"`
	ID               *string           `json:"id,omitempty"`
	Index            *int64            `json:"index,omitempty"`
	Role             string            `json:"role"`
	TokenUsage       any               `json:"tokenUsage,omitempty"`
	ToolCalls        []api.ToolCall    `json:"toolCalls,omitempty"`
	ToolResponse     *api.ToolResponse `json:"toolResponse,omitempty"`
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

var ctx = context.Background()

func eventStreamResponse(body io.Reader) *http.Response {
	return &http.Response{
		StatusCode: 200,
		Header:     http.Header{"Content-Type": {"text/event-stream"}},
		Body:       io.NopCloser(body),
	}
}

// A body source is where a decoder reads one whole stream from: memory or a
// fresh request to the child server.
type source func() *http.Response

func memorySource(data []byte) source {
	return func() *http.Response { return eventStreamResponse(bytes.NewReader(data)) }
}

// harness holds the clients both sides use over loopback.
type harness struct {
	base   string
	ours   *api.Client
	raw    *http.Client
	token  string
	runReq api.RunAgentRequest
}

func newHarness(base string) *harness {
	h := &harness{base: base, token: "bench-token-0123456789", raw: &http.Client{}}
	c, err := api.New(api.WithBaseURL(base), api.WithToken(h.token), api.WithoutEnvironment(), api.WithTeamID(2))
	must(err)
	h.ours = c
	h.runReq = api.RunAgentRequest{Messages: []api.Message{{Role: "user", Content: "What is the weather in Prague?"}}}
	return h
}

// rawPost sends the run request as a user without the SDK would: marshal,
// POST with the auth header, no checks.
func (h *harness) rawPost(agent string) *http.Response {
	body, err := json.Marshal(h.runReq)
	must(err)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.base+"/ai-agents/v1/agents/"+agent+"/run/stream?teamId=2", bytes.NewReader(body))
	must(err)
	req.Header.Set("Authorization", "Token "+h.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := h.raw.Do(req)
	must(err)
	if resp.StatusCode != 200 {
		log.Fatalf("raw stream: %s", resp.Status)
	}
	return resp
}

func (h *harness) rawSource(agent string) source {
	return func() *http.Response { return h.rawPost(agent) }
}

// --- (a), (e): whole streams, typed steps ---

func oursMemory(data []byte) op {
	return func() int {
		s, err := sse.NewStream(ctx, eventStreamResponse(bytes.NewReader(data)))
		must(err)
		return oursDrain(s)
	}
}

func (h *harness) oursHTTP(agent string) op {
	return func() int {
		s, err := sse.Run(ctx, h.ours, agent, h.runReq)
		must(err)
		return oursDrain(s)
	}
}

func oursDrain(s *sse.Stream) int {
	defer s.Close()
	n := 0
	for s.Next() {
		st, err := s.Event().Step()
		must(err)
		sinkStep(st.Content)
		n++
	}
	must(s.Err())
	return n
}

var sink int

func sinkStep(content string) { sink += len(content) }

func ldJSON(src source) op {
	return func() int {
		resp := src()
		defer resp.Body.Close()
		dec := eventsource.NewDecoder(resp.Body)
		n := 0
		for {
			ev, err := dec.Decode()
			if err == io.EOF {
				return n
			}
			must(err)
			var st plainStep
			must(json.Unmarshal([]byte(ev.Data()), &st))
			sinkStep(st.Content)
			n++
		}
	}
}

func openAIJSON(src source) op {
	return func() int {
		dec := ssestream.NewDecoder(src())
		defer dec.Close()
		n := 0
		for dec.Next() {
			var st plainStep
			must(json.Unmarshal(dec.Event().Data, &st))
			sinkStep(st.Content)
			n++
		}
		must(dec.Err())
		return n
	}
}

func goSSEJSON(src source) op {
	return func() int {
		resp := src()
		defer resp.Body.Close()
		n := 0
		for ev, err := range gosse.Read(resp.Body, &gosse.ReadConfig{MaxEventSize: 4 << 20}) {
			must(err)
			var st plainStep
			must(json.Unmarshal([]byte(ev.Data), &st))
			sinkStep(st.Content)
			n++
		}
		return n
	}
}

// bufioFloor splits lines and counts blank ones: the least any decoder does.
func bufioFloor(src source) op {
	return func() int {
		resp := src()
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 4<<20)
		n := 0
		for sc.Scan() {
			if len(sc.Bytes()) == 0 {
				n++
			}
		}
		must(sc.Err())
		return n
	}
}

// --- (b) time to first event ---

func (h *harness) oursFirst() op {
	return func() int {
		s, err := sse.Run(ctx, h.ours, firstEventAgent, h.runReq)
		must(err)
		if !s.Next() {
			log.Fatal(s.Err())
		}
		sink += len(s.Event().Data)
		for s.Next() {
		}
		must(s.Err())
		_ = s.Close()
		return 1
	}
}

func (h *harness) rawFirst() op {
	return func() int {
		resp := h.rawPost(firstEventAgent)
		r := bufio.NewReader(resp.Body)
		for {
			line, err := r.ReadSlice('\n')
			must(err)
			if len(line) == 1 {
				break
			}
			sink += len(line)
		}
		_, _ = io.Copy(io.Discard, r)
		_ = resp.Body.Close()
		return 1
	}
}

// --- (d) list and create ---

func (h *harness) oursList(n int) op {
	return func() int {
		res, err := h.ours.Generated().ListAgentsWithResponse(ctx, &api.ListAgentsParams{TeamID: int64(n)})
		must(err)
		if len(*res.JSON200) != n {
			log.Fatalf("list: %d agents, want %d", len(*res.JSON200), n)
		}
		return 1
	}
}

func (h *harness) rawList(n int) op {
	return func() int {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.base+"/ai-agents/v1/agents?teamId="+strconv.Itoa(n), nil)
		must(err)
		req.Header.Set("Authorization", "Token "+h.token)
		resp, err := h.raw.Do(req)
		must(err)
		defer resp.Body.Close()
		var list []api.Agent
		must(json.NewDecoder(resp.Body).Decode(&list))
		if len(list) != n {
			log.Fatalf("raw list: %d agents, want %d", len(list), n)
		}
		return 1
	}
}

func createRequest() api.CreateAgentRequest {
	var r api.CreateAgentRequest
	must(json.Unmarshal([]byte(createBody), &r))
	return r
}

func (h *harness) oursCreate() op {
	body := createRequest()
	return func() int {
		res, err := h.ours.Generated().CreateAgentWithResponse(ctx, nil, body)
		must(err)
		if res.JSON201 == nil || res.JSON201.ID == "" {
			log.Fatal("create: no agent")
		}
		return 1
	}
}

func (h *harness) rawCreate() op {
	body := createRequest()
	return func() int {
		b, err := json.Marshal(body)
		must(err)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.base+"/ai-agents/v1/agents?teamId=2", bytes.NewReader(b))
		must(err)
		req.Header.Set("Authorization", "Token "+h.token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := h.raw.Do(req)
		must(err)
		defer resp.Body.Close()
		if resp.StatusCode != 201 {
			log.Fatalf("raw create: %s", resp.Status)
		}
		var a api.CreatedAgent
		must(json.NewDecoder(resp.Body).Decode(&a))
		if a.ID == "" {
			log.Fatal("raw create: no agent")
		}
		return 1
	}
}
