package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// The fixtures are built the same way in the client and in the server
// process, so the client knows what the server sends without asking.

// stepStream builds n step events whose content is contentLen bytes, written
// as Make writes them: no space after the colons, the documented example's
// fields (role, content, id, agentIterationId). full adds the fields a tool
// step carries (index, executionTimeMs, tokenUsage, toolCalls, toolResponse).
func stepStream(n, contentLen int, full bool) []byte {
	var b bytes.Buffer
	content := strings.Repeat("The weather in Prague is mild today. ", contentLen/37+1)[:contentLen]
	for i := range n {
		data := fmt.Appendf(nil, `{"role":"assistant","content":%s,"id":"445431dd-c20e-4a58-a043-%012d","agentIterationId":"a132ced5-4afd-4444-ac9d-330cc99c4986"`, jsonString(content), i)
		if full {
			data = fmt.Appendf(data, `,"index":%d,"executionTimeMs":%d.5,"tokenUsage":{"promptTokens":1204,"completionTokens":87,"totalTokens":1291},"toolCalls":[{"id":"call_%d","name":"Get weather","toolType":"scenario","arguments":{"city":"Prague"}}],"toolResponse":{"name":"Get weather","result":{"tempC":12},"status":"ok","toolType":"scenario"}`, i+1, 200+i%50, i)
		}
		data = append(data, '}')
		fmt.Fprintf(&b, "event:step\nid:4ebb9c59-ab75-41d5-8146-%012d\ndata:%s\n\n", i, data)
	}
	return b.Bytes()
}

func jsonString(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}

// streamWorkload is one stream the server can send, chosen by agent id.
type streamWorkload struct {
	name    string
	events  int
	content int
	full    bool
}

func (w streamWorkload) bytes() []byte { return stepStream(w.events, w.content, w.full) }

// agentID names workload i on the wire.
func agentID(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", i) }

// The stream workloads: (a) uses the first two, (e) all of the size ladder.
var streamWorkloads = []streamWorkload{
	{"step300B", 2000, 115, false},
	{"toolstep700B", 2000, 115, true},
	{"size100B", 2000, 10, false},
	{"size1KiB", 1000, 1 << 10, false},
	{"size16KiB", 200, 16 << 10, false},
	{"size256KiB", 20, 256 << 10, false},
	{"size1MiB", 5, 1 << 20, false},
}

// Special agent ids: one event then the end (time to first event), and
// headers then silence until the client goes (idle streams).
var (
	firstEventAgent = agentID(900)
	holdAgent       = agentID(901)
	holdAfterOne    = agentID(902) // one event, then silence
)

// agentList is a JSON array of n agents shaped like Make's list example.
func agentList(n int) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(agentJSON(i))
	}
	b.WriteByte(']')
	return b.Bytes()
}

func agentJSON(i int) []byte {
	return fmt.Appendf(nil, `{"id":"b504aa93-0752-4bf8-887e-%012d","name":"agent %d","teamId":2,"createdAt":"2025-06-25T13:36:46.730Z","systemPrompt":"you are the greatest bot ever","defaultModel":"gemini-2.5-flash","invocationConfig":{"recursionLimit":300},"scenarios":[{"makeScenarioId":123,"approvalMode":"auto-run"}],"mcpConfigs":[{"mcpConnectionId":456,"toolIds":["tool1","tool2"],"name":"Example MCP Config"}],"historyConfig":{"iterationsFromHistoryCount":10},"llmConfig":{"maxTokens":100000},"contexts":[{"id":"123e4567-e89b-12d3-a456-426614174000","agentId":"1b504aa93-0752-4bf8-887e-c2c717d525bf0","documentName":"Example Document","description":"This is an example context for the agent.","createdAt":"2025-06-26T06:53:15.407Z","metadata":{"type":"csv"},"isTemporary":false}]}`, i, i)
}

// listLengths are the list workloads; the team id in the query picks one.
var listLengths = []int{20, 1000, 100000}

// createBody is the create request of Make's example.
const createBody = `{"name":"Example Agent","teamId":2,"makeConnectionId":123,"defaultModel":"gpt-3.5-turbo","systemPrompt":"You are a helpful assistant.","scenarios":[{"makeScenarioId":123,"approvalMode":"auto-run"}],"mcpConfigs":[{"mcpConnectionId":456,"toolIds":["tool1","tool2"],"name":"Example MCP Config"}],"historyConfig":{"iterationsFromHistoryCount":10},"llmConfig":{"maxTokens":100000}}`

// createdJSON is Make's documented answer to create.
const createdJSON = `{"agentId":"123e4567-e89b-12d3-a456-426614174000","name":"Example Agent","teamId":2,"makeConnectionId":123,"defaultModel":"gpt-3.5-turbo","systemPrompt":"You are a helpful assistant."}`
