// Package structured turns a Go struct type into a Make output parser
// (`make-schema`) and decodes the agent's structured answer back into that
// type, naming the field that does not fit when the answer is wrong.
//
//	type Task struct {
//		Title string    `json:"title" make:"label=Title"`
//		Due   time.Time `json:"due"`
//		Hours *float64  `json:"hours,omitempty"`
//	}
//	parser, err := structured.ParserFor[Task]() // RunConfig.OutputParser or the agent's outputParserFormat
//	...
//	task, err := structured.Decode[Task](res) // res from client.RunAgent
//
// Field types follow the Go types: string -> string, bool -> boolean,
// signed integers -> integer, unsigned integers -> uinteger, floats ->
// number, time.Time -> date, a struct -> collection, a slice -> array with
// its item as spec. The name is the json tag's (or the Go field name, as
// encoding/json does). A field is required unless it is a pointer, has
// omitempty, or is tagged `make:"optional"`; `make:"required"` makes a
// pointer field required too, and `make:"label=Due date"` sets its label.
//
// Make's schema is shallow, and ParserFor refuses what it cannot express,
// naming the field by its Go path (Order.Items[].Meta): maps, interfaces,
// channels, funcs, complex numbers, Go arrays, recursive types, and nesting
// deeper than Make's published schema allows. That schema gives a nested
// field (an item of a field's spec) no spec of its own, so a collection's
// fields and an array's items are scalars, and a collection has at most 10
// fields (spec's maxItems). Make states no limit on top-level fields; this
// package allows MaxFields of them.
package structured

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/makeagents/makeagents-go/api"
)

// MaxFields is the most top-level fields ParserFor accepts. Make publishes
// no limit; every field becomes part of the model's instructions, so a
// struct with more is far more likely a mistake than a plan.
const MaxFields = 100

// maxNested is Make's limit on a spec list (maxItems 10 in its published
// schema).
const maxNested = 10

var timeType = reflect.TypeFor[time.Time]()

// field is one Go struct field as the parser and the decoder see it.
type field struct {
	goName   string
	name     string
	label    string
	required bool
	index    []int
	typ      reflect.Type // with pointers removed
}

// ParserFor returns the `make-schema` output parser for T, a struct type.
func ParserFor[T any]() (api.OutputParser, error) {
	var p api.OutputParser
	fields, err := SchemaFor[T]()
	if err != nil {
		return p, err
	}
	err = p.FromOutputParserMakeSchema(api.OutputParserMakeSchema{Type: api.OutputParserMakeSchemaTypeMakeSchema, Schema: fields})
	return p, err
}

// SchemaFor returns the `make-schema` fields for T, a struct type.
func SchemaFor[T any]() ([]api.SchemaField, error) {
	t := reflect.TypeFor[T]()
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == timeType {
		return nil, fmt.Errorf("structured: %s: want a struct type, got %s", t, t.Kind())
	}
	fields, err := structFields(t, t.Name())
	if err != nil {
		return nil, err
	}
	if len(fields) == 0 {
		return nil, fmt.Errorf("structured: %s: no exported fields (Make needs at least one)", t.Name())
	}
	if len(fields) > MaxFields {
		return nil, fmt.Errorf("structured: %s: %d fields, more than MaxFields (%d)", t.Name(), len(fields), MaxFields)
	}
	out := make([]api.SchemaField, 0, len(fields))
	for _, f := range fields {
		sf, err := topField(f, t, t.Name()+"."+f.goName)
		if err != nil {
			return nil, err
		}
		out = append(out, sf)
	}
	return out, nil
}

// topField is a field of the parser's top level: it may carry a spec.
func topField(f field, root reflect.Type, path string) (api.SchemaField, error) {
	sf := api.SchemaField{Name: f.name, Required: f.required, Label: f.label}
	switch {
	case f.typ.Kind() == reflect.Struct && f.typ != timeType:
		sf.Type = api.SchemaFieldTypeCollection
		nested, err := nestedList(f.typ, path, root)
		if err != nil {
			return sf, err
		}
		return sf, sf.Spec.FromNestedSchemaFieldList(nested)
	case f.typ.Kind() == reflect.Slice:
		sf.Type = api.SchemaFieldTypeArray
		item := deref(f.typ.Elem())
		if item.Kind() == reflect.Struct && item != timeType {
			// An array of collections: Make's spec list names the item's fields.
			nested, err := nestedList(item, path+"[]", root)
			if err != nil {
				return sf, err
			}
			return sf, sf.Spec.FromNestedSchemaFieldList(nested)
		}
		typ, err := scalar(item, path+"[]")
		if err != nil {
			return sf, err
		}
		return sf, sf.Spec.FromNestedSchemaField(api.NestedSchemaField{Type: string(typ)})
	}
	typ, err := scalar(f.typ, path)
	sf.Type = typ
	return sf, err
}

