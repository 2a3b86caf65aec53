package eval

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/internal/yamlfile"
	"go.yaml.in/yaml/v3"
)

// maxNested is Make's limit on a spec list (maxItems 10 in its schema).
const maxNested = 10

// output parses a case's output: Make's own make-schema field list
// ([{name, type, required, spec}]), or the short form
//
//	output: {orderId: integer, status: string, note: optional text, tags: [string], customer: {name: string}}
//
// where "optional T" (or "T?") is an optional field, [T] is an array of T and a mapping
// is a collection of scalar fields (Make's schema nests one level).
func (p *parser) output(n *yaml.Node, path string) []api.SchemaField {
	switch n.Kind {
	case yaml.SequenceNode:
		return p.makeSchema(n, path)
	case yaml.MappingNode:
	default:
		p.add(n.Line, path, "want a schema such as {status: string, tags: [string]} or Make's field list, got %s", describe(n))
		return nil
	}
	if _, ok := p.mapping(n, path, "a schema", nil); !ok {
		return nil
	}
	var out []api.SchemaField
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		at := yamlfile.Join(path, k.Value)
		if k.Kind != yaml.ScalarNode || k.Value == "" || !p.plain(v, at) {
			ok = false
			continue
		}
		f := api.SchemaField{Name: k.Value}
		required := true
		switch v.Kind {
		case yaml.ScalarNode:
			typ, opt, good := p.typeName(v, at)
			if !good {
				ok = false
				continue
			}
			f.Type, required = api.SchemaFieldType(typ), !opt
		case yaml.SequenceNode:
			f.Type = api.SchemaFieldTypeArray
			if len(v.Content) != 1 {
				p.add(v.Line, at, "an array is written [T], one item type, got %d", len(v.Content))
				ok = false
				continue
			}
			item := v.Content[0]
			switch item.Kind {
			case yaml.ScalarNode:
				typ, opt, good := p.typeName(item, at+"[]")
				if !good || opt {
					if opt {
						p.add(item.Line, at+"[]", "an array item cannot be optional")
					}
					ok = false
					continue
				}
				_ = f.Spec.FromNestedSchemaField(api.NestedSchemaField{Type: typ})
			case yaml.MappingNode:
				nested, good := p.nested(item, at+"[]")
				if !good {
					ok = false
					continue
				}
				_ = f.Spec.FromNestedSchemaFieldList(nested)
			default:
				p.add(item.Line, at+"[]", "want a type name or a mapping of fields, got %s", describe(item))
				ok = false
				continue
			}
		case yaml.MappingNode:
			f.Type = api.SchemaFieldTypeCollection
			nested, good := p.nested(v, at)
			if !good {
				ok = false
				continue
			}
			_ = f.Spec.FromNestedSchemaFieldList(nested)
		default:
			p.add(v.Line, at, "want a type name, [T] or a mapping of fields, got %s", describe(v))
			ok = false
			continue
		}
		f.Required = required
		out = append(out, f)
	}
	if len(out) == 0 && ok {
		p.add(n.Line, path, "a schema needs at least one field")
	}
	if !ok {
		return nil
	}
	return out
}

// nested reads the fields of a collection (or of an array's items): scalar
// types only, as Make's schema gives a nested field no spec.
func (p *parser) nested(n *yaml.Node, path string) ([]api.NestedSchemaField, bool) {
	if _, ok := p.mapping(n, path, "a mapping of fields", nil); !ok {
		return nil, false
	}
	if len(n.Content)/2 > maxNested {
		p.add(n.Line, path, "%d fields; Make allows at most %d in a nested collection", len(n.Content)/2, maxNested)
		return nil, false
	}
	if len(n.Content) == 0 {
		p.add(n.Line, path, "a collection needs at least one field")
		return nil, false
	}
	var out []api.NestedSchemaField
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		at := yamlfile.Join(path, k.Value)
		if v.Kind != yaml.ScalarNode {
			p.add(v.Line, at, "Make's schema nests one level: a nested field is a type name, got %s", describe(v))
			ok = false
			continue
		}
		typ, opt, good := p.typeName(v, at)
		if !good {
			ok = false
			continue
		}
		out = append(out, api.NestedSchemaField{Name: k.Value, Type: typ, Required: !opt})
	}
	return out, ok
}

// typeName reads a Make type name; "optional text" (or "text?", which
// YAML's {...} style needs quoted) marks an optional field.
func (p *parser) typeName(n *yaml.Node, path string) (string, bool, bool) {
	if n.Tag == "!!null" || n.Value == "" {
		p.add(n.Line, path, "missing type (want one of %s)", typeNames())
		return "", false, false
	}
	typ, opt := strings.CutSuffix(strings.TrimSpace(n.Value), "?")
	if t, ok := strings.CutPrefix(typ, "optional "); ok {
		typ, opt = strings.TrimSpace(t), true
	}
	if !api.SchemaFieldType(typ).Valid() {
		p.add(n.Line, path, "unknown type %q (want one of %s)", typ, typeNames())
		return "", false, false
	}
	return typ, opt, true
}

func typeNames() string {
	return "string, text, number, integer, uinteger, boolean, date, array, collection, json, any, email, url, uuid, color, select, dynamicCollection"
}

