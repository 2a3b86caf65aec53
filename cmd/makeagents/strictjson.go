package main

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/makeagents/makeagents-go/internal/suggest"
)

// unknownKey finds the first key of a decoded JSON value (raw, from
// json.Unmarshal into any) that the Go type t has no field for, spelled
// exactly: encoding/json matches keys case-insensitively, so "SystemPrompt"
// would pass its DisallowUnknownFields, while Make knows only
// "systemPrompt". It returns the key's path ("scenarios[0].makeScenarioID")
// and the field names it could have meant; "" when every key is known.
// Values of types that decode themselves (the oneOf unions such as
// outputParser) are not looked into: they are sent as written, and Make
// checks them.
func unknownKey(raw any, t reflect.Type, path string) (string, []string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]()) {
		return "", nil
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := raw.(map[string]any)
		if !ok {
			return "", nil
		}
		fields := jsonFields(t)
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			ft, ok := fields[k]
			if !ok {
				names := make([]string, 0, len(fields))
				for n := range fields {
					names = append(names, n)
				}
				slices.Sort(names)
				return joinPath(path, k), suggest.Closest(k, names)
			}
			if bad, hint := unknownKey(obj[k], ft, joinPath(path, k)); bad != "" {
				return bad, hint
			}
		}
	case reflect.Slice, reflect.Array:
		arr, _ := raw.([]any)
		for i, e := range arr {
			if bad, hint := unknownKey(e, t.Elem(), path+"["+strconv.Itoa(i)+"]"); bad != "" {
				return bad, hint
			}
		}
	case reflect.Map:
		obj, _ := raw.(map[string]any)
		for k, v := range obj {
			if bad, hint := unknownKey(v, t.Elem(), joinPath(path, k)); bad != "" {
				return bad, hint
			}
		}
	}
	return "", nil
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// jsonFields maps the JSON names of t's fields (those of embedded structs
// included, as encoding/json sees them) to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-" || (!f.IsExported() && !f.Anonymous):
			continue
		case name == "" && f.Anonymous:
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				for n, ft := range jsonFields(et) {
					if _, own := out[n]; !own {
						out[n] = ft
					}
				}
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}
