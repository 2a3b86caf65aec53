// Package spec owns openapi.yaml inside the module: the embedded copy
// (spec.gen.go, generated so that check-generated proves it current), loaded
// and validated once per process, and one index of it that every other
// package stands on: the operations by operationId and by method and path
// template, and the schemas of the SSE events each operation streams
// (x-makeagents-sse-events). The contract checks, the drift report, the
// fake's validation and validate-spec's project rules all read the spec
// through it.
//
//	s, err := spec.Load()
//	op, ok := s.Operation("getAgent") // op.Method "GET", op.Path "/ai-agents/v1/agents/{agentId}"
//	schema := s.Event("step")          // the data schema of a step event
package spec

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// APIPrefix is where the AI Agents paths start. Everything before it in a
// request path (a zone's /api/v2, a test server's mount point) is the base
// URL. The discovery operations (/connections, /scenarios, /users/...)
// start at their own first segment; Match finds the base from whichever of
// the spec's first segments comes first in the path.
const APIPrefix = "/ai-agents/"

// SSEEventsExtension maps each SSE event type of a text/event-stream
// response to a pointer to the schema of that event's data, e.g.
// `x-makeagents-sse-events: {step: '#/components/schemas/Step'}`.
const SSEEventsExtension = "x-makeagents-sse-events"

// Operation is one operation of the spec.
type Operation struct {
	// ID is the operationId ("" when the spec gives none; validate-spec
	// reports that).
	ID string
	// Method is the HTTP method in upper case, e.g. "GET".
	Method string
	// Path is the path template, e.g. "/ai-agents/v1/agents/{agentId}".
	Path string
	// PathItem and Op are the spec's objects for the operation.
	PathItem *openapi3.PathItem
	Op       *openapi3.Operation
	// Events maps the SSE event types of the operation's responses to the
	// schemas of their data (nil when it streams nothing).
	Events map[string]*openapi3.Schema

	segments []string // Path split at "/", for Match
}

// Spec is a loaded spec and its index. It is read-only and safe for
// concurrent use.
type Spec struct {
	doc     *openapi3.T
	ops     []*Operation
	byID    map[string]*Operation
	byRoute map[string]*Operation // "GET /ai-agents/v1/agents"
	events  map[string]*openapi3.Schema
	// eventErrs lists malformed x-makeagents-sse-events maps, with where
	// they are; such a map documents no events.
	eventErrs []error
}

var (
	loadOnce sync.Once
	loaded   *Spec
	loadErr  error
)

// Load returns the embedded openapi.yaml, loaded, validated and indexed on
// the first call and shared afterwards. Its servers are cleared: the base
// URL depends on the zone, and paths are matched from APIPrefix on.
func Load() (*Spec, error) {
	loadOnce.Do(func() {
		doc, err := GetSpec()
		if err != nil {
			loadErr = fmt.Errorf("spec: load embedded openapi.yaml: %w", err)
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			loadErr = fmt.Errorf("spec: embedded openapi.yaml is invalid: %w", err)
			return
		}
		doc.Servers = nil
		loaded = New(doc)
		if err := errors.Join(loaded.eventErrs...); err != nil {
			loaded, loadErr = nil, fmt.Errorf("spec: embedded openapi.yaml: %w", err)
		}
	})
	return loaded, loadErr
}

// New indexes doc. It never fails: what is wrong with doc is validate-spec's
// to report (see EventErrors), and an index of what is there is still
// useful to it.
func New(doc *openapi3.T) *Spec {
	s := &Spec{doc: doc, byID: map[string]*Operation{}, byRoute: map[string]*Operation{}, events: map[string]*openapi3.Schema{}}
	if doc.Paths == nil {
		return s
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		ops := item.Operations()
		for _, method := range slices.Sorted(maps.Keys(ops)) {
			op := &Operation{ID: ops[method].OperationID, Method: strings.ToUpper(method), Path: path, PathItem: item, Op: ops[method], segments: strings.Split(path, "/")}
			op.Events = s.indexEvents(op)
			s.ops = append(s.ops, op)
			if op.ID != "" {
				s.byID[op.ID] = op
			}
			s.byRoute[op.Method+" "+op.Path] = op
		}
	}
	return s
}

