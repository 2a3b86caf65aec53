package structured_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/structured"
)

type hidden struct {
	Secret string `json:"secret"`
}

// EmbedsHiddenPointer embeds a pointer to an unexported struct: decoding
// would have to allocate it through an unexported field.
type EmbedsHiddenPointer struct {
	*hidden
	Name string `json:"name"`
}

type Outer struct {
	Deep EmbedsHiddenPointer `json:"deep"`
}

// EmbedsHiddenValue embeds an unexported struct by value: its exported
// fields are promoted and settable, so it is fine.
type EmbedsHiddenValue struct {
	hidden
	Name string `json:"name"`
}

// A type the decoder could not fill is refused by ParserFor (before any
// run) and by DecodeJSON, with the path of the field, instead of
// panicking on every answer.
func TestParserForRefusesWhatDecodingCannotFill(t *testing.T) {
	_, err := structured.ParserFor[EmbedsHiddenPointer]()
	if err == nil || !strings.Contains(err.Error(), "EmbedsHiddenPointer.hidden") || !strings.Contains(err.Error(), "unexported") {
		t.Errorf("ParserFor: err = %v, want a refusal naming EmbedsHiddenPointer.hidden", err)
	}
	_, err = structured.ParserFor[Outer]()
	if err == nil || !strings.Contains(err.Error(), "hidden") || !strings.Contains(err.Error(), "Deep") {
		t.Errorf("ParserFor nested: err = %v, want a refusal naming the path to the field", err)
	}
	_, err = structured.DecodeJSON[EmbedsHiddenPointer]([]byte(`{"secret":"s","name":"n"}`))
	if err == nil || !strings.Contains(err.Error(), "unexported") {
		t.Errorf("DecodeJSON: err = %v, want the same refusal", err)
	}

	if _, err := structured.ParserFor[EmbedsHiddenValue](); err != nil {
		t.Fatalf("ParserFor of an embedded unexported value: %v", err)
	}
	got, err := structured.DecodeJSON[EmbedsHiddenValue]([]byte(`{"secret":"s","name":"n"}`))
	if err != nil || got.Secret != "s" || got.Name != "n" {
		t.Errorf("DecodeJSON of an embedded unexported value = %+v, %v", got, err)
	}
}

type BigIDs struct {
	Order   int64   `json:"order"`
	Serial  uint64  `json:"serial"`
	Ratio   float64 `json:"ratio"`
	Numbers []int64 `json:"numbers"`
}

// Integers beyond float64's exact range keep every digit, whether the
// answer comes as a run's jsonResponse or as text.
func TestDecodeKeepsIntegersExact(t *testing.T) {
	const body = `{"response":"","threadId":"t","executionSteps":[],"tokenUsageSummary":{},` +
		`"jsonResponse":{"order":9007199254740993,"serial":18446744073709551615,"ratio":0.1,"numbers":[-9007199254740993]}}`
	var res api.RunAgentResult
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatal(err)
	}
	got, err := structured.Decode[BigIDs](&res)
	if err != nil {
		t.Fatal(err)
	}
	want := BigIDs{Order: 9007199254740993, Serial: 18446744073709551615, Ratio: 0.1, Numbers: []int64{-9007199254740993}}
	if got.Order != want.Order || got.Serial != want.Serial || got.Ratio != want.Ratio || len(got.Numbers) != 1 || got.Numbers[0] != want.Numbers[0] {
		t.Errorf("Decode = %+v, want %+v", got, want)
	}
	// Re-encoding the result writes the numbers back as Make sent them.
	b, err := json.Marshal(res.JSONResponse)
	if err != nil || !strings.Contains(string(b), "9007199254740993") || !strings.Contains(string(b), "18446744073709551615") {
		t.Errorf("re-encoded jsonResponse = %s, %v", b, err)
	}
}