// makeSchema reads Make's own field list, exactly as an agent's
// outputParserFormat schema holds it.
func (p *parser) makeSchema(n *yaml.Node, path string) []api.SchemaField {
	if len(n.Content) == 0 {
		p.add(n.Line, path, "a schema needs at least one field")
		return nil
	}
	var out []api.SchemaField
	ok := true
	for i, item := range n.Content {
		at := fmt.Sprintf("%s[%d]", path, i)
		if !p.plain(item, at) {
			ok = false
			continue
		}
		before := len(p.problems)
		if _, good := p.mapping(item, at, "a field {name, type, ...}", []string{"name", "type", "label", "required", "spec"}); !good || len(p.problems) > before {
			ok = false
			continue
		}
		var raw any
		if err := item.Decode(&raw); err != nil {
			p.add(item.Line, at, "cannot read the field: %v", err)
			ok = false
			continue
		}
		b, err := json.Marshal(raw)
		if err != nil {
			p.add(item.Line, at, "cannot read the field: %v", err)
			ok = false
			continue
		}
		var f api.SchemaField
		d := json.NewDecoder(bytes.NewReader(b))
		d.DisallowUnknownFields()
		if err := d.Decode(&f); err != nil {
			p.add(item.Line, at, "not a make-schema field: %v", err)
			ok = false
			continue
		}
		if f.Name == "" {
			p.add(item.Line, yamlfile.Join(at, "name"), "missing")
			ok = false
		}
		if !f.Type.Valid() {
			p.add(item.Line, yamlfile.Join(at, "type"), "unknown type %q (want one of %s)", f.Type, typeNames())
			ok = false
		}
		out = append(out, f)
	}
	if !ok {
		return nil
	}
	return out
}

// maxProblems bounds how many schema mismatches a failure lists.
const maxProblems = 5

// validate checks a structured answer against a make-schema, returning
// what does not fit (empty when it all does).
func validate(fields []api.SchemaField, v any) []string {
	m, ok := v.(map[string]any)
	if !ok {
		return []string{"the answer is " + kindOf(v) + ", not an object"}
	}
	var problems []string
	for _, f := range fields {
		x, present := m[f.Name]
		if !present || x == nil {
			if f.Required {
				problems = append(problems, f.Name+": required, missing")
			}
			continue
		}
		problems = append(problems, checkValue(f.Name, string(f.Type), &f.Spec, x)...)
		if len(problems) >= maxProblems {
			return problems[:maxProblems]
		}
	}
	return problems
}

func checkValue(path, typ string, spec *api.SchemaFieldSpec, v any) []string {
	bad := func(want string) []string {
		return []string{fmt.Sprintf("%s: want %s, got %s", path, want, cut(compact(v), 40))}
	}
	switch api.SchemaFieldType(typ) {
	case api.SchemaFieldTypeString, api.SchemaFieldTypeText, api.SchemaFieldTypeEmail, api.SchemaFieldTypeURL,
		api.SchemaFieldTypeUUID, api.SchemaFieldTypeColor, api.SchemaFieldTypeSelect:
		if _, ok := v.(string); !ok {
			return bad(typ)
		}
	case api.SchemaFieldTypeNumber:
		if _, ok := v.(float64); !ok {
			return bad("number")
		}
	case api.SchemaFieldTypeInteger, api.SchemaFieldTypeUinteger:
		f, ok := v.(float64)
		if !ok || f != math.Trunc(f) || (typ == string(api.SchemaFieldTypeUinteger) && f < 0) {
			return bad(typ)
		}
	case api.SchemaFieldTypeBoolean:
		if _, ok := v.(bool); !ok {
			return bad("boolean")
		}
	case api.SchemaFieldTypeDate:
		s, ok := v.(string)
		if !ok {
			return bad("date")
		}
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			if _, err := time.Parse(time.DateOnly, s); err != nil {
				return bad("date (ISO 8601)")
			}
		}
	case api.SchemaFieldTypeArray:
		a, ok := v.([]any)
		if !ok {
			return bad("array")
		}
		list, one := specOf(spec)
		var out []string
		for i, item := range a {
			at := fmt.Sprintf("%s[%d]", path, i)
			switch {
			case list != nil:
				out = append(out, checkNested(at, list, item)...)
			case one != nil && one.Type != "":
				out = append(out, checkValue(at, one.Type, nil, item)...)
			}
		}
		return out
	case api.SchemaFieldTypeCollection:
		if _, ok := v.(map[string]any); !ok {
			return bad("collection (an object)")
		}
		if list, _ := specOf(spec); list != nil {
			return checkNested(path, list, v)
		}
	}
	return nil
}

func checkNested(path string, list []api.NestedSchemaField, v any) []string {
	m, ok := v.(map[string]any)
	if !ok {
		return []string{fmt.Sprintf("%s: want an object, got %s", path, cut(compact(v), 40))}
	}
	var out []string
	for _, n := range list {
		if n.Name == "" || n.Type == "" {
			continue
		}
		x, present := m[n.Name]
		if !present || x == nil {
			if n.Required {
				out = append(out, path+"."+n.Name+": required, missing")
			}
			continue
		}
		out = append(out, checkValue(path+"."+n.Name, n.Type, nil, x)...)
	}
	return out
}

func specOf(spec *api.SchemaFieldSpec) ([]api.NestedSchemaField, *api.NestedSchemaField) {
	if spec == nil {
		return nil, nil
	}
	b, err := spec.MarshalJSON()
	if err != nil || len(bytes.TrimSpace(b)) == 0 || string(bytes.TrimSpace(b)) == "null" {
		return nil, nil // no spec: a zero union
	}
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("[")) {
		l, err := spec.AsNestedSchemaFieldList()
		if err == nil {
			return l, nil
		}
		return nil, nil
	}
	one, err := spec.AsNestedSchemaField()
	if err != nil {
		return nil, nil
	}
	return nil, &one
}

func kindOf(v any) string {
	switch v.(type) {
	case []any:
		return "a list"
	case string:
		return "text"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return "a value"
}
