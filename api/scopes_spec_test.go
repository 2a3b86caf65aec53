package api

import (
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// The scope table and the teamless operations are openapi.yaml's
// x-makeagents-scopes and x-makeagents-teamless, operation by operation.
func TestOperationScopesMatchSpec(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			n++
			var want []string
			list, _ := op.Extensions["x-makeagents-scopes"].([]any)
			for _, v := range list {
				want = append(want, v.(string))
			}
			got, ok := OperationScopes(op.OperationID)
			if !ok || !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("%s %s (%s): table says %q (%v), spec %q", method, path, op.OperationID, got, ok, want)
			}
			teamless, _ := op.Extensions["x-makeagents-teamless"].(bool)
			if o := lookupOperation(op.OperationID); o == nil || o.teamless() != teamless {
				t.Errorf("%s: teamless in spec %v, in the table %v", op.OperationID, teamless, o != nil && o.teamless())
			}
		}
	}
	if n != len(operationScopes) {
		t.Errorf("spec has %d operations, the scope table %d", n, len(operationScopes))
	}
}
