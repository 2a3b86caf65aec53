// Package contract checks HTTP traffic against openapi.yaml with kin-openapi:
// requests a client sends, responses a server returns and the data of each
// Server-Sent Event on the run/stream endpoint. The generated-client tests,
// makeagentstest and the conformance command share it, so "valid" means the
// same thing everywhere.
package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	makeagents "github.com/makeagents/makeagents-go"
	"github.com/makeagents/makeagents-go/internal/specvalidate"
)

// APIPrefix is where the AI Agents paths start. Everything before it in a
// request path (a zone's /api/v2, a test server's mount point) is the base
// URL and is ignored for routing.
const APIPrefix = "/ai-agents/"

// Validator validates traffic against one loaded spec. It is safe for
// concurrent use.
type Validator struct {
	doc    *openapi3.T
	router routers.Router
	events map[string]*openapi3.Schema
	opts   openapi3filter.Options
}

// New loads the embedded openapi.yaml (makeagents.OpenAPISpec).
func New() (*Validator, error) { return NewFromSpec(makeagents.OpenAPISpec) }

// NewFromSpec loads the spec in data. Its servers are cleared so that routing
// depends only on the path after the base URL.
func NewFromSpec(data []byte) (*Validator, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("contract: load spec: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("contract: invalid spec: %w", err)
	}
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("contract: build router: %w", err)
	}
	v := &Validator{doc: doc, router: router, events: map[string]*openapi3.Schema{}}
	v.opts = openapi3filter.Options{
		MultiError:            true,
		IncludeResponseStatus: true,
		AuthenticationFunc:    checkAuthorization,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{
			openapi3.WithStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC4122)),
		},
	}
	if err := v.loadEvents(); err != nil {
		return nil, err
	}
	return v, nil
}

// Doc returns the loaded spec (servers cleared). Callers must not modify it.
func (v *Validator) Doc() *openapi3.T { return v.doc }

// EventTypes lists the SSE event types the spec documents.
func (v *Validator) EventTypes() []string {
	out := make([]string, 0, len(v.events))
	for t := range v.events {
		out = append(out, t)
	}
	return out
}

func (v *Validator) loadEvents() error {
	for _, path := range v.doc.Paths.InMatchingOrder() {
		for _, op := range v.doc.Paths.Value(path).Operations() {
			for _, resp := range op.Responses.Map() {
				if resp.Value == nil {
					continue
				}
				for _, media := range resp.Value.Content {
					events, err := specvalidate.SSEEvents(v.doc, media)
					if err != nil {
						return fmt.Errorf("contract: %w", err)
					}
					maps.Copy(v.events, events)
				}
			}
		}
	}
	return nil
}

// checkAuthorization stands in for the spec's `token` scheme: the header
// must be present and carry a Token or Bearer credential. It never echoes the
// header's value.
func checkAuthorization(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	h := in.RequestValidationInput.Request.Header.Get("Authorization")
	scheme, cred, ok := strings.Cut(h, " ")
	if !ok || strings.TrimSpace(cred) == "" || (scheme != "Token" && scheme != "Bearer") {
		return errors.New(`authorization header must be "Token <api token>" or "Bearer <oauth token>"`)
	}
	return nil
}

// route finds the operation of req, routing on the path from APIPrefix on.
func (v *Validator) route(req *http.Request) (*routers.Route, map[string]string, error) {
	u := *req.URL
	i := strings.Index(u.Path, APIPrefix)
	if i < 0 {
		return nil, nil, fmt.Errorf("contract: %s %s: path is outside %s", req.Method, u.Path, APIPrefix)
	}
	// Route on the escaped path, so an id holding "/" stays one segment (and
	// then fails the agentId schema) instead of becoming extra segments.
	escaped := u.EscapedPath()
	j := strings.Index(escaped, APIPrefix)
	if j < 0 {
		j = i
		escaped = u.Path
	}
	u.Path, u.RawPath = escaped[j:], ""
	u.Scheme, u.Host = "", ""
	routed := req.Clone(req.Context())
	routed.URL = &u
	route, params, err := v.router.FindRoute(routed)
	if err != nil {
		return nil, nil, fmt.Errorf("contract: %s %s: %w", req.Method, u.Path, err)
	}
	// Path parameters arrive escaped; validate what the server will see.
	for k, p := range params {
		if un, err := url.PathUnescape(p); err == nil {
			params[k] = un
		}
	}
	return route, params, nil
}

