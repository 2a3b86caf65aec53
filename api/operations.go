package api

import "strings"

// opKind says which bounds apply to an operation's response.
type opKind int

const (
	opShort  opKind = iota // list, get, create, update, delete, contexts, providers
	opRun                  // a non-streaming run: answers only when the agent is done
	opStream               // run/stream: headers first, then events for as long as the run takes
)

// operation is what the pipeline knows of one API operation. The table,
// operations, is generated from openapi.yaml by internal/codegen/client.tmpl
// into api.gen.go: one copy of the spec.
type operation struct {
	id     OperationID
	method string
	path   string // under the base URL; {x} matches one path segment
	kind   opKind
	// status is the documented success status of an operation whose
	// success body is JSON; 0 when the success has no body to decode.
	status int
	// scopes are the token scopes the operation needs.
	scopes []string
	// teamless: the operation is about the token, not a team; the default
	// team is not added to its query.
	teamless bool
	// checkBody validates the operation's JSON body before it is sent (nil:
	// no JSON body).
	checkBody func(p *pipeline, c *call) error
	// query names the operation's query parameters; those in queryChecks
	// are validated before the request is sent.
	query []string
}

// lookupOperation returns the operation of an operationId, nil for none.
func lookupOperation(id OperationID) *operation {
	for i := range operations {
		if operations[i].id == id {
			return &operations[i]
		}
	}
	return nil
}

// Valid reports whether id is an operation of openapi.yaml.
func (id OperationID) Valid() bool { return lookupOperation(id) != nil }

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
