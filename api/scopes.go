package api

import (
	"slices"
	"sort"
)

// operationScopes are the token scopes each operation needs, as
// openapi.yaml's x-makeagents-scopes names them (TestOperationScopesMatchSpec
// keeps the two equal). getCurrentAuthorization needs none.
var operationScopes = map[string][]string{
	"listAgents":              {"ai-agents:read"},
	"createAgent":             {"ai-agents:write"},
	"getAgent":                {"ai-agents:read"},
	"updateAgent":             {"ai-agents:write"},
	"deleteAgent":             {"ai-agents:write"},
	"runAgent":                {"ai-agents:write"},
	"runAgentStream":          {"ai-agents:write"},
	"createContext":           {"ai-agents:write"},
	"listContexts":            {"ai-agents:read"},
	"deleteContext":           {"ai-agents:write"},
	"listLLMProviders":        {"ai-agents:read"},
	"getLLMProvider":          {"ai-agents:read"},
	"listLLMProviderModels":   {"ai-agents:read"},
	"listConnections":         {"connections:read"},
	"listScenarios":           {"scenarios:read"},
	"getCurrentAuthorization": {},
}

// OperationScopes returns the token scopes an operation (by its
// operationId, e.g. "createAgent") needs; ok is false for an unknown
// operation.
func OperationScopes(operationID string) (scopes []string, ok bool) {
	s, ok := operationScopes[operationID]
	return slices.Clone(s), ok
}

// MissingScopes returns, sorted and without repeats, the scopes that the
// given operations need and have (a token's scopes, from
// CurrentAuthorization) lacks: nil when the token can call them all. Make
// answers a missing scope with a 403 that does not name it; this does.
// An unknown operationId needs nothing it can name and is ignored.
func MissingScopes(have []string, operationIDs ...string) []string {
	var missing []string
	for _, id := range operationIDs {
		for _, need := range operationScopes[id] {
			if !slices.Contains(have, need) && !slices.Contains(missing, need) {
				missing = append(missing, need)
			}
		}
	}
	sort.Strings(missing)
	return missing
}
