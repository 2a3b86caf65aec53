// Package bench compares the sse package with other Go SSE decoders on the
// same bytes. It is its own module so that the peers never enter the SDK's
// go.mod. See README.md for the numbers and how to reproduce them.
package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"

	gojson "github.com/goccy/go-json"
	jsoniter "github.com/json-iterator/go"
	"github.com/launchdarkly/eventsource"
	"github.com/openai/openai-go/v3/packages/ssestream"
	gosse "github.com/tmaxmax/go-sse"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/sse"
)

// stream builds n step events whose content is contentLen bytes, shaped like
// Make's documented example: event, id and data lines with no space after
// the colons, and the example's four step fields (role, content, id,
// agentIterationId).
func stream(n, contentLen int) []byte {
	var b bytes.Buffer
	content := strings.Repeat("The weather in Prague is mild today. ", contentLen/37+1)[:contentLen]
	for i := range n {
		data, _ := json.Marshal(map[string]string{
			"role":             "assistant",
			"content":          content,
			"id":               fmt.Sprintf("445431dd-c20e-4a58-a043-%012d", i),
			"agentIterationId": "a132ced5-4afd-4444-ac9d-330cc99c4986",
		})
		fmt.Fprintf(&b, "event:step\nid:4ebb9c59-ab75-41d5-8146-%012d\ndata:%s\n\n", i, data)
	}
	return b.Bytes()
}

type workload struct {
	name   string
	events int
	data   []byte
}

var workloads = []workload{
	{"step300B", 10000, stream(10000, 115)}, // ~300 B per event on the wire
	{"data256KiB", 100, stream(100, 256<<10)},
}

// decoder reads all events of one stream and returns how many it saw.
type decoder func(b *testing.B, data []byte) int

func ourSSE(step bool) decoder {
	return func(b *testing.B, data []byte) int {
		resp := &http.Response{
			StatusCode: 200,
			Header:     http.Header{"Content-Type": {"text/event-stream"}},
			Body:       io.NopCloser(bytes.NewReader(data)),
		}
		s, err := sse.NewStream(context.Background(), resp, sse.WithMaxEventSize(1<<20))
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for s.Next() {
			if step {
				if _, err := s.Event().Step(); err != nil {
					b.Fatal(err)
				}
			}
			n++
		}
		if err := s.Err(); err != nil {
			b.Fatal(err)
		}
		return n
	}
}

func launchDarkly(step bool) decoder {
	return func(b *testing.B, data []byte) int {
		dec := eventsource.NewDecoder(bytes.NewReader(data))
		n := 0
		for {
			ev, err := dec.Decode()
			if err == io.EOF {
				return n
			}
			if err != nil {
				b.Fatal(err)
			}
			if step {
				var s api.Step
				if err := json.Unmarshal([]byte(ev.Data()), &s); err != nil {
					b.Fatal(err)
				}
			}
			n++
		}
	}
}

func goSSE(b *testing.B, data []byte) int {
	n := 0
	for _, err := range gosse.Read(bytes.NewReader(data), &gosse.ReadConfig{MaxEventSize: 1 << 20}) {
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
	return n
}

func openAI(b *testing.B, data []byte) int {
	dec := ssestream.NewDecoder(&http.Response{
		Header: http.Header{"Content-Type": {"text/event-stream"}},
		Body:   io.NopCloser(bytes.NewReader(data)),
	})
	n := 0
	for dec.Next() {
		n++
	}
	if err := dec.Err(); err != nil {
		b.Fatal(err)
	}
	return n
}

// scannerFloor only splits lines and counts blank ones: the least any SSE
// decoder must do.
func scannerFloor(b *testing.B, data []byte) int {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		if len(sc.Bytes()) == 0 {
			n++
		}
	}
	if err := sc.Err(); err != nil {
		b.Fatal(err)
	}
	return n
}

func BenchmarkDecode(b *testing.B) {
	decoders := []struct {
		name string
		fn   decoder
	}{
		{"sse+step", ourSSE(true)},
		{"sse", ourSSE(false)},
		{"launchdarkly+step", launchDarkly(true)},
		{"launchdarkly", launchDarkly(false)},
		{"go-sse", goSSE},
		{"openai-ssestream", openAI},
		{"bufio.Scanner", scannerFloor},
	}
	for _, w := range workloads {
		for _, d := range decoders {
			b.Run(w.name+"/"+d.name, func(b *testing.B) {
				b.SetBytes(int64(len(w.data)))
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				for b.Loop() {
					if n := d.fn(b, w.data); n != w.events {
						b.Fatalf("decoded %d events, want %d", n, w.events)
					}
				}
				runtime.ReadMemStats(&after)
				events := float64(b.N) * float64(w.events)
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/events, "ns/event")
				b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/events, "B/event")
				b.ReportMetric(float64(after.Mallocs-before.Mallocs)/events, "allocs/event")
			})
		}
	}
}

// plainStep has api.Step's fields and JSON names, for the libraries that
// decode into a plain struct.
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

// BenchmarkStepDecode compares ways to decode one step's data: the SDK's
// (Event.Step, sse/internal/stepjson), encoding/json, and the two JSON libraries
// Go users most often reach for instead.
func BenchmarkStepDecode(b *testing.B) {
	steps := map[string][]byte{
		"documented": []byte(`{"role":"assistant","content":"The weather in Prague is mild today. The weather in Prague is mild today. The weather in Prague is mild today","id":"445431dd-c20e-4a58-a043-000000000001","agentIterationId":"a132ced5-4afd-4444-ac9d-330cc99c4986"}`),
		"toolstep":   []byte(`{"role":"tool","content":"The weather in Prague is mild today.","id":"445431dd-c20e-4a58-a043-000000000001","agentIterationId":"a132ced5-4afd-4444-ac9d-330cc99c4986","index":3,"executionTimeMs":812.5,"tokenUsage":{"promptTokens":1204,"completionTokens":87,"totalTokens":1291},"toolCalls":[{"id":"c1","name":"Get weather","toolType":"scenario","arguments":{"city":"Prague"}}],"toolResponse":{"name":"Get weather","result":{"tempC":12},"status":"ok","toolType":"scenario"}}`),
	}
	jsoniterStd := jsoniter.ConfigCompatibleWithStandardLibrary
	for _, name := range []string{"documented", "toolstep"} {
		data := steps[name]
		cases := []struct {
			name string
			fn   func() error
		}{
			{"sse.Event.Step", func() error { _, err := (sse.Event{Type: "step", Data: data}).Step(); return err }},
			{"encoding/json", func() error { var s plainStep; return json.Unmarshal(data, &s) }},
			{"goccy/go-json", func() error { var s plainStep; return gojson.Unmarshal(data, &s) }},
			{"json-iterator", func() error { var s plainStep; return jsoniterStd.Unmarshal(data, &s) }},
		}
		for _, c := range cases {
			b.Run(name+"/"+c.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := c.fn(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
