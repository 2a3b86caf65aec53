package conformance

// The drift report: Compare and CompareJSON check JSON that a live server
// sent against the schema openapi.yaml declares for it and list every
// difference as a Finding with its JSON path: fields the spec does not
// declare (which a schema with additionalProperties: true silently accepts),
// required fields that are absent, type mismatches, values outside a closed
// enum, and whatever else kin-openapi's schema validation rejects.

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

// Kind names one kind of drift. The values are stable: scripts read them
// from `makeagents conformance --json`.
type Kind string

const (
	// UndeclaredField: the server sent a field the spec does not declare.
	UndeclaredField Kind = "undeclared-field"
	// MissingRequired: a field the spec requires is absent.
	MissingRequired Kind = "missing-required"
	// TypeMismatch: a value has another JSON type than the spec says.
	TypeMismatch Kind = "type-mismatch"
	// EnumMismatch: a value is outside a closed enum.
	EnumMismatch Kind = "enum-mismatch"
	// SchemaViolation: any other schema rule broken (format, minLength, ...).
	SchemaViolation Kind = "schema-violation"
	// InvalidJSON: a body or event data that should be JSON is not.
	InvalidJSON Kind = "invalid-json"
	// UndocumentedStatus: an HTTP status the operation does not declare.
	UndocumentedStatus Kind = "undocumented-status"
	// UnexpectedContentType: a content type the response does not declare.
	UnexpectedContentType Kind = "unexpected-content-type"
	// UnknownEvent: an SSE event type the spec does not document.
	UnknownEvent Kind = "unknown-event"
	// UndocumentedHeader: a response header worth knowing that the spec
	// does not declare. Informational: it does not count as drift.
	UndocumentedHeader Kind = "undocumented-header"
	// TooLarge: a body larger than the SDK's body bound, which was not
	// read whole and so not checked. Informational: its size says nothing
	// about drift.
	TooLarge Kind = "too-large-to-check"
)

// Informational reports whether findings of this kind are notes rather
// than drift (they do not fail a conformance run).
func (k Kind) Informational() bool { return k == UndocumentedHeader || k == TooLarge }

// Finding is one difference between what the spec says and what was sent.
type Finding struct {
	Operation string `json:"operation"`       // operationId, e.g. "getAgent"
	Where     string `json:"where,omitempty"` // "response 200", "event step #3", "header"
	Kind      Kind   `json:"kind"`
	Path      string `json:"path"` // JSON path, e.g. $.scenarios[0].approvalMode
	Spec      string `json:"spec"` // what the spec says
	Got       string `json:"got"`  // what the server sent (truncated)
}

func (f Finding) String() string {
	return fmt.Sprintf("%s %s: %s at %s: spec says %s; got %s", f.Operation, f.Where, f.Kind, f.Path, f.Spec, f.Got)
}

// MaxValueLen bounds how much of a value a finding quotes.
const MaxValueLen = 80

// Compare walks value (decoded JSON: map[string]any, []any, string,
// float64, bool, nil) against schema and returns the findings, in a stable
// order. The findings carry no operation; the caller fills it in.
func Compare(schema *openapi3.Schema, value any) []Finding {
	var out []Finding
	walk(schema, value, "$", &out)
	// kin-openapi knows rules the walk does not (formats, lengths, ...);
	// the walk reports required/type/enum itself, with better paths.
	if err := schema.VisitJSON(value, openapi3.MultiErrors()); err != nil {
		for _, se := range schemaErrors(err) {
			switch se.SchemaField {
			case "required", "type", "enum", "additionalProperties", "nullable":
				continue
			}
			out = append(out, Finding{
				Kind: SchemaViolation,
				Path: pointerToPath(se.JSONPointer()),
				Spec: se.SchemaField + " " + describeRule(se),
				Got:  Quote(se.Value),
			})
		}
	}
	slices.SortStableFunc(out, func(a, b Finding) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(string(a.Kind), string(b.Kind))
	})
	return slices.Compact(out)
}

// CompareJSON decodes data and compares it; data that is not JSON is one
// InvalidJSON finding.
func CompareJSON(schema *openapi3.Schema, data []byte) []Finding {
	var value any
	if err := json.Unmarshal(data, &value); err != nil {
		return []Finding{{Kind: InvalidJSON, Path: "$", Spec: "a JSON document", Got: Quote(string(data))}}
	}
	return Compare(schema, value)
}

