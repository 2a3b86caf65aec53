package structured_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
	"github.com/makeagents/makeagents-go/sse"
	"github.com/makeagents/makeagents-go/structured"
)

type Meta struct {
	Source string `json:"source"`
}

type Item struct {
	SKU   string  `json:"sku" make:"label=SKU"`
	Qty   uint    `json:"qty"`
	Price float64 `json:"price"`
}

type Order struct {
	Customer string     `json:"customer" make:"label=Customer name"`
	Total    float64    `json:"total"`
	Count    int        `json:"count"`
	Paid     bool       `json:"paid"`
	Due      time.Time  `json:"due" make:"label=Due date"`
	Shipped  *time.Time `json:"shipped,omitempty"`
	Note     *string    `json:"note,omitempty"`
	Tags     []string   `json:"tags"`
	Counts   []int      `json:"counts,omitempty"`
	Items    []Item     `json:"items"`
	Meta     Meta       `json:"meta"`
	Skipped  string     `json:"-"`
	internal int        // unexported: not part of the schema
}

var _ = Order{}.internal

func TestParserForOrder(t *testing.T) {
	p, err := structured.ParserFor[Order]()
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"schema":[` +
		`{"label":"Customer name","name":"customer","required":true,"type":"string"},` +
		`{"name":"total","required":true,"type":"number"},` +
		`{"name":"count","required":true,"type":"integer"},` +
		`{"name":"paid","required":true,"type":"boolean"},` +
		`{"label":"Due date","name":"due","required":true,"type":"date"},` +
		`{"name":"shipped","required":false,"type":"date"},` +
		`{"name":"note","required":false,"type":"string"},` +
		`{"name":"tags","required":true,"spec":{"type":"string"},"type":"array"},` +
		`{"name":"counts","required":false,"spec":{"type":"integer"},"type":"array"},` +
		`{"name":"items","required":true,"spec":[{"label":"SKU","name":"sku","required":true,"type":"string"},{"name":"qty","required":true,"type":"uinteger"},{"name":"price","required":true,"type":"number"}],"type":"array"},` +
		`{"name":"meta","required":true,"spec":[{"name":"source","required":true,"type":"string"}],"type":"collection"}` +
		`],"type":"make-schema"}`
	if string(got) != want {
		t.Errorf("parser\n got %s\nwant %s", got, want)
	}
}

// TestRoundTripAgainstTheFake: struct -> parser -> run on the fake ->
// decoded struct equal to what the fake answered, for a plain run and a
// stream.
func TestRoundTripAgainstTheFake(t *testing.T) {
	now := time.Date(2026, 3, 4, 5, 6, 7, 890_000_000, time.UTC)
	srv := makeagentstest.NewServer(t, makeagentstest.WithClock(func() time.Time { return now }))
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	agent := srv.AddAgent(1, api.Agent{Name: "orders", SystemPrompt: "Extract the order.", DefaultModel: "gpt-4.1-mini"})
	parser, err := structured.ParserFor[Order]()
	if err != nil {
		t.Fatal(err)
	}
	msg := "two red shoes"
	body := api.RunAgentRequest{Messages: []api.Message{{Role: api.MessageRoleUser, Content: msg}}, Config: api.RunConfig{OutputParser: parser}}
	// What the fake answers for this message (see makeagentstest's
	// structuredAnswer): counts are the word count, numbers add a half,
	// dates are its clock, arrays hold one item per word.
	ts := now
	note := msg
	want := Order{
		Customer: msg, Total: 3.5, Count: 3, Paid: true, Due: now, Shipped: &ts, Note: &note,
		Tags: []string{"two", "red", "shoes"}, Counts: []int{1, 1, 1},
		Items: []Item{{"two", 1, 1.5}, {"red", 1, 1.5}, {"shoes", 1, 1.5}},
		Meta:  Meta{Source: msg},
	}

	res, err := c.Generated().RunAgentWithResponse(context.Background(), agent.ID, &api.RunAgentParams{TeamID: 1}, body)
	if err != nil {
		t.Fatal(err)
	}
	got, err := structured.Decode[Order](res.JSON200)
	if err != nil {
		t.Fatalf("%v\n%s", err, res.Body)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("run decoded\n got %+v\nwant %+v\nbody %s", got, want, res.Body)
	}

	s, err := sse.Run(context.Background(), c, agent.ID, body, sse.WithCallOptions(api.ForTeam(1)))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := sse.Collect(s)
	if err != nil {
		t.Fatal(err)
	}
	got, err = structured.DecodeTranscript[Order](tr)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stream decoded\n got %+v\nwant %+v", got, want)
	}
}

type (
	WithMap     struct{ M map[string]string }
	WithIface   struct{ V any }
	WithChan    struct{ C chan int }
	WithFunc    struct{ F func() }
	WithComplex struct{ Z complex128 }
	WithArray   struct{ A [3]int }
	Node        struct {
		Name     string `json:"name"`
		Children []Node `json:"children"`
	}
	Deep struct {
		Items []struct {
			Meta Meta `json:"meta"`
		} `json:"items"`
	}
	DeepArray struct {
		Grid [][]int `json:"grid"`
	}
	Eleven struct {
		Inner struct{ A, B, C, D, E, F, G, H, I, J, K int } `json:"inner"`
	}
	BadTag struct {
		A string `make:"lable=x"`
	}
	MetaMap struct {
		Items []struct {
			Meta map[string]any `json:"meta"`
		} `json:"items"`
	}
	Empty struct{}
)

func TestRefusedWithTheFieldPath(t *testing.T) {
	for _, tc := range []struct {
		err  func() error
		want string
	}{
		{func() error { _, err := structured.ParserFor[WithMap](); return err }, "structured: WithMap.M: Make's schema cannot express a map"},
		{func() error { _, err := structured.ParserFor[WithIface](); return err }, "WithIface.V: Make's schema cannot express a interface"},
		{func() error { _, err := structured.ParserFor[WithChan](); return err }, "WithChan.C: Make's schema cannot express a channel"},
		{func() error { _, err := structured.ParserFor[WithFunc](); return err }, "WithFunc.F: Make's schema cannot express a func"},
		{func() error { _, err := structured.ParserFor[WithComplex](); return err }, "WithComplex.Z: Make's schema cannot express a complex number"},
		{func() error { _, err := structured.ParserFor[WithArray](); return err }, "WithArray.A: Make's schema cannot express a Go array"},
		{func() error { _, err := structured.ParserFor[Node](); return err }, "Node.Children[]: structured_test.Node contains itself (a recursive type)"},
		{func() error { _, err := structured.ParserFor[Deep](); return err }, "Deep.Items[].Meta: a collection (structured_test.Meta) nested in a collection"},
		{func() error { _, err := structured.ParserFor[DeepArray](); return err }, "DeepArray.Grid[]: an array ([]int) nested"},
		{func() error { _, err := structured.ParserFor[Eleven](); return err }, "Eleven.Inner: 11 fields; Make allows at most 10"},
		{func() error { _, err := structured.ParserFor[BadTag](); return err }, `BadTag.A: make tag: unknown option "lable=x"`},
		{func() error { _, err := structured.ParserFor[MetaMap](); return err }, "MetaMap.Items[].Meta: Make's schema cannot express a map"},
		{func() error { _, err := structured.ParserFor[Empty](); return err }, "Empty: no exported fields"},
		{func() error { _, err := structured.ParserFor[string](); return err }, "want a struct type"},
	} {
		err := tc.err()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want it to contain %q", err, tc.want)
		}
	}
}

func TestDecodeNamesTheField(t *testing.T) {
	for body, want := range map[string]string{
		`{"customer":"a","total":"abc"}`:                                    `structured: Order.Total: want number, got "abc"`,
		`{"customer":"a","total":1,"count":2.5}`:                            `structured: Order.Count: want integer, got 2.5`,
		`{"customer":1}`:                                                    `structured: Order.Customer: want string, got 1`,
		`{"customer":"a","total":1,"count":1,"paid":"yes"}`:                 `structured: Order.Paid: want boolean, got "yes"`,
		`{"customer":"a","total":1,"count":1,"paid":true}`:                  `structured: Order.Due: required, missing`,
		`{"customer":"a","total":1,"count":1,"paid":true,"due":"tomorrow"}`: `structured: Order.Due: want date, got "tomorrow"`,
		`{"customer":"a","total":1,"count":1,"paid":true,"due":"2026-01-02","tags":["x"],"items":[{"sku":"s","qty":-1,"price":1}]}`: `structured: Order.Items[0].Qty: want uinteger, got -1`,
		`{"customer":"a","total":1,"count":1,"paid":true,"due":"2026-01-02","tags":"x"}`:                                            `structured: Order.Tags: want array, got "x"`,
		`[1]`:      `structured: Order: want a JSON object, got [1]`,
		`not json`: `structured: the answer is not JSON`,
	} {
		_, err := structured.DecodeJSON[Order]([]byte(body))
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", body, err, want)
		}
	}
}

func TestDecodeAcceptsWhatJSONNumbersMayLookLike(t *testing.T) {
	type N struct {
		I int64   `json:"i"`
		U uint8   `json:"u"`
		F float32 `json:"f"`
		D time.Time
	}
	got, err := structured.DecodeJSON[N]([]byte(`{"i":1e3,"u":2.0,"f":1.25,"D":"2026-01-02T03:04:05.678+01:00"}`))
	if err != nil {
		t.Fatal(err)
	}
	if got.I != 1000 || got.U != 2 || got.F != 1.25 || got.D.UnixMilli() != time.Date(2026, 1, 2, 2, 4, 5, 678e6, time.UTC).UnixMilli() {
		t.Errorf("got %+v", got)
	}
	if _, err := structured.DecodeJSON[N]([]byte(`{"i":1,"u":256,"f":1,"D":"2026-01-02"}`)); err == nil || !strings.Contains(err.Error(), "N.U: want uinteger, got 256") {
		t.Errorf("overflow: %v", err)
	}
}

func TestDecodeWithoutAStructuredAnswer(t *testing.T) {
	if _, err := structured.Decode[Order](&api.RunAgentResult{}); err != structured.ErrNoStructuredAnswer {
		t.Errorf("err %v, want ErrNoStructuredAnswer", err)
	}
	if _, err := structured.Decode[Order](nil); err != structured.ErrNoStructuredAnswer {
		t.Errorf("err %v, want ErrNoStructuredAnswer", err)
	}
}

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
