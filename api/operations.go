package api

import (
	"net/http"
	"strings"
)

// opKind says which bounds apply to an operation's response.
type opKind int

const (
	opShort  opKind = iota // list, get, create, update, delete, contexts, providers
	opRun                  // a non-streaming run: answers only when the agent is done
	opStream               // run/stream: headers first, then events for as long as the run takes
)

// operation is what the pipeline knows of one API operation. The
// table below is checked against openapi.yaml by TestOperationsMatchSpec,
// so a new operation in the spec cannot be forgotten here.
type operation struct {
	id     string // the operationId in openapi.yaml
	method string
	path   string // under the base URL; {x} matches one path segment
	kind   opKind
	// status is the documented success status of an operation whose
	// success body is JSON; 0 when the success has no body to decode.
	status int
}

// operations are the 13 operations of Make's AI Agents API and the three
// discovery reads of Make API v2 in openapi.yaml.
var operations = []operation{
	{"listAgents", http.MethodGet, "/ai-agents/v1/agents", opShort, http.StatusOK},
	{"createAgent", http.MethodPost, "/ai-agents/v1/agents", opShort, http.StatusCreated},
	{"getAgent", http.MethodGet, "/ai-agents/v1/agents/{agentId}", opShort, http.StatusOK},
	{"updateAgent", http.MethodPatch, "/ai-agents/v1/agents/{agentId}", opShort, 0},
	{"deleteAgent", http.MethodDelete, "/ai-agents/v1/agents/{agentId}", opShort, 0},
	{"runAgent", http.MethodPost, "/ai-agents/v1/agents/{agentId}/run", opRun, http.StatusOK},
	{"runAgentStream", http.MethodPost, "/ai-agents/v1/agents/{agentId}/run/stream", opStream, 0},
	{"createContext", http.MethodPost, "/ai-agents/v1/contexts", opShort, 0},
	{"listContexts", http.MethodGet, "/ai-agents/v1/contexts", opShort, http.StatusOK},
	{"deleteContext", http.MethodDelete, "/ai-agents/v1/contexts/{contextId}", opShort, 0},
	{"listLLMProviders", http.MethodGet, "/ai-agents/v1/llm-providers", opShort, http.StatusOK},
	{"getLLMProvider", http.MethodGet, "/ai-agents/v1/llm-providers/{providerId}", opShort, http.StatusOK},
	{"listLLMProviderModels", http.MethodGet, "/ai-agents/v1/llm-providers/{providerId}/models", opShort, http.StatusOK},
	// Discovery: Make API v2 reads outside /ai-agents that setting up an
	// agent needs (connection ids, tool scenarios, the token's scopes).
	{"listConnections", http.MethodGet, "/connections", opShort, http.StatusOK},
	{"listScenarios", http.MethodGet, "/scenarios", opShort, http.StatusOK},
	{"getCurrentAuthorization", http.MethodGet, "/users/me/current-authorization", opShort, http.StatusOK},
}

// teamless reports whether an operation takes no teamId: it is about the
// token, not a team (openapi.yaml marks it x-makeagents-teamless; a test
// keeps the two in step). The default team is not added to its query.
func (op operation) teamless() bool { return op.id == "getCurrentAuthorization" }

// lookupOperation returns the operation of an operationId, nil for none.
func lookupOperation(id string) *operation {
	for i := range operations {
		if operations[i].id == id {
			return &operations[i]
		}
	}
	return nil
}

// matchPath reports whether path has pattern's segments, a {param} matching
// any one non-empty segment. It walks both strings without allocating: it
// runs for every request.
func matchPath(pattern, path string) bool {
	for {
		p, prest, pmore := strings.Cut(pattern, "/")
		x, xrest, xmore := strings.Cut(path, "/")
		if strings.HasPrefix(p, "{") {
			if x == "" {
				return false
			}
		} else if p != x {
			return false
		}
		if pmore != xmore {
			return false
		}
		if !pmore {
			return true
		}
		pattern, path = prest, xrest
	}
}
