package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/makeagents/makeagents-go/api"
)

// schemaGen writes random JSON values valid against an OpenAPI 3.0 schema:
// optional properties come and go, nullable values are sometimes null, an
// untyped schema is any JSON value, and a `number` is whatever a JSON
// encoder may write for one (fractions, exponents, the extremes of a
// double, negative zero).
type schemaGen struct{ r *rand.Rand }

func (g schemaGen) value(s *openapi3.Schema, depth int) any {
	if s.Nullable && g.r.IntN(8) == 0 {
		return nil
	}
	if len(s.Enum) > 0 {
		return s.Enum[g.r.IntN(len(s.Enum))]
	}
	switch {
	case s.Type.Is("object"):
		obj := map[string]any{}
		req := map[string]bool{}
		for _, n := range s.Required {
			req[n] = true
		}
		for name, p := range s.Properties {
			if req[name] || g.r.IntN(3) > 0 {
				obj[name] = g.value(p.Value, depth+1)
			}
		}
		if ap := s.AdditionalProperties.Schema; ap != nil && depth < 6 {
			for i := g.r.IntN(4); i > 0; i-- {
				obj["k"+strconv.Itoa(i)] = g.value(ap.Value, depth+1)
			}
		}
		return obj
	case s.Type.Is("array"):
		n := g.r.IntN(4)
		if depth > 5 {
			n = 0
		}
		arr := make([]any, n)
		for i := range arr {
			arr[i] = g.value(s.Items.Value, depth+1)
		}
		return arr
	case s.Type.Is("string"):
		if s.Format == "uuid" {
			return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", g.r.Uint32(), g.r.IntN(1<<16), g.r.IntN(1<<12), g.r.IntN(1<<12), g.r.Int64N(1<<48))
		}
		return []string{"", "ok", "Praha – čau 😀", "line\nnext \"q\"", "\u0000\u001f"}[g.r.IntN(5)]
	case s.Type.Is("integer"):
		return json.Number(strconv.FormatInt(g.r.Int64N(1<<53)-1<<52, 10))
	case s.Type.Is("number"):
		return g.number()
	case s.Type.Is("boolean"):
		return g.r.IntN(2) == 0
	default: // untyped: any JSON value
		if depth > 5 {
			return g.number()
		}
		switch g.r.IntN(6) {
		case 0:
			return nil
		case 1:
			return g.number()
		case 2:
			return "text"
		case 3:
			return true
		case 4:
			return []any{g.number(), "x", nil}
		default:
			return map[string]any{"promptTokens": g.number(), "nested": map[string]any{"a": []any{}}}
		}
	}
}

// number returns the text of a JSON number, as a JavaScript server such as
// Make's could send it.
func (g schemaGen) number() json.Number {
	switch g.r.IntN(8) {
	case 0:
		return json.Number(strconv.FormatFloat(g.r.Float64()*1000, 'f', -1, 64)) // fractional
	case 1:
		return json.Number(strconv.FormatFloat(math.MaxFloat64*g.r.Float64(), 'g', -1, 64)) // huge
	case 2:
		return "1e300"
	case 3:
		return "-0"
	case 4:
		return "5e-324" // smallest double
	case 5:
		return "123456789012345678901234567890" // beyond int64
	case 6:
		return json.Number(strconv.FormatFloat(-g.r.Float64()*1e6, 'e', -1, 64))
	default:
		return json.Number(strconv.Itoa(g.r.IntN(100)))
	}
}

// TestRunResultsFromMakesSchemaDecode serves run results generated from the
// run 200 schema Make publishes (testdata/upstream/run-result.schema.json,
// verbatim) and requires every one to decode through the generated client,
// steps and all: one odd number must not cost a caller the whole answer.
func TestRunResultsFromMakesSchemaDecode(t *testing.T) {
	raw, err := os.ReadFile("../testdata/upstream/run-result.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema openapi3.Schema
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	const runs = 2000
	g := schemaGen{rand.New(rand.NewPCG(18, 3))} // seeded: the same bodies every run
	bodies := make([][]byte, runs)
	for i := range bodies {
		v := g.value(&schema, 0)
		if i == 0 { // at least one fractional index, whatever the seed gives
			v.(map[string]any)["executionSteps"] = []any{map[string]any{"role": "assistant", "content": "x", "index": json.Number("1.5")}}
		}
		if err := schema.VisitJSON(roundTrip(t, v)); err != nil {
			t.Fatalf("body %d is not valid against Make's schema: %v", i, err)
		}
		if bodies[i], err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	var next atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(bodies[next.Add(1)-1])
	}))
	defer srv.Close()
	c, err := api.New(api.WithoutEnvironment(), api.WithBaseURL(srv.URL), api.WithToken("test-token"), api.WithTeamID(1))
	if err != nil {
		t.Fatal(err)
	}
	fractional := 0
	for i := range runs {
		res, err := c.Generated().RunAgentWithResponse(context.Background(), agentID, nil, api.RunAgentRequest{Messages: []api.Message{{Role: api.MessageRoleUser, Content: "hi"}}})
		if err != nil {
			t.Fatalf("body %d did not decode: %v\n%s", i, err, bodies[i])
		}
		for _, st := range res.JSON200.ExecutionSteps {
			if st.Index != 0 && st.Index != math.Trunc(st.Index) {
				fractional++
			}
		}
	}
	if first := bodies[0]; fractional == 0 {
		t.Fatalf("no fractional index decoded; first body %s", first)
	}
	t.Logf("%d generated run results decoded, %d fractional step indexes among them", runs, fractional)
}

// roundTrip turns v into what encoding/json decodes it to, the form
// kin-openapi validates.
func roundTrip(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
