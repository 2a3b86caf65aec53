// Package stepjson decodes the data of a step event into api.Step faster
// than encoding/json, with the same result.
//
// A stream delivers thousands of small steps, and encoding/json's reflection
// costs more per step than parsing the SSE event around it (bench/README.md).
// Decode handles the shape Make sends (a flat object of strings and numbers,
// tool calls and responses with any JSON as arguments and result) by hand,
// and falls back to encoding/json for the whole step on
// anything it does not handle exactly as encoding/json would: escaped or
// case-folded keys, repeated keys, \u escapes of surrogates, invalid UTF-8,
// type mismatches, numbers that do not fit, null array elements, nesting
// deeper than 64. FuzzDecode checks it against
// encoding/json.
package stepjson

import (
	"encoding/binary"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/makeagents/makeagents-go/api"
)

// Decode returns what json.Unmarshal(data, &step) gives for a zero step.
func Decode(data []byte) (api.Step, error) {
	if s, ok := fast(data); ok {
		return s, nil
	}
	var s api.Step
	err := json.Unmarshal(data, &s)
	return s, err
}

// Step's fields by JSON name, and ToolCall's and ToolResponse's. Each
// field is a bit, to refuse repeated keys (encoding/json would decode the
// second into the first's value, merging objects).
var (
	stepFields         = []string{"role", "content", "id", "agentIterationId", "index", "executionTimeMs", "tokenUsage", "toolCalls", "toolResponse"}
	toolCallFields     = []string{"arguments", "id", "name", "toolType"}
	toolResponseFields = []string{"executionLink", "name", "result", "status", "toolType"}
)

// fieldIndex returns the index of key in fields, -1 for a key encoding/json
// would ignore, and -2 for one it might match to a field other than by its
// exact name: it matches case-insensitively, folding a few non-ASCII letters
// (the Kelvin sign, the long s) too.
func fieldIndex(key []byte, fields []string) int {
	for i, f := range fields {
		if string(key) == f {
			return i
		}
	}
	for _, c := range key {
		if c >= utf8.RuneSelf {
			return -2
		}
	}
	for _, f := range fields {
		if strings.EqualFold(string(key), f) {
			return -2
		}
	}
	return -1
}

type parser struct {
	b []byte
	i int
}

// fast decodes data when it can do so exactly as encoding/json would, and
// reports false (with nothing decided) otherwise.
func fast(data []byte) (api.Step, bool) {
	var s api.Step
	// The parser checks the syntax of everything it reads and gives up on
	// anything wrong, so encoding/json reports every syntax error itself.
	p := parser{b: data}
	p.ws()
	if !p.is('{') {
		return s, false // null, or not an object: encoding/json says what it is
	}
	if !p.object(stepFields, func(f int) bool { return p.stepField(&s, f) }) {
		return s, false
	}
	p.ws()
	return s, p.i == len(p.b)
}

// object reads the object at p.i, calling field with the index of each
// known key; field must read its value. Unknown keys' values are checked and
// skipped. It gives up on keys with escapes, repeated keys and keys that
// only fold to a field.
func (p *parser) object(fields []string, field func(int) bool) bool {
	p.i++ // '{'
	seen := uint32(0)
	for first := true; ; first = false {
		p.ws()
		if p.is('}') {
			p.i++
			return true
		}
		if !first {
			if !p.is(',') {
				return false
			}
			p.i++
			p.ws()
		}
		if !p.is('"') {
			return false
		}
		key, ok := p.rawString()
		if !ok || !p.colon() {
			return false
		}
		switch f := fieldIndex(key, fields); {
		case f == -1:
			if !p.skip(0) {
				return false
			}
		case f < 0 || seen&(1<<f) != 0:
			return false
		default:
			seen |= 1 << f
			if !field(f) {
				return false
			}
		}
	}
}

// null reads a null: encoding/json leaves a string or a struct as it is
// and sets a pointer, slice, map or interface to nil, which is what every
// field of a fresh value already is.
func (p *parser) null() bool { return p.is('n') && p.literal("null") }

func (p *parser) stepField(s *api.Step, f int) bool {
	if p.null() {
		return true
	}
	switch stepFields[f] {
	case "role":
		v, ok := p.string()
		s.Role = api.StepRole(v)
		return ok
	case "content":
		v, ok := p.string()
		s.Content = v
		return ok
	case "id":
		v, ok := p.string()
		s.ID = v
		return ok
	case "agentIterationId":
		v, ok := p.string()
		s.AgentIterationID = v
		return ok
	case "index":
		text, ok := p.number()
		if !ok {
			return false
		}
		// Make types index as number: 1.5 and 1e3 decode as encoding/json
		// decodes them into float64; only a number beyond float64's range
		// is an error, which encoding/json then reports.
		n, err := strconv.ParseFloat(string(text), 64)
		s.Index = n
		return err == nil
	case "executionTimeMs":
		text, ok := p.number()
		if !ok {
			return false
		}
		x, err := strconv.ParseFloat(string(text), 64)
		s.ExecutionTimeMs = x
		return err == nil
	case "tokenUsage":
		v, ok := p.any(0)
		s.TokenUsage = v
		return ok
	case "toolCalls":
		return p.toolCalls(&s.ToolCalls)
	case "toolResponse":
		if !p.is('{') {
			return false
		}
		r := new(api.ToolResponse)
		s.ToolResponse = r
		return p.object(toolResponseFields, func(f int) bool { return p.toolResponseField(r, f) })
	}
	return false
}

