package api

import (
	"slices"
	"sort"
	"strings"
)

// OperationScopes returns the token scopes an operation needs, as
// openapi.yaml's x-makeagents-scopes names them (the operations table is
// generated from it); ok is false for an operationId the spec does not
// have.
func OperationScopes(op OperationID) (scopes []string, ok bool) {
	o := lookupOperation(op)
	if o == nil {
		return nil, false
	}
	return slices.Clone(o.scopes), true
}

// MissingScopes returns, sorted and without repeats, the scopes that the
// given operations need and have (a token's scopes, from
// CurrentAuthorization) lacks: nil when the token can call them all. Make
// answers a missing scope with a 403 that does not name it; this does.
//
// Scopes are compared in both spellings Make publishes: its operations say
// `user:read` (resource:access), its one current-authorization example
// says `read:user` (access:resource); a held `read:scenarios` grants a
// needed `scenarios:read`. The missing scopes are named as the operations
// spell them.
//
// An operationId the spec does not have is an error (naming it), never
// "nothing missing".
func MissingScopes(have []string, ops ...OperationID) ([]string, error) {
	held := make(map[string]bool, len(have))
	for _, s := range have {
		held[CanonicalScope(s)] = true
	}
	var missing []string
	for _, id := range ops {
		o := lookupOperation(id)
		if o == nil {
			return nil, errorf("MissingScopes: %.64q is not an operationId of openapi.yaml (use the api.Op... constants)", string(id))
		}
		for _, need := range o.scopes {
			if !held[CanonicalScope(need)] && !slices.Contains(missing, need) {
				missing = append(missing, need)
			}
		}
	}
	sort.Strings(missing)
	return missing, nil
}

// scopeAccess are the access levels of Make's scopes.
var scopeAccess = []string{"read", "write"}

// CanonicalScope returns a scope in the spelling of Make's operations,
// resource first: "read:user" becomes "user:read", "ai-agents:write" stays.
// A scope with any other shape is returned as it is.
func CanonicalScope(s string) string {
	a, b, ok := strings.Cut(s, ":")
	if ok && slices.Contains(scopeAccess, a) && !slices.Contains(scopeAccess, b) && b != "" {
		return b + ":" + a
	}
	return s
}
