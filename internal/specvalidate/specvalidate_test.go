package specvalidate_test

import (
	"os"
	"strings"
	"testing"

	"github.com/makeagents/makeagents-go/internal/specvalidate"
)

func readSpec(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSpecIsValid(t *testing.T) {
	if problems := specvalidate.Validate("openapi.yaml", []byte(readSpec(t))); len(problems) > 0 {
		t.Fatalf("openapi.yaml has problems:\n%v", problems)
	}
}

// Each deliberate break of a copy of the spec is reported, with a location.
func TestBrokenSpecsAreReported(t *testing.T) {
	spec := readSpec(t)
	cases := []struct {
		name, old, new, want string
	}{
		{"example of the wrong type", "recursionLimit: 300\n", "recursionLimit: lots\n", "must be an integer"},
		{"schema example of the wrong type", "example: 300\n", "example: lots\n", "must be an integer"},
		{"dangling reference", "$ref: '#/components/schemas/HistoryConfig'", "$ref: '#/components/schemas/Nowhere'", "Nowhere"},
		{"upstream's numeric exclusiveMinimum", "exclusiveMinimum: true", "exclusiveMinimum: 0", "exclusiveMinimum"},
		{"operation without operationId", "operationId: deleteAgent\n", "\n", "operationId"},
		{"operation without scope", "x-makeagents-scopes: [ai-agents:read]\n      security:\n        - token: []\n      parameters:", "security:\n        - token: []\n      parameters:", "x-makeagents-scopes"},
		{"missing error response", "'429':\n          $ref: '#/components/responses/TooManyRequests'\n        5XX:\n          $ref: '#/components/responses/ServerError'\n  /ai-agents/v1/agents/{agentId}:", "5XX:\n          $ref: '#/components/responses/ServerError'\n  /ai-agents/v1/agents/{agentId}:", "429"},
		{"sse event pointer to nothing", "step: '#/components/schemas/Step'", "step: '#/components/schemas/Stepp'", "Stepp"},
		{"empty note", "x-makeagents-note: Make says `number`; token counts are integers.", "x-makeagents-note: ''", "x-makeagents-note"},
		{"not yaml", "openapi: 3.0.3", "openapi: [3.0.3", "YAML"},
		// An operation with no scope or no team must be marked and say why.
		{"teamless operation without its mark", "      x-makeagents-teamless: true\n", "", "teamId"},
		{"empty scopes without a note", "      x-makeagents-scopes: []\n      x-makeagents-teamless: true\n      x-makeagents-note: >-\n", "      x-makeagents-scopes: []\n      x-makeagents-teamless: true\n      x-makeagents-notes: >-\n", "x-makeagents-scopes"},
		{"teamless operation with a team", "operationId: listScenarios\n", "operationId: listScenarios\n      x-makeagents-teamless: true\n      x-makeagents-note: not really\n", "x-makeagents-teamless"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(spec, tc.old) {
				t.Fatalf("the spec no longer contains %q; update the test", tc.old)
			}
			broken := strings.Replace(spec, tc.old, tc.new, 1)
			problems := specvalidate.Validate("broken.yaml", []byte(broken))
			if len(problems) == 0 {
				t.Fatal("broken spec reported valid")
			}
			var all []string
			for _, p := range problems {
				if !strings.HasPrefix(p.Location, "broken.yaml") {
					t.Errorf("problem without a location: %v", p)
				}
				all = append(all, p.String())
			}
			if joined := strings.Join(all, "\n"); !strings.Contains(joined, tc.want) {
				t.Errorf("no problem mentions %q:\n%s", tc.want, joined)
			}
		})
	}
}