func (s *Spec) indexEvents(op *Operation) map[string]*openapi3.Schema {
	if op.Op.Responses == nil {
		return nil
	}
	var out map[string]*openapi3.Schema
	for _, status := range slices.Sorted(maps.Keys(op.Op.Responses.Map())) {
		ref := op.Op.Responses.Value(status)
		if ref == nil || ref.Value == nil {
			continue
		}
		for _, ctype := range slices.Sorted(maps.Keys(ref.Value.Content)) {
			events, err := SSEEvents(s.doc, ref.Value.Content[ctype])
			if err != nil {
				s.eventErrs = append(s.eventErrs, fmt.Errorf("%s %s response %s %s: %w", op.Method, op.Path, status, ctype, err))
				continue
			}
			if out == nil && len(events) > 0 {
				out = map[string]*openapi3.Schema{}
			}
			maps.Copy(out, events)
			maps.Copy(s.events, events)
		}
	}
	return out
}

// Doc returns the loaded document. Callers must not modify it.
func (s *Spec) Doc() *openapi3.T { return s.doc }

// Operations returns every operation, in the spec's path matching order and
// then by method.
func (s *Spec) Operations() []*Operation { return slices.Clone(s.ops) }

// Operation returns the operation with operationId id.
func (s *Spec) Operation(id string) (*Operation, bool) {
	op, ok := s.byID[id]
	return op, ok
}

// Route returns the operation at method and path template, e.g. "GET" and
// "/ai-agents/v1/agents/{agentId}": how a router that has already matched
// a request (net/http's ServeMux pattern, say) names its operation.
func (s *Spec) Route(method, template string) (*Operation, bool) {
	op, ok := s.byRoute[strings.ToUpper(method)+" "+template]
	return op, ok
}

// Event returns the data schema of SSE event type t, or nil when no
// operation documents it.
func (s *Spec) Event(t string) *openapi3.Schema { return s.events[t] }

// EventTypes lists the documented SSE event types, sorted.
func (s *Spec) EventTypes() []string { return slices.Sorted(maps.Keys(s.events)) }

// EventErrors reports the malformed x-makeagents-sse-events maps found
// while indexing.
func (s *Spec) EventErrors() []error { return slices.Clone(s.eventErrs) }

// Errors Match returns, for callers that answer as a server would.
var (
	ErrNotFound         = errors.New("no operation at this path")
	ErrMethodNotAllowed = errors.New("method not allowed at this path")
)

// Match finds the operation of a request from its method and escaped path,
// for callers that only have the request (a transport validating what a
// client sends). Everything before APIPrefix is the base URL. Matching is
// segment by segment on the escaped path, so an id holding "/" stays one
// segment; the path parameters are returned unescaped. A literal segment
// beats a parameter, as in the spec's matching order.
func (s *Spec) Match(method, escapedPath string) (*Operation, map[string]string, error) {
	i := s.base(escapedPath)
	if i < 0 {
		return nil, nil, fmt.Errorf("%s %s: path is outside %s: %w", method, escapedPath, APIPrefix, ErrNotFound)
	}
	segs := strings.Split(escapedPath[i:], "/")
	pathFound := false
	for _, op := range s.ops { // InMatchingOrder: literal paths first
		params, ok := op.match(segs)
		if !ok {
			continue
		}
		pathFound = true
		if op.Method == strings.ToUpper(method) {
			return op, params, nil
		}
	}
	if pathFound {
		return nil, nil, fmt.Errorf("%s %s: %w", method, escapedPath[i:], ErrMethodNotAllowed)
	}
	return nil, nil, fmt.Errorf("%s %s: %w", method, escapedPath[i:], ErrNotFound)
}

// PathParams reads the path parameters of a request already known to be a
// request of op (a router matched it) from its escaped path, unescaped.
// ok is false when the path does not fit op's template.
func (op *Operation) PathParams(escapedPath string) (params map[string]string, ok bool) {
	i := rootIndex(escapedPath, op.root())
	if i < 0 {
		return nil, false
	}
	return op.match(strings.Split(escapedPath[i:], "/"))
}

