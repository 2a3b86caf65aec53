package conformance

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/makeagents/makeagents-go/internal/spec"

	"github.com/makeagents/makeagents-go/internal/mediatype"
)

// Spec answers "does this response drift from openapi.yaml?" per operation.
type Spec struct {
	spec *spec.Spec
}

// NewSpec reports drift against s's operations and event schemas.
func NewSpec(s *spec.Spec) *Spec { return &Spec{spec: s} }

// Response checks one response of operation opID: is the status declared,
// the content type declared, the body valid and complete, and are there
// headers worth knowing that the spec does not mention.
func (s *Spec) Response(opID string, status int, header http.Header, body []byte) []Finding {
	where := "response " + strconv.Itoa(status)
	tag := func(fs []Finding) []Finding {
		for i := range fs {
			fs[i].Operation, fs[i].Where = opID, where
		}
		return fs
	}
	indexed, ok := s.spec.Operation(opID)
	if !ok {
		return tag([]Finding{{Kind: UndocumentedStatus, Path: "$", Spec: "a documented operation", Got: opID}})
	}
	op := indexed.Op
	ref := op.Responses.Status(status)
	if ref == nil || ref.Value == nil {
		return tag([]Finding{{Kind: UndocumentedStatus, Path: "status", Spec: "one of " + strings.Join(statuses(op), ", "), Got: strconv.Itoa(status)}})
	}
	resp := ref.Value
	var out []Finding
	out = append(out, headerFindings(resp, header)...)

	ctype := header.Get("Content-Type")
	if len(resp.Content) == 0 {
		if len(strings.TrimSpace(string(body))) > 0 {
			out = append(out, Finding{Kind: UnexpectedContentType, Path: "$", Spec: "no body", Got: ctype + " " + Quote(string(body))})
		}
		return tag(out)
	}
	media, declared := lookupContent(resp.Content, ctype)
	if media == nil {
		out = append(out, Finding{Kind: UnexpectedContentType, Path: "Content-Type", Spec: "one of " + strings.Join(slices.Sorted(maps.Keys(resp.Content)), ", "), Got: Quote(ctype)})
		return tag(out)
	}
	if declared == mediatype.EventStream {
		return tag(out) // events are checked one by one with Event
	}
	if media.Schema != nil && media.Schema.Value != nil {
		out = append(out, CompareJSON(media.Schema.Value, body)...)
	}
	return tag(out)
}

// Event checks the n-th (1-based) SSE event of operation opID's stream.
func (s *Spec) Event(opID string, n int, eventType string, data []byte) []Finding {
	where := fmt.Sprintf("event #%d (%s)", n, eventType)
	schemas := s.EventSchemas(opID)
	schema, ok := schemas[eventType]
	var out []Finding
	if !ok {
		out = []Finding{{Kind: UnknownEvent, Path: "event", Spec: "one of " + strings.Join(slices.Sorted(maps.Keys(schemas)), ", "), Got: Quote(eventType) + " with data " + Quote(string(data))}}
	} else {
		out = CompareJSON(schema, data)
	}
	for i := range out {
		out[i].Operation, out[i].Where = opID, where
	}
	return out
}

// EventSchemas returns the documented SSE event types of opID's responses
// and the schemas of their data.
func (s *Spec) EventSchemas(opID string) map[string]*openapi3.Schema {
	if op, ok := s.spec.Operation(opID); ok && op.Events != nil {
		return op.Events
	}
	return map[string]*openapi3.Schema{}
}

// standardHeaders are set by HTTP itself, servers and proxies; they say
// nothing about Make's API.
var standardHeaders = map[string]bool{
	"Accept-Ranges": true, "Access-Control-Allow-Credentials": true, "Access-Control-Allow-Headers": true,
	"Access-Control-Allow-Methods": true, "Access-Control-Allow-Origin": true, "Access-Control-Expose-Headers": true,
	"Age": true, "Alt-Svc": true, "Cache-Control": true, "Connection": true, "Content-Encoding": true,
	"Content-Length": true, "Content-Security-Policy": true, "Content-Type": true, "Date": true, "Etag": true,
	"Expires": true, "Keep-Alive": true, "Last-Modified": true, "Pragma": true, "Referrer-Policy": true,
	"Server": true, "Set-Cookie": true, "Strict-Transport-Security": true, "Transfer-Encoding": true,
	"Vary": true, "Via": true, "X-Content-Type-Options": true, "X-Frame-Options": true, "X-Xss-Protection": true,
	"Cf-Ray": true, "Cf-Cache-Status": true, "Nel": true, "Report-To": true, "Server-Timing": true,
	"X-Accel-Buffering": true, "Permissions-Policy": true,
}

// sensitiveHeader values are never quoted in a report.
func sensitiveHeader(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "token") || strings.Contains(n, "auth") || strings.Contains(n, "cookie") || strings.Contains(n, "secret") || strings.Contains(n, "key")
}

func headerFindings(resp *openapi3.Response, header http.Header) []Finding {
	var out []Finding
	for _, name := range slices.Sorted(maps.Keys(header)) {
		canon := http.CanonicalHeaderKey(name)
		if standardHeaders[canon] || declaredHeader(resp, canon) {
			continue
		}
		got := Quote(strings.Join(header.Values(name), ", "))
		if sensitiveHeader(canon) {
			got = "(value withheld)"
		}
		out = append(out, Finding{Kind: UndocumentedHeader, Path: "header " + canon, Spec: "not declared", Got: got})
	}
	return out
}

func declaredHeader(resp *openapi3.Response, canon string) bool {
	for name := range resp.Headers {
		if http.CanonicalHeaderKey(name) == canon {
			return true
		}
	}
	return false
}

// lookupContent finds the declared media type matching a Content-Type
// header (parameters such as charset ignored).
func lookupContent(content openapi3.Content, ctype string) (*openapi3.MediaType, string) {
	mt := mediatype.Of(ctype)
	if mt == "" {
		return nil, ""
	}
	for declared, media := range content {
		if strings.EqualFold(declared, mt) {
			return media, declared
		}
	}
	return nil, ""
}

func statuses(op *openapi3.Operation) []string {
	return slices.Sorted(maps.Keys(op.Responses.Map()))
}