func (p *parser) toolCalls(out *[]api.ToolCall) bool {
	if !p.is('[') {
		return false
	}
	p.i++
	calls := make([]api.ToolCall, 0, 1) // encoding/json makes [] an empty, non-nil slice
	for first := true; ; first = false {
		p.ws()
		if p.is(']') {
			p.i++
			*out = calls
			return true
		}
		if !first {
			if !p.is(',') {
				return false
			}
			p.i++
			p.ws()
		}
		if !p.is('{') {
			return false // null or a mismatch: encoding/json's business
		}
		calls = append(calls, api.ToolCall{})
		c := &calls[len(calls)-1]
		if !p.object(toolCallFields, func(f int) bool { return p.toolCallField(c, f) }) {
			return false
		}
	}
}

func (p *parser) toolCallField(c *api.ToolCall, f int) bool {
	if p.null() {
		return true
	}
	switch toolCallFields[f] {
	case "arguments":
		if !p.is('{') {
			return false
		}
		m, ok := p.mapAny(0)
		c.Arguments = m
		return ok
	case "id":
		v, ok := p.string()
		c.ID = v
		return ok
	case "name":
		v, ok := p.string()
		c.Name = v
		return ok
	case "toolType":
		v, ok := p.string()
		c.ToolType = api.ToolType(v)
		return ok
	}
	return false
}

func (p *parser) toolResponseField(r *api.ToolResponse, f int) bool {
	if p.null() {
		return true
	}
	switch toolResponseFields[f] {
	case "executionLink":
		v, ok := p.string()
		r.ExecutionLink = v
		return ok
	case "name":
		v, ok := p.string()
		r.Name = v
		return ok
	case "result":
		v, ok := p.any(0)
		r.Result = v
		return ok
	case "status":
		v, ok := p.string()
		r.Status = api.ToolResponseStatus(v)
		return ok
	case "toolType":
		v, ok := p.string()
		r.ToolType = api.ToolType(v)
		return ok
	}
	return false
}

// string reads a JSON string (and nothing else) into a Go string.
func (p *parser) string() (string, bool) {
	if !p.is('"') {
		return "", false
	}
	return p.str()
}

// maxDepth bounds the nesting the fast path follows; deeper values go to
// encoding/json (which has its own, larger limit).
const maxDepth = 64

// any reads any value into what encoding/json makes for an interface{}:
// map[string]interface{}, []interface{}, float64, string, bool or nil.
func (p *parser) any(depth int) (any, bool) {
	if p.i >= len(p.b) || depth > maxDepth {
		return nil, false
	}
	switch c := p.b[p.i]; {
	case c == '"':
		return p.str()
	case c == '{':
		return p.mapAny(depth)
	case c == '[':
		p.i++
		list := []any{}
		for first := true; ; first = false {
			p.ws()
			if p.is(']') {
				p.i++
				return list, true
			}
			if !first {
				if !p.is(',') {
					return nil, false
				}
				p.i++
				p.ws()
			}
			v, ok := p.any(depth + 1)
			if !ok {
				return nil, false
			}
			list = append(list, v)
		}
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	default:
		text, ok := p.number()
		if !ok {
			return nil, false
		}
		x, err := strconv.ParseFloat(string(text), 64)
		return x, err == nil
	}
}

// mapAny reads the object at p.i into a map[string]interface{}; a repeated
// key keeps its last value, as with encoding/json.
func (p *parser) mapAny(depth int) (map[string]any, bool) {
	m := map[string]any{}
	p.i++ // '{'
	for first := true; ; first = false {
		p.ws()
		if p.is('}') {
			p.i++
			return m, true
		}
		if !first {
			if !p.is(',') {
				return nil, false
			}
			p.i++
			p.ws()
		}
		if !p.is('"') {
			return nil, false
		}
		key, ok := p.str()
		if !ok || !p.colon() {
			return nil, false
		}
		v, ok := p.any(depth + 1)
		if !ok {
			return nil, false
		}
		m[key] = v
	}
}

func (p *parser) is(c byte) bool { return p.i < len(p.b) && p.b[p.i] == c }

// colon reads the ':' after a key and the space around it.
func (p *parser) colon() bool {
	p.ws()
	if !p.is(':') {
		return false
	}
	p.i++
	p.ws()
	return p.i < len(p.b)
}