// root is the first segment of the operation's path ("ai-agents",
// "connections"): where its path starts after the base URL.
func (op *Operation) root() string {
	if len(op.segments) < 2 {
		return ""
	}
	return op.segments[1]
}

// base returns where the API path starts in escapedPath: at the earliest
// first segment of any operation ("/ai-agents/", "/connections", ...), so
// that "/api/v2/ai-agents/v1/agents/connections" is an agent path, not the
// connections list. -1 when no operation's path is in it.
func (s *Spec) base(escapedPath string) int {
	best := -1
	for _, op := range s.ops {
		if i := rootIndex(escapedPath, op.root()); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	return best
}

// rootIndex returns the index of "/"+root in escapedPath where it is a whole
// segment (followed by "/" or the end), or -1.
func rootIndex(escapedPath, root string) int {
	if root == "" {
		return -1
	}
	from := 0
	for {
		j := strings.Index(escapedPath[from:], "/"+root)
		if j < 0 {
			return -1
		}
		j += from
		end := j + 1 + len(root)
		if end == len(escapedPath) || escapedPath[end] == '/' {
			return j
		}
		from = j + 1
	}
}

// Scopes returns the token scopes the operation needs, as its
// x-makeagents-scopes extension names them (none for an operation any
// token may call).
func (op *Operation) Scopes() []string {
	list, _ := op.Op.Extensions["x-makeagents-scopes"].([]any)
	out := make([]string, 0, len(list))
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// Teamless reports whether the operation takes no teamId (openapi.yaml's
// x-makeagents-teamless): it is about the token, not a team.
func (op *Operation) Teamless() bool {
	b, _ := op.Op.Extensions["x-makeagents-teamless"].(bool)
	return b
}

func (op *Operation) match(segs []string) (map[string]string, bool) {
	if len(segs) != len(op.segments) {
		return nil, false
	}
	var params map[string]string
	for i, t := range op.segments {
		name, isParam := strings.CutPrefix(t, "{")
		if !isParam {
			if segs[i] != t {
				return nil, false
			}
			continue
		}
		if segs[i] == "" {
			return nil, false
		}
		v, err := url.PathUnescape(segs[i])
		if err != nil {
			return nil, false
		}
		if params == nil {
			params = map[string]string{}
		}
		params[strings.TrimSuffix(name, "}")] = v
	}
	return params, true
}

// SSEEvents returns the event types media documents in SSEEventsExtension
// and the schemas of their data (none when media has no such extension).
// It is the one reader of the extension.
func SSEEvents(doc *openapi3.T, media *openapi3.MediaType) (map[string]*openapi3.Schema, error) {
	if media == nil {
		return nil, nil
	}
	raw, ok := media.Extensions[SSEEventsExtension]
	if !ok {
		return nil, nil
	}
	events, ok := raw.(map[string]any)
	if !ok || len(events) == 0 {
		return nil, fmt.Errorf("%s must map event types to schema pointers", SSEEventsExtension)
	}
	out := make(map[string]*openapi3.Schema, len(events))
	for event, ptr := range events {
		p, _ := ptr.(string)
		schema, err := ResolveSchemaPointer(doc, p)
		if err != nil {
			return nil, fmt.Errorf("%s[%q]: %w", SSEEventsExtension, event, err)
		}
		out[event] = schema
	}
	return out, nil
}

// ResolveSchemaPointer resolves a local pointer of the form
// `#/components/schemas/Name`, as used by x-makeagents-sse-events.
func ResolveSchemaPointer(doc *openapi3.T, ptr string) (*openapi3.Schema, error) {
	name, ok := strings.CutPrefix(ptr, "#/components/schemas/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return nil, fmt.Errorf("%q is not a #/components/schemas/<Name> pointer", ptr)
	}
	if doc.Components == nil {
		return nil, fmt.Errorf("schema %q does not exist", name)
	}
	ref, ok := doc.Components.Schemas[name]
	if !ok || ref.Value == nil {
		return nil, fmt.Errorf("schema %q does not exist", name)
	}
	return ref.Value, nil
}