// nestedList is the spec of a collection: its fields, all scalar.
func nestedList(t reflect.Type, path string, root reflect.Type) ([]api.NestedSchemaField, error) {
	if t == root {
		return nil, fmt.Errorf("structured: %s: %s contains itself (a recursive type); Make's schema is finite", path, t)
	}
	fields, err := structFields(t, path)
	if err != nil {
		return nil, err
	}
	if len(fields) == 0 {
		return nil, fmt.Errorf("structured: %s: a collection needs at least one exported field", path)
	}
	if len(fields) > maxNested {
		return nil, fmt.Errorf("structured: %s: %d fields; Make allows at most %d in a nested collection", path, len(fields), maxNested)
	}
	out := make([]api.NestedSchemaField, 0, len(fields))
	for _, f := range fields {
		if it := deref(f.typ); it == root || it == t || (it.Kind() == reflect.Slice && (deref(it.Elem()) == root || deref(it.Elem()) == t)) {
			return nil, fmt.Errorf("structured: %s.%s: %s contains itself (a recursive type); Make's schema is finite", path, f.goName, it)
		}
		typ, err := scalar(f.typ, path+"."+f.goName)
		if err != nil {
			return nil, err
		}
		out = append(out, api.NestedSchemaField{Name: f.name, Type: string(typ), Required: f.required, Label: f.label})
	}
	return out, nil
}

// scalar is the Make type of a field that cannot carry a spec.
func scalar(t reflect.Type, path string) (api.SchemaFieldType, error) {
	t = deref(t)
	switch t.Kind() {
	case reflect.String:
		return api.SchemaFieldTypeString, nil
	case reflect.Bool:
		return api.SchemaFieldTypeBoolean, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return api.SchemaFieldTypeInteger, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return api.SchemaFieldTypeUinteger, nil
	case reflect.Float32, reflect.Float64:
		return api.SchemaFieldTypeNumber, nil
	case reflect.Struct:
		if t == timeType {
			return api.SchemaFieldTypeDate, nil
		}
		return "", fmt.Errorf("structured: %s: a collection (%s) nested in a collection or array item; Make's schema gives nested fields no spec, so only one level of nesting fits", path, t)
	case reflect.Slice:
		return "", fmt.Errorf("structured: %s: an array (%s) nested in a collection or array item; Make's schema gives nested fields no spec, so only one level of nesting fits", path, t)
	}
	return "", fmt.Errorf("structured: %s: Make's schema cannot express a %s (%s)", path, kindName(t), t)
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Map:
		return "map"
	case reflect.Interface:
		return "interface"
	case reflect.Chan:
		return "channel"
	case reflect.Func:
		return "func"
	case reflect.Complex64, reflect.Complex128:
		return "complex number"
	case reflect.Array:
		return "Go array (use a slice)"
	}
	return t.Kind().String()
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// structFields lists t's fields as encoding/json sees them: exported, not
// tagged "-", embedded structs without a name flattened into their parent.
func structFields(t reflect.Type, path string) ([]field, error) {
	var out []field
	seen := map[string]string{}
	var walk func(t reflect.Type, index []int, stack []reflect.Type) error
	walk = func(t reflect.Type, index []int, stack []reflect.Type) error {
		for i := range t.NumField() {
			sf := t.Field(i)
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			ft := deref(sf.Type)
			idx := append(append([]int(nil), index...), i)
			if sf.Anonymous && name == "" && ft.Kind() == reflect.Struct {
				if slicesContains(stack, ft) {
					return fmt.Errorf("structured: %s.%s: embeds itself", path, sf.Name)
				}
				if err := walk(ft, idx, append(stack, ft)); err != nil {
					return err
				}
				continue
			}
			if !sf.IsExported() {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			f := field{goName: sf.Name, name: name, index: idx, typ: ft}
			optional := sf.Type.Kind() == reflect.Pointer
			for _, o := range strings.Split(opts, ",") {
				switch o {
				case "omitempty", "omitzero":
					optional = true
				case "string":
					return fmt.Errorf("structured: %s.%s: the json ,string option is not supported", path, sf.Name)
				}
			}
			f.required = !optional
			if err := parseMakeTag(&f, sf.Tag.Get("make")); err != nil {
				return fmt.Errorf("structured: %s.%s: %w", path, sf.Name, err)
			}
			if prev, dup := seen[name]; dup {
				return fmt.Errorf("structured: %s.%s: name %q is also used by %s", path, sf.Name, name, prev)
			}
			seen[name] = sf.Name
			out = append(out, f)
		}
		return nil
	}
	return out, walk(t, nil, []reflect.Type{t})
}

func slicesContains(s []reflect.Type, t reflect.Type) bool {
	for _, x := range s {
		if x == t {
			return true
		}
	}
	return false
}

// parseMakeTag reads `make:"label=Due date,required"`. A label may not
// contain a comma.
func parseMakeTag(f *field, tag string) error {
	if tag == "" {
		return nil
	}
	for _, part := range strings.Split(tag, ",") {
		key, val, hasVal := strings.Cut(strings.TrimSpace(part), "=")
		switch {
		case key == "label" && hasVal:
			f.label = val
		case key == "required" && !hasVal:
			f.required = true
		case key == "optional" && !hasVal:
			f.required = false
		default:
			return errors.New("make tag: unknown option " + fmt.Sprintf("%q", part) + " (want label=..., required or optional)")
		}
	}
	return nil
}
