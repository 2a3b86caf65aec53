package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// bodyChecker is a JSON request body type the pipeline validates before
// sending. The generated operations table names checkBodyOf[T] for every
// operation with a JSON body, T its type in openapi.yaml, so a new body
// type does not compile until it says how it is checked.
type bodyChecker interface {
	// checkTyped validates a body given as a typed value (the value it was
	// encoded from; never re-parsed).
	checkTyped(p *pipeline, req *http.Request) error
	// checkRaw validates a body given as bytes (Generated()'s ...WithBody
	// methods, or a typed body a request editor may have changed).
	checkRaw(p *pipeline, req *http.Request) error
}

// checkBodyOf is the body check of an operation whose JSON body is a T.
// A streamed body (an upload) was checked by the method that streams it
// and is never read here.
func checkBodyOf[T bodyChecker](p *pipeline, c *call) error {
	if c.streamed {
		return nil
	}
	if body, ok := c.typed.(T); ok {
		return body.checkTyped(p, c.req)
	}
	var zero T
	return zero.checkRaw(p, c.req)
}

// createAgent: the body's teamId is filled from the query when missing and
// must match it.
func (b CreateAgentRequest) checkTyped(p *pipeline, req *http.Request) error {
	return p.fillCreateTeamTyped(req, b)
}

func (CreateAgentRequest) checkRaw(p *pipeline, req *http.Request) error {
	return p.fillCreateTeam(req)
}

// updateAgent: every field is optional, and Make checks the values; nothing
// the SDK can refuse before sending.
func (UpdateAgentRequest) checkTyped(*pipeline, *http.Request) error { return nil }

func (UpdateAgentRequest) checkRaw(*pipeline, *http.Request) error { return nil }

// runAgent and runAgentStream: at least one message, none empty, no empty
// threadId.
func (b RunAgentRequest) checkTyped(*pipeline, *http.Request) error {
	return ValidateRunRequest(b)
}

func (RunAgentRequest) checkRaw(_ *pipeline, req *http.Request) error { return checkRunBody(req) }

// createContext (text): the agent id and the context's name.
func (b CreateTextContextRequest) checkTyped(*pipeline, *http.Request) error {
	return validateTextContext(b)
}

func (CreateTextContextRequest) checkRaw(_ *pipeline, req *http.Request) error {
	return checkTextContext(req)
}

// queryChecks validate query parameters by name, whichever operation takes
// them (the generated table lists each operation's). teamId is checked by
// the pipeline's team resolution; the pg sort parameters are Make's to
// refuse (TestEveryQueryParameterIsChecked keeps this list complete).
var queryChecks = map[string]func(values []string) error{
	"agentId": func(v []string) error { return ValidateAgentID(first(v)) },
	"type[]": func(v []string) error {
		for _, t := range v {
			if err := ValidateConnectionType(t); err != nil {
				return err
			}
		}
		return nil
	},
	"type": func(v []string) error {
		if len(v) != 1 || !validScenarioType(ScenarioType(v[0])) {
			return &ValidationError{Field: "type", Reason: fmt.Sprintf(`%.32q; use "scenario" or "tool"`, strings.Join(v, ","))}
		}
		return nil
	},
	"pg[offset]": func(v []string) error { return checkPage("pg[offset]", first(v), 0) },
	"pg[limit]":  func(v []string) error { return checkPage("pg[limit]", first(v), 1) },
}

// uncheckedQuery are the query parameters the SDK sends unchecked, and why.
var uncheckedQuery = map[string]string{
	"teamId":      "resolved and checked by the pipeline (resolveTeam)",
	"pg[sortBy]":  "an enum in the spec; Make refuses other values",
	"pg[sortDir]": "an enum in the spec; Make refuses other values",
}

// checkQuery validates the query parameters of op that are present in q.
// agentId is required where it is taken (listContexts): absent is checked
// as empty.
func checkQuery(op *operation, q url.Values) error {
	for _, name := range op.query {
		check := queryChecks[name]
		if check == nil {
			continue
		}
		v, ok := q[name]
		if !ok && name != "agentId" {
			continue
		}
		if err := check(v); err != nil {
			return err
		}
	}
	return nil
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}
