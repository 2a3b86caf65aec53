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
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/makeagents/makeagents-go/internal/spec"

	"github.com/makeagents/makeagents-go/internal/mediatype"
)

// APIPrefix is where the AI Agents paths start (see spec.APIPrefix).
const APIPrefix = spec.APIPrefix

// Validator validates traffic against one loaded spec. It is safe for
// concurrent use.
type Validator struct {
	spec *spec.Spec
	opts openapi3filter.Options
}

// New returns a Validator on the embedded openapi.yaml, loaded once per
// process (spec.Load).
func New() (*Validator, error) {
	s, err := spec.Load()
	if err != nil {
		return nil, fmt.Errorf("contract: %w", err)
	}
	return newValidator(s), nil
}

// NewFromSpec loads and validates the spec in data (for tests of other
// specs). Its servers are cleared: paths match from APIPrefix on.
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
	s := spec.New(doc)
	if err := errors.Join(s.EventErrors()...); err != nil {
		return nil, fmt.Errorf("contract: %w", err)
	}
	return newValidator(s), nil
}

func newValidator(s *spec.Spec) *Validator {
	return &Validator{spec: s, opts: openapi3filter.Options{
		MultiError:            true,
		IncludeResponseStatus: true,
		AuthenticationFunc:    checkAuthorization,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{
			openapi3.WithStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC4122)),
		},
	}}
}

// Spec returns the spec and its index. Callers must not modify it.
func (v *Validator) Spec() *spec.Spec { return v.spec }

// Doc returns the loaded spec (servers cleared). Callers must not modify it.
func (v *Validator) Doc() *openapi3.T { return v.spec.Doc() }

// EventTypes lists the SSE event types the spec documents.
func (v *Validator) EventTypes() []string { return v.spec.EventTypes() }

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

// Match finds the operation req addresses from its method and escaped
// path, for callers that have only the request (a transport). Callers that
// know the operation from the call use the *For methods instead.
func (v *Validator) Match(req *http.Request) (*spec.Operation, map[string]string, error) {
	op, params, err := v.spec.Match(req.Method, req.URL.EscapedPath())
	if err != nil {
		return nil, nil, fmt.Errorf("contract: %w", err)
	}
	return op, params, nil
}

// OperationID returns the operationId of the operation req addresses
// (e.g. "getAgent"), or an error if the spec has none there.
func (v *Validator) OperationID(req *http.Request) (string, error) {
	op, _, err := v.Match(req)
	if err != nil {
		return "", err
	}
	return op.ID, nil
}

func (v *Validator) route(op *spec.Operation) *routers.Route {
	return &routers.Route{Spec: v.spec.Doc(), Path: op.Path, PathItem: op.PathItem, Method: op.Method, Operation: op.Op}
}

// ValidateRequest checks method, path, parameters, security and JSON body of
// req against the spec, finding its operation with Match.
func (v *Validator) ValidateRequest(ctx context.Context, req *http.Request) error {
	op, params, err := v.Match(req)
	if err != nil {
		return err
	}
	return v.ValidateRequestFor(ctx, op, params, req)
}

// ValidateRequestFor checks req as a request of op, with the given path
// parameters (unescaped): parameters, security and JSON body. The body is
// read and put back, so req can still be sent or served.
func (v *Validator) ValidateRequestFor(ctx context.Context, op *spec.Operation, params map[string]string, req *http.Request) error {
	if req.Body != nil && req.Body != http.NoBody {
		body, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return fmt.Errorf("contract: read request body: %w", err)
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		defer func() { req.Body = io.NopCloser(bytes.NewReader(body)) }()
	}
	return v.validateRequest(ctx, op, params, req, v.opts)
}

// validateRequest runs kin-openapi's request check of req as op with opts.
func (v *Validator) validateRequest(ctx context.Context, op *spec.Operation, params map[string]string, req *http.Request, opts openapi3filter.Options) error {
	err := openapi3filter.ValidateRequest(ctx, &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: params,
		Route:      v.route(op),
		Options:    &opts,
	})
	if err != nil {
		return fmt.Errorf("contract: request %s %s: %w", req.Method, req.URL.Path, err)
	}
	return nil
}

// ValidateRequestParamsFor checks req as a request of op like
// ValidateRequestFor, except its body, which it leaves unread: for a body
// too large to hold in memory (a file upload), whose reader checks it
// while streaming.
func (v *Validator) ValidateRequestParamsFor(ctx context.Context, op *spec.Operation, params map[string]string, req *http.Request) error {
	opts := v.opts
	opts.ExcludeRequestBody = true
	// kin-openapi's security check reads the whole body even when the body
	// is excluded: give it a copy of req without one.
	bodiless := req.WithContext(ctx)
	bodiless.Body = http.NoBody
	return v.validateRequest(ctx, op, params, bodiless, opts)
}

// ValidateResponse checks a response to req, finding its operation with
// Match; see ValidateResponseFor.
func (v *Validator) ValidateResponse(ctx context.Context, req *http.Request, status int, header http.Header, body []byte) error {
	op, params, err := v.Match(req)
	if err != nil {
		return err
	}
	return v.ValidateResponseFor(ctx, op, params, req, status, header, body)
}

// ValidateResponseFor checks a response to req, a request of op: its status
// must be declared and its JSON body must match the declared schema. A
// text/event-stream body is not validated here; validate each event with
// ValidateEvent.
func (v *Validator) ValidateResponseFor(ctx context.Context, op *spec.Operation, params map[string]string, req *http.Request, status int, header http.Header, body []byte) error {
	opts := v.opts
	opts.ExcludeResponseBody = mediatype.IsEventStream(header.Get("Content-Type"))
	err := openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    req,
			PathParams: params,
			Route:      v.route(op),
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
	schema := v.spec.Event(eventType)
	if schema == nil {
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
	if err != nil || mediatype.IsEventStream(resp.Header.Get("Content-Type")) {
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
