package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/makeagents/makeagents-go/internal/spec"
)

// listCalls calls each operation that lists or authorizes through its
// Client method.
var listCalls = map[string]func(*Client) error{
	"listAgents":              func(c *Client) error { _, err := c.ListAgents(context.Background()); return err },
	"listContexts":            func(c *Client) error { _, err := c.ListContexts(context.Background(), testAgent); return err },
	"listLLMProviders":        func(c *Client) error { _, err := c.ListLLMProviders(context.Background()); return err },
	"getLLMProvider":          func(c *Client) error { _, err := c.GetLLMProvider(context.Background(), 1); return err },
	"listLLMProviderModels":   func(c *Client) error { _, err := c.ListLLMProviderModels(context.Background(), 1); return err },
	"listConnections":         func(c *Client) error { _, err := c.ListConnections(context.Background(), nil); return err },
	"listScenarios":           func(c *Client) error { _, err := c.ListScenarios(context.Background(), ScenarioQuery{}); return err },
	"getCurrentAuthorization": func(c *Client) error { _, err := c.CurrentAuthorization(context.Background()); return err },
}

// validBodies are a minimal body of each object-shaped answer with every
// field openapi.yaml requires.
var validBodies = map[string]string{
	"listConnections":         `{"connections":[]}`,
	"listScenarios":           `{"scenarios":[],"pg":{"offset":0,"limit":10}}`,
	"getCurrentAuthorization": `{"authorization":{"scope":[],"authUsed":"token"}}`,
}

// An answer that says nothing is not an empty result: for every operation
// that lists or authorizes, a body of null or {} (no list, no element), and
// for object bodies the valid body less any field openapi.yaml requires
// (nested ones included), is an *UnexpectedResponseError naming what is
// missing. The required fields come from the spec, so a field made
// required there and not checked by the SDK fails this test.
func TestRequiredResponseFieldsRefused(t *testing.T) {
	s, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	body := ""
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		writeJSON(w, http.StatusOK, body)
	}))
	defer srv.Close()
	c, _, _ := newTestClient(t, srv, WithRetry(RetryPolicy{}))
	answer := func(b string) { mu.Lock(); body = b; mu.Unlock() }

	for opID, call := range listCalls {
		op, ok := s.Operation(opID)
		if !ok {
			t.Fatalf("%s is not in the spec", opID)
		}
		schema := op.Op.Responses.Value("200").Value.Content.Get("application/json").Schema.Value
		for _, b := range []string{`null`, `{}`, ` null `} {
			answer(b)
			err := call(c)
			scanErr(err)
			var ue *UnexpectedResponseError
			if !errors.As(err, &ue) || string(ue.Body) != b {
				t.Errorf("%s answered %q: err %v, want an *UnexpectedResponseError keeping the body", opID, b, err)
			}
		}
		if !schema.Type.Is(openapi3.TypeObject) {
			continue
		}
		valid, ok := validBodies[opID]
		if !ok {
			t.Errorf("%s: no valid body to test its required fields with", opID)
			continue
		}
		answer(valid)
		if err := call(c); err != nil {
			t.Errorf("%s: the valid body %s: %v", opID, valid, err)
		}
		for _, path := range requiredPaths(schema, nil) {
			for _, null := range []bool{false, true} {
				b := withoutField(t, valid, path, null)
				answer(b)
				err := call(c)
				scanErr(err)
				var ue *UnexpectedResponseError
				var mf *MissingFieldError
				if !errors.As(err, &ue) || !errors.As(err, &mf) || mf.Field != path[len(path)-1] || !strings.Contains(err.Error(), path[len(path)-1]) {
					t.Errorf("%s answered %s (no %s): err %v, want an *UnexpectedResponseError naming it", opID, b, strings.Join(path, "."), err)
				}
			}
		}
	}
}

// requiredPaths lists the required properties of schema, and those of its
// required object properties, as paths of JSON names.
func requiredPaths(schema *openapi3.Schema, prefix []string) [][]string {
	var out [][]string
	for _, name := range schema.Required {
		path := append(slices.Clone(prefix), name)
		out = append(out, path)
		if p := schema.Properties[name]; p != nil && p.Value != nil && p.Value.Type.Is(openapi3.TypeObject) {
			out = append(out, requiredPaths(p.Value, path)...)
		}
	}
	return out
}

// withoutField returns body with the field at path removed, or set to null.
func withoutField(t *testing.T, body string, path []string, null bool) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatal(err)
	}
	obj := m
	for _, k := range path[:len(path)-1] {
		obj = obj[k].(map[string]any)
	}
	if null {
		obj[path[len(path)-1]] = nil
	} else {
		delete(obj, path[len(path)-1])
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