func (p *parser) literal(lit string) bool {
	if len(p.b)-p.i < len(lit) || string(p.b[p.i:p.i+len(lit)]) != lit {
		return false
	}
	p.i += len(lit)
	return true
}

func (p *parser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

// rawString returns an object key's bytes when it has no escapes.
func (p *parser) rawString() ([]byte, bool) {
	p.i++ // '"'
	start := p.i
	for p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case c == '\\' || c < 0x20:
			return nil, false
		case c == '"':
			p.i++
			return p.b[start : p.i-1], true
		}
		p.i++
	}
	return nil, false
}

// str decodes a string as encoding/json does, except that it gives up on
// what encoding/json would replace with U+FFFD (invalid UTF-8, lone or
// paired surrogate escapes).
func (p *parser) str() (string, bool) {
	p.i++ // '"'
	start := p.i
	nonASCII := false
	for p.i < len(p.b) {
		for p.i+8 <= len(p.b) && !special8(binary.LittleEndian.Uint64(p.b[p.i:])) {
			p.i += 8
		}
		if p.i >= len(p.b) {
			break
		}
		c := p.b[p.i]
		if plain[c] {
			p.i++
			continue
		}
		switch {
		case c == '"':
			raw := p.b[start:p.i]
			p.i++
			if nonASCII && !utf8.Valid(raw) {
				return "", false
			}
			return string(raw), true
		case c == '\\':
			return p.escaped(start, nonASCII)
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			nonASCII = true
		}
		p.i++
	}
	return "", false
}

// escaped finishes a string that has an escape at p.i.
func (p *parser) escaped(start int, nonASCII bool) (string, bool) {
	out := make([]byte, 0, p.i-start+16)
	out = append(out, p.b[start:p.i]...)
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			if nonASCII && !utf8.Valid(out) {
				return "", false
			}
			return string(out), true
		case c == '\\':
			if p.i+1 >= len(p.b) {
				return "", false
			}
			e := p.b[p.i+1]
			p.i += 2
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				if len(p.b)-p.i < 4 || !isHex4(p.b[p.i:p.i+4]) {
					return "", false
				}
				r, err := strconv.ParseUint(string(p.b[p.i:p.i+4]), 16, 32)
				if err != nil || 0xD800 <= r && r < 0xE000 {
					return "", false
				}
				p.i += 4
				out = utf8.AppendRune(out, rune(r))
			default:
				return "", false
			}
			continue
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			nonASCII = true
		}
		out = append(out, c)
		p.i++
	}
	return "", false
}

// plain marks the bytes a string may hold that need no attention: not a
// quote, a backslash, a control character or part of a multi-byte rune.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// special8 reports whether any of the 8 bytes in w is not plain (a quote, a
// backslash, a control character or a byte >= 0x80), testing them at once.
func special8(w uint64) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	hasZero := func(x uint64) uint64 { return (x - lo) & ^x & hi }
	quote := hasZero(w ^ (lo * '"'))
	backslash := hasZero(w ^ (lo * '\\'))
	control := (w - lo*0x20) & ^w & hi
	return quote|backslash|control|(w&hi) != 0
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// number reads a number with JSON's grammar and returns its text:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *parser) number() ([]byte, bool) {
	start := p.i
	digits := func() int {
		n := 0
		for p.i < len(p.b) && '0' <= p.b[p.i] && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.is('-') {
		p.i++
	}
	switch {
	case p.is('0'):
		p.i++
	case p.i < len(p.b) && '1' <= p.b[p.i] && p.b[p.i] <= '9':
		digits()
	default:
		return nil, false
	}
	if p.is('.') {
		p.i++
		if digits() == 0 {
			return nil, false
		}
	}
	if p.is('e') || p.is('E') {
		p.i++
		if p.is('+') || p.is('-') {
			p.i++
		}
		if digits() == 0 {
			return nil, false
		}
	}
	return p.b[start:p.i], true
}

// skip checks and moves past the value at p.i.
func (p *parser) skip(depth int) bool {
	if p.i >= len(p.b) || depth > maxDepth {
		return false
	}
	switch c := p.b[p.i]; {
	case c == '"':
		_, ok := p.str()
		return ok
	case c == '{' || c == '[':
		end := byte('}')
		if c == '[' {
			end = ']'
		}
		p.i++
		for first := true; ; first = false {
			p.ws()
			if p.is(end) {
				p.i++
				return true
			}
			if !first {
				if !p.is(',') {
					return false
				}
				p.i++
				p.ws()
			}
			if c == '{' {
				if !p.is('"') {
					return false
				}
				if _, ok := p.str(); !ok || !p.colon() {
					return false
				}
			}
			if !p.skip(depth + 1) {
				return false
			}
		}
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	default:
		_, ok := p.number()
		return ok
	}
}
