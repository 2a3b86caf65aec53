package makeagentstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Drift on purpose: a faithful fake cannot show that a drift detector (the
// `makeagents conformance` command, say) notices when Make's API departs
// from openapi.yaml. WithDrift makes the fake depart in one precise way, so
// such a tool can be tested end to end against a known finding. Drifted
// responses are exempt from NewServer's spec check.

// OpStream is the operationId of the streaming run, for drifts that change
// each step event's data.
const OpStream = "runAgentStream"

type driftKind int

const (
	driftUndeclared driftKind = iota + 1
	driftDrop
	driftType
	driftEvent
	driftStatus
)

// Drift is one deliberate deviation from openapi.yaml; make one with
// UndeclaredField, DropField, ChangeFieldType, UnknownEvent or
// UndocumentedStatus and pass it to WithDrift. Operations are named by
// their operationId in openapi.yaml: listAgents, createAgent, getAgent,
// updateAgent, deleteAgent, runAgent, runAgentStream.
type Drift struct {
	kind   driftKind
	op     string
	field  string
	value  any
	status int
}

// WithDrift makes the server's successful responses drift from the spec as
// described by each Drift. Error responses are never changed.
func WithDrift(drifts ...Drift) Option {
	return func(c *config) { c.drifts = append(c.drifts, drifts...) }
}

// UndeclaredField adds field, with value, to the successful JSON body of
// operation op: to the object, or to every object of a list (listAgents),
// or to the data of every step event (runAgentStream). It must be a field
// the spec does not declare there to be a drift.
func UndeclaredField(op, field string, value any) Drift {
	return Drift{kind: driftUndeclared, op: op, field: field, value: value}
}

// DropField removes field from the successful JSON body of op (each object
// of a list, each step of a stream); dropping a required field such as
// "id" or "agentIterationId" is a drift.
func DropField(op, field string) Drift { return Drift{kind: driftDrop, op: op, field: field} }

// ChangeFieldType replaces the value of field in the successful JSON body
// of op (each object of a list, each step of a stream) with a value of
// another JSON type: a string becomes a number, anything else a string.
// A field that is absent is left absent.
func ChangeFieldType(op, field string) Drift { return Drift{kind: driftType, op: op, field: field} }

// UnknownEvent makes every stream send, after its first event, an event of
// eventType (which the spec must not document to be a drift) with a small
// JSON object as data.
func UnknownEvent(eventType string) Drift {
	return Drift{kind: driftEvent, op: OpStream, field: eventType}
}

// UndocumentedStatus makes the successful responses of op go out with
// status instead (e.g. 202 for getAgent), body unchanged.
func UndocumentedStatus(op string, status int) Drift {
	return Drift{kind: driftStatus, op: op, status: status}
}

// driftsFor returns the drifts that apply to operation op.
func (s *Server) driftsFor(op string) []Drift {
	var out []Drift
	for _, d := range s.cfg.drifts {
		if d.op == op {
			out = append(out, d)
		}
	}
	return out
}

// driftResponses rewrites the successful responses of drifted operations.
// JSON bodies are buffered, changed and sent whole; a stream keeps its
// flushing, and only its status is rewritten here (its events are changed
// in the stream's script).
func (s *Server) driftResponses(next http.Handler) http.Handler {
	if len(s.cfg.drifts) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var op string
		if ex := exchangeOf(r.Context()); ex.op != nil {
			op = ex.op.ID
		}
		drifts := s.driftsFor(op)
		if len(drifts) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		exchangeOf(r.Context()).deliberate.Store(true)
		status := 0
		for _, d := range drifts {
			if d.kind == driftStatus {
				status = d.status
			}
		}
		if op == OpStream {
			next.ServeHTTP(&statusRewriter{ResponseWriter: w, status: status}, r)
			return
		}
		buf := &bufferedResponse{header: http.Header{}}
		next.ServeHTTP(buf, r)
		body := buf.body.Bytes()
		if buf.status/100 == 2 {
			body = driftJSON(drifts, body)
			if status != 0 {
				buf.status = status
			}
		}
		for k, v := range buf.header {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(buf.status)
		_, _ = w.Write(body)
	})
}

// driftJSON applies the field drifts to a JSON body: to the object, or to
// each object of an array. A body that is empty or not JSON is returned as
// it is.
func driftJSON(drifts []Drift, body []byte) []byte {
	if len(bytes.TrimSpace(body)) == 0 {
		return body
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return body
	}
	apply := func(obj map[string]any) {
		for _, d := range drifts {
			switch d.kind {
			case driftUndeclared:
				obj[d.field] = d.value
			case driftDrop:
				delete(obj, d.field)
			case driftType:
				if old, ok := obj[d.field]; ok {
					obj[d.field] = otherType(old)
				}
			}
		}
	}
	switch t := v.(type) {
	case map[string]any:
		apply(t)
	case []any:
		for _, e := range t {
			if obj, ok := e.(map[string]any); ok {
				apply(obj)
			}
		}
	}
	out, err := json.Marshal(v)
	if err != nil {
		return body
	}
	return append(out, '\n')
}

// otherType returns a value of a different JSON type than v, derived from
// v so that a report shows where it came from.
func otherType(v any) any {
	switch t := v.(type) {
	case string:
		return len(t)
	case nil:
		return 0
	default:
		b, _ := json.Marshal(t)
		return string(b)
	}
}

// driftStream changes the stream's events: field drifts on each step's
// data, then the unknown event types after the first event.
func (s *Server) driftStream(r run, events [][]byte, data [][]byte) [][]byte {
	drifts := s.driftsFor(OpStream)
	if len(drifts) == 0 {
		return events
	}
	out := make([][]byte, 0, len(events)+len(drifts))
	for i := range events {
		out = append(out, encodeEvent("step", r.eventIDs[i], bytes.TrimSuffix(driftJSON(drifts, data[i]), []byte("\n"))))
		if i != 0 {
			continue
		}
		for j, d := range drifts {
			if d.kind == driftEvent {
				payload := fmt.Sprintf(`{"note":"makeagentstest drift: an event type openapi.yaml does not document","type":%q}`, d.field)
				out = append(out, encodeEvent(d.field, derivedUUID(fmt.Sprintf("drift/%s/%d", r.executionID, j)), []byte(payload)))
			}
		}
	}
	return out
}

// statusRewriter sends a stream's headers with the drifted status.
type statusRewriter struct {
	http.ResponseWriter
	status int
}

func (w *statusRewriter) WriteHeader(status int) {
	if w.status != 0 && status/100 == 2 && strings.HasPrefix(w.Header().Get("Content-Type"), "text/event-stream") {
		status = w.status
	}
	w.ResponseWriter.WriteHeader(status)
}

// Flush implements http.Flusher, which the stream writer needs.
func (w *statusRewriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusRewriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// bufferedResponse holds a JSON response so it can be changed before it is
// sent.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
