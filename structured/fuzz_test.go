package structured_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/structured"
)

// Every shape of target the decoder handles: scalars of each kind, dates,
// pointers, slices, nested collections and embedded structs.
type fuzzEmbedded struct {
	Extra *int8 `json:"extra,omitempty"`
}

type FuzzTarget struct {
	*FuzzEmbeddedExported
	fuzzEmbedded
	S   string     `json:"s"`
	I8  int8       `json:"i8,omitempty"`
	U16 uint16     `json:"u16,omitempty"`
	I   int64      `json:"i,omitempty"`
	U   uint64     `json:"u,omitempty"`
	F32 float32    `json:"f32,omitempty"`
	B   *bool      `json:"b,omitempty"`
	D   *time.Time `json:"d,omitempty"`
	L   []uint8    `json:"l,omitempty"`
	M   *Meta      `json:"m,omitempty"`
	It  []Item     `json:"it,omitempty"`
}

type FuzzEmbeddedExported struct {
	Tag string `json:"tag,omitempty"`
}

func fuzzSeeds(f *testing.F) {
	// The target must be one the decoder accepts, or the fuzzing stops
	// at the type check and reaches nothing.
	if _, err := structured.ParserFor[FuzzTarget](); err != nil {
		f.Fatal(err)
	}
	if got, err := structured.DecodeJSON[FuzzTarget]([]byte(`{"s":"x","tag":"t","extra":1}`)); err != nil || got.FuzzEmbeddedExported == nil || got.Tag != "t" || *got.Extra != 1 {
		f.Fatalf("decoding the target: %+v, %v", got, err)
	}
	for _, s := range []string{
		`{"s":"x"}`,
		`{"s":"x","i8":127,"u16":65535,"i":9007199254740993,"u":18446744073709551615,"f32":3.4e38}`,
		`{"s":"x","i8":128}`,
		`{"s":"x","u16":-1}`,
		`{"s":"x","i":1e400}`,
		`{"s":"x","i":1.5}`,
		`{"s":"x","d":"2026-03-04"}`,
		`{"s":"x","d":"not a date"}`,
		`{"s":"x","l":[0,255,256]}`,
		`{"s":"x","m":{"source":null}}`,
		`{"s":"x","it":[{"sku":"a","qty":1,"price":2}],"tag":"t","extra":-128}`,
		`{"s":null}`,
		`[]`,
		`null`,
		`"text"`,
		``,
		`{"s":"x"} trailing`,
		`{"s":"\ud800"}`,
	} {
		f.Add([]byte(s))
	}
}

// FuzzDecodeJSON: nothing a server sends as a structured answer makes
// DecodeJSON panic; it decodes or returns an error.
func FuzzDecodeJSON(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = structured.DecodeJSON[FuzzTarget](data)
		_, _ = structured.DecodeJSON[Order](data)
		_, _ = structured.DecodeJSON[*Meta](data)
	})
}

// FuzzDecode: nothing a server sends as a run's result (its jsonResponse
// and response text) makes Decode panic.
func FuzzDecode(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, body := range [][]byte{
			append(append([]byte(`{"response":"","threadId":"t","jsonResponse":`), data...), '}'),
			mustJSON(map[string]any{"response": string(data), "threadId": "t"}),
		} {
			var res api.RunAgentResult
			if json.Unmarshal(body, &res) != nil {
				continue
			}
			_, _ = structured.Decode[FuzzTarget](&res)
			_, _ = structured.Decode[Order](&res)
		}
	})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