func walk(s *openapi3.Schema, v any, path string, out *[]Finding) {
	if s == nil {
		return
	}
	for _, sub := range s.AllOf {
		if sub.Value != nil {
			walk(sub.Value, v, path, out)
		}
	}
	if v == nil {
		if s.Nullable || s.Type == nil || len(s.Type.Slice()) == 0 {
			return
		}
		*out = append(*out, Finding{Kind: TypeMismatch, Path: path, Spec: typeName(s), Got: "null"})
		return
	}
	if !typeMatches(s, v) {
		*out = append(*out, Finding{Kind: TypeMismatch, Path: path, Spec: typeName(s), Got: jsonType(v) + " " + Quote(v)})
		return
	}
	if len(s.Enum) > 0 && !slices.ContainsFunc(s.Enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) }) {
		*out = append(*out, Finding{Kind: EnumMismatch, Path: path, Spec: "one of " + Quote(s.Enum), Got: Quote(v)})
	}
	switch val := v.(type) {
	case map[string]any:
		for _, name := range s.Required {
			if _, ok := val[name]; !ok {
				*out = append(*out, Finding{Kind: MissingRequired, Path: join(path, name), Spec: "required " + propType(s, name), Got: "absent"})
			}
		}
		for _, name := range slices.Sorted(maps.Keys(val)) {
			prop, declared := s.Properties[name]
			switch {
			case declared && prop.Value != nil:
				walk(prop.Value, val[name], join(path, name), out)
			case declared:
			case s.AdditionalProperties.Schema != nil && s.AdditionalProperties.Schema.Value != nil && len(s.Properties) == 0:
				// A map type (e.g. metadata): its entries are declared by the
				// additionalProperties schema.
				walk(s.AdditionalProperties.Schema.Value, val[name], join(path, name), out)
			case isFreeForm(s):
				// An object the spec leaves open on purpose: no properties
				// declared, any keys allowed.
			default:
				*out = append(*out, Finding{Kind: UndeclaredField, Path: join(path, name), Spec: "not declared", Got: jsonType(val[name]) + " " + Quote(val[name])})
			}
		}
	case []any:
		if s.Items != nil && s.Items.Value != nil {
			for i, item := range val {
				walk(s.Items.Value, item, path+"["+strconv.Itoa(i)+"]", out)
			}
		}
	}
}

// isFreeForm reports an object schema that declares no properties at all:
// its keys are data, not fields (metadata, usage of unknown shape, ...).
func isFreeForm(s *openapi3.Schema) bool {
	return len(s.Properties) == 0 && (s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has)
}

func typeMatches(s *openapi3.Schema, v any) bool {
	if s.Type == nil || len(s.Type.Slice()) == 0 {
		return true
	}
	for _, t := range s.Type.Slice() {
		switch t {
		case "object":
			if _, ok := v.(map[string]any); ok {
				return true
			}
		case "array":
			if _, ok := v.([]any); ok {
				return true
			}
		case "string":
			if _, ok := v.(string); ok {
				return true
			}
		case "boolean":
			if _, ok := v.(bool); ok {
				return true
			}
		case "number":
			if _, ok := v.(float64); ok {
				return true
			}
		case "integer":
			if f, ok := v.(float64); ok && f == math.Trunc(f) {
				return true
			}
		}
	}
	return false
}

func typeName(s *openapi3.Schema) string {
	if s.Type == nil || len(s.Type.Slice()) == 0 {
		return "any value"
	}
	name := strings.Join(s.Type.Slice(), " or ")
	if s.Format != "" {
		name += " (" + s.Format + ")"
	}
	return name
}

func propType(s *openapi3.Schema, name string) string {
	if p := s.Properties[name]; p != nil && p.Value != nil {
		return typeName(p.Value)
	}
	return "field"
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64:
		if x == math.Trunc(x) {
			return "integer"
		}
		return "number"
	}
	return fmt.Sprintf("%T", v)
}

// join appends a property to a JSON path, quoting names that are not
// plain identifiers.
func join(path, name string) string {
	plain := name != ""
	for i, r := range name {
		if !(r == '_' || r == '$' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || i > 0 && '0' <= r && r <= '9') {
			plain = false
			break
		}
	}
	if plain {
		return path + "." + name
	}
	return path + "[" + strconv.Quote(name) + "]"
}

func pointerToPath(ptr []string) string {
	path := "$"
	for _, p := range ptr {
		if _, err := strconv.Atoi(p); err == nil {
			path += "[" + p + "]"
		} else {
			path = join(path, p)
		}
	}
	return path
}

func describeRule(se *openapi3.SchemaError) string {
	if se.Reason != "" {
		return "(" + se.Reason + ")"
	}
	return ""
}

func schemaErrors(err error) []*openapi3.SchemaError {
	var out []*openapi3.SchemaError
	var multi openapi3.MultiError
	if errors.As(err, &multi) {
		for _, e := range multi {
			out = append(out, schemaErrors(e)...)
		}
		return out
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		out = append(out, se)
	}
	return out
}

// Quote renders a value for a finding as compact JSON, truncated to
// MaxValueLen runes.
func Quote(v any) string {
	var s string
	if str, ok := v.(string); ok {
		s = strconv.Quote(str)
	} else if b, err := json.Marshal(v); err == nil {
		s = string(b)
	} else {
		s = fmt.Sprint(v)
	}
	if utf8.RuneCountInString(s) > MaxValueLen {
		r := []rune(s)
		s = string(r[:MaxValueLen]) + "…"
	}
	return s
}
