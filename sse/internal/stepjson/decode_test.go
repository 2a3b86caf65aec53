package stepjson

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/makeagents/makeagents-go/api"
)

// seeds cover what the fast path decodes and every reason it gives up.
// testdata/fuzz/FuzzDecode holds more, so CI's seed run covers them too.
var seeds = []string{
	`{"role":"system","content":"You are a helpful assistant.","id":"445431dd-c20e-4a58-a043-a30a4d4e15b3","agentIterationId":"a132ced5-4afd-4444-ac9d-330cc99c4986"}`,
	`{"role":"tool","content":"","index":3,"executionTimeMs":812.5,"tokenUsage":{"promptTokens":1204,"completionTokens":87,"totalTokens":1291},"toolCalls":[{"id":"c1","name":"Get weather","toolType":"scenario","arguments":{"city":"Prague"}}],"toolResponse":{"name":"Get weather","result":{"tempC":12},"status":"ok","toolType":"scenario"}}`,
	`{"role":"assistant","content":"line\nnext \"quoted\" \\ \/ \t\b\f\r \u00e9\u20ac \u0000","tokenUsage":null,"toolCalls":null,"toolResponse":null,"id":null}`,
	` { "role" : "user" , "content" : "Praha – čau 😀" , "future" : {"a":[1,{"b":"}"}]} , "n" : -1.5e3 } `,
	`{"ROLE":"user","content":"x"}`,
	`{"role":"user","role":"assistant"}`,
	`{"r\u006fle":"user"}`,
	`{"content":"\ud83d\ude00"}`,
	`{"content":"\udc00"}`,
	"{\"content\":\"\xff\xfe\"}",
	"{\"content\":\"a\xc3\"}",
	`{"index":1.0}`,
	`{"index":1e2}`,
	`{"index":99999999999999999999}`,
	`{"index":"1"}`,
	`{"executionTimeMs":1e400}`,
	`{"executionTimeMs":-0}`,
	`{"role":1}`,
	`{"content":true}`,
	`{"tokenUsage":{"a":{"b":1}}}`,
	`{"tokenUsage":{"a":true,"b":false,"c":null,"d":"x","a":2}}`,
	`{"tokenUsage":[1,2]}`,
	`{"tokenUsage":5}`,
	`{"toolCalls":{}}`,
	`{"toolResponse":{"status":"weird","toolType":"mcp","result":[1,"x",null]}}`,
	`{"toolCalls":[{"name":"n","toolType":"rag","arguments":{"q":"x"}}],"toolCalls":[]}`,
	`{"\u212aey":1,"toolUſage":2}`,
	`null`,
	`[]`,
	`"x"`,
	`{}`,
	`{"role":"user"`,
	`{"role":"user"} x`,
	``,
	`{"":"","content":"ok"}`,
}

func FuzzDecode(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var want api.Step
		wantErr := json.Unmarshal(data, &want)
		if s, ok := fast(data); ok {
			if wantErr != nil {
				t.Fatalf("fast path accepted %q, encoding/json: %v", data, wantErr)
			}
			if !reflect.DeepEqual(s, want) {
				t.Fatalf("fast path on %q:\n got %#v\nwant %#v", data, s, want)
			}
		}
		got, err := Decode(data)
		if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
			t.Fatalf("Decode(%q) error %v, encoding/json %v", data, err, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Decode(%q):\n got %#v\nwant %#v", data, got, want)
		}
	})
}

// The documented shapes must take the fast path: a fallback there would
// still be correct but would lose the speed the package exists for.
func TestFastPathTaken(t *testing.T) {
	for _, s := range seeds[:4] {
		if _, ok := fast([]byte(s)); !ok {
			t.Errorf("fast path refused %s", s)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	data := []byte(seeds[0])
	b.Run("stepjson", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Decode(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var s api.Step
			if err := json.Unmarshal(data, &s); err != nil {
				b.Fatal(err)
			}
		}
	})
}