// OperationID returns the operationId of the operation req addresses
// (e.g. "getAgent"), or an error if the spec has none there.
func (v *Validator) OperationID(req *http.Request) (string, error) {
	route, _, err := v.route(req)
	if err != nil {
		return "", err
	}
	return route.Operation.OperationID, nil
}

// ValidateRequest checks method, path, parameters, security and JSON body of
// req against the spec. The body is read and put back, so req can still be
// sent or served.
func (v *Validator) ValidateRequest(ctx context.Context, req *http.Request) error {
	route, params, err := v.route(req)
	if err != nil {
		return err
	}
	if req.Body != nil && req.Body != http.NoBody {
		body, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return fmt.Errorf("contract: read request body: %w", err)
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		defer func() { req.Body = io.NopCloser(bytes.NewReader(body)) }()
	}
	opts := v.opts
	err = openapi3filter.ValidateRequest(ctx, &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: params,
		Route:      route,
		Options:    &opts,
	})
	if err != nil {
		return fmt.Errorf("contract: request %s %s: %w", req.Method, req.URL.Path, err)
	}
	return nil
}

// ValidateResponse checks a response to req: its status must be declared and
// its JSON body must match the declared schema. A text/event-stream body is
// not validated here; validate each event with ValidateEvent.
func (v *Validator) ValidateResponse(ctx context.Context, req *http.Request, status int, header http.Header, body []byte) error {
	route, params, err := v.route(req)
	if err != nil {
		return err
	}
	opts := v.opts
	opts.ExcludeResponseBody = isEventStream(header.Get("Content-Type"))
	err = openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    req,
			PathParams: params,
			Route:      route,
			Options:    &opts,
		},
		Status:  status,
		Header:  header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: &opts,
	})
	if err != nil {
		return fmt.Errorf("contract: response %d to %s %s: %w", status, req.Method, req.URL.Path, err)
	}
	return nil
}

// ValidateEvent checks one SSE event: its type must be documented and its
// data must be JSON matching that type's schema.
func (v *Validator) ValidateEvent(eventType string, data []byte) error {
	schema, ok := v.events[eventType]
	if !ok {
		return fmt.Errorf("contract: SSE event type %q is not documented in openapi.yaml", eventType)
	}
	var value any
	if err := json.Unmarshal(data, &value); err != nil {
		return fmt.Errorf("contract: SSE %q event data is not JSON: %w", eventType, err)
	}
	if err := schema.VisitJSON(value, openapi3.MultiErrors()); err != nil {
		return fmt.Errorf("contract: SSE %q event data: %w", eventType, err)
	}
	return nil
}

func isEventStream(contentType string) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(contentType)), "text/event-stream")
}

// RoundTripper returns a transport that validates every request before
// sending it through next and every response after; each violation is
// passed to report (a test's t.Error, say) and the exchange goes on, so one
// test run shows every problem. Response bodies are buffered for validation
// except event streams, which are passed through untouched.
func (v *Validator) RoundTripper(next http.RoundTripper, report func(error)) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripper{v: v, next: next, report: report}
}

type roundTripper struct {
	v      *Validator
	next   http.RoundTripper
	report func(error)
}

func (rt roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	// Validate a clone: RoundTrippers must not modify the caller's request.
	checked := req.Clone(req.Context())
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		checked.Body = body
	}
	if err := rt.v.ValidateRequest(req.Context(), checked); err != nil {
		rt.report(err)
	}
	resp, err := rt.next.RoundTrip(req)
	if err != nil || isEventStream(resp.Header.Get("Content-Type")) {
		if err == nil {
			if verr := rt.v.ValidateResponse(req.Context(), checked, resp.StatusCode, resp.Header, nil); verr != nil {
				rt.report(verr)
			}
		}
		return resp, err
	}
	body, readErr := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if readErr != nil {
		return nil, readErr
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err := rt.v.ValidateResponse(req.Context(), checked, resp.StatusCode, resp.Header, body); err != nil {
		rt.report(err)
	}
	return resp, nil
}
