package structured

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/sse"
)

// ErrNoStructuredAnswer is returned when a run carries no structured answer
// (no jsonResponse and no JSON object as its answer text): the run had no
// make-schema output parser, or the model ignored it.
var ErrNoStructuredAnswer = errors.New("structured: the run has no structured answer")

// Decode decodes the structured answer of a run (its jsonResponse, or,
// when Make left that out, its answer text) into a T.
func Decode[T any](res *api.RunAgentResult) (T, error) {
	var zero T
	if res == nil {
		return zero, ErrNoStructuredAnswer
	}
	if res.JSONResponse != nil {
		b, err := json.Marshal(res.JSONResponse)
		if err != nil {
			return zero, fmt.Errorf("structured: re-encoding jsonResponse: %w", err)
		}
		return DecodeJSON[T](b)
	}
	return DecodeJSON[T]([]byte(res.Response))
}

// DecodeTranscript decodes the structured answer of a streamed run. Make's
// stream has no jsonResponse: the answer is the JSON text of the last
// assistant step.
func DecodeTranscript[T any](t sse.Transcript) (T, error) {
	return DecodeJSON[T]([]byte(t.FinalAnswer()))
}

// DecodeJSON decodes one JSON object, the structured answer, into a T,
// checking each field against the type ParserFor gives it. The error names
// the first field that does not fit by its Go path, e.g.
// `structured: Order.Total: want number, got "abc"`.
func DecodeJSON[T any](data []byte) (T, error) {
	var out T
	rv := reflect.ValueOf(&out).Elem()
	root := rv.Type()
	for root.Kind() == reflect.Pointer {
		root = root.Elem()
	}
	if _, err := SchemaFor[T](); err != nil {
		return out, err
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		if len(bytes.TrimSpace(data)) == 0 {
			return out, ErrNoStructuredAnswer
		}
		return out, fmt.Errorf("structured: the answer is not JSON: %w", err)
	}
	if _, ok := v.(map[string]any); !ok {
		return out, fmt.Errorf("structured: %s: want a JSON object, got %s", root.Name(), show(v))
	}
	return out, set(rv, v, root.Name(), true)
}

// set stores v, a value decoded with UseNumber, in dst.
func set(dst reflect.Value, v any, path string, required bool) error {
	if v == nil {
		if required {
			return fmt.Errorf("structured: %s: required, got null", path)
		}
		return nil
	}
	if dst.Kind() == reflect.Pointer {
		p := reflect.New(dst.Type().Elem())
		if err := set(p.Elem(), v, path, true); err != nil {
			return err
		}
		dst.Set(p)
		return nil
	}
	t := dst.Type()
	switch {
	case t == timeType:
		s, ok := v.(string)
		if !ok {
			return mismatch(path, "date", v)
		}
		tm, err := parseDate(s)
		if err != nil {
			return mismatch(path, "date", v)
		}
		dst.Set(reflect.ValueOf(tm))
	case t.Kind() == reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return mismatch(path, "collection", v)
		}
		fields, err := structFields(t, path)
		if err != nil {
			return err
		}
		for _, f := range fields {
			fv, present := m[f.name]
			if !present && f.required {
				return fmt.Errorf("structured: %s.%s: required, missing", path, f.goName)
			}
			if err := set(fieldByIndex(dst, f.index), fv, path+"."+f.goName, f.required); err != nil {
				return err
			}
		}
	case t.Kind() == reflect.Slice:
		a, ok := v.([]any)
		if !ok {
			return mismatch(path, "array", v)
		}
		s := reflect.MakeSlice(t, len(a), len(a))
		for i, x := range a {
			if err := set(s.Index(i), x, path+"["+strconv.Itoa(i)+"]", true); err != nil {
				return err
			}
		}
		dst.Set(s)
	case t.Kind() == reflect.String:
		s, ok := v.(string)
		if !ok {
			return mismatch(path, "string", v)
		}
		dst.SetString(s)
	case t.Kind() == reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			return mismatch(path, "boolean", v)
		}
		dst.SetBool(b)
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		n, ok := v.(json.Number)
		i, err := strconv.ParseInt(string(n), 10, t.Bits())
		if !ok || err != nil {
			if f, ok2 := integral(n, ok); ok2 && f >= math.MinInt64 && f < math.MaxInt64 && !dst.OverflowInt(int64(f)) {
				i, err = int64(f), nil
			} else {
				return mismatch(path, "integer", v)
			}
		}
		dst.SetInt(i)
	case t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uint64:
		n, ok := v.(json.Number)
		u, err := strconv.ParseUint(string(n), 10, t.Bits())
		if !ok || err != nil {
			if f, ok2 := integral(n, ok); ok2 && f >= 0 && f < math.MaxUint64 && !dst.OverflowUint(uint64(f)) {
				u, err = uint64(f), nil
			} else {
				return mismatch(path, "uinteger", v)
			}
		}
		dst.SetUint(u)
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		n, ok := v.(json.Number)
		f, err := strconv.ParseFloat(string(n), t.Bits())
		if !ok || err != nil {
			return mismatch(path, "number", v)
		}
		dst.SetFloat(f)
	default:
		return fmt.Errorf("structured: %s: Make's schema cannot express a %s (%s)", path, kindName(t), t)
	}
	return nil
}

// integral accepts a whole number written as a float (3.0, 1e3), as a
// JavaScript encoder may.
func integral(n json.Number, ok bool) (float64, bool) {
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(n), 64)
	return f, err == nil && f == math.Trunc(f)
}

// fieldByIndex is reflect.Value.FieldByIndex, allocating embedded
// pointers on the way.
func fieldByIndex(v reflect.Value, index []int) reflect.Value {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v
}

// parseDate reads the ISO 8601 forms Make writes for a date: a full
// timestamp, or a calendar date alone (midnight UTC).
func parseDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, s)
}

func mismatch(path, want string, v any) error {
	return fmt.Errorf("structured: %s: want %s, got %s", path, want, show(v))
}

// show renders a JSON value for an error, cut short: the answer may be long.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%T", v)
	}
	if len(b) > 40 {
		return string(b[:37]) + "..."
	}
	return string(b)
}
