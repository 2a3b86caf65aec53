// Package drifttest makes a faithful server drift from openapi.yaml on
// purpose, so that a drift detector (`makeagents conformance`) can be tested
// end to end against a known finding. It is a reverse proxy in front of the
// server (makeagentstest's fake, in our tests): the fake itself stays
// faithful and keeps checking its own responses, and this scaffolding stays
// out of the SDK's public API.
//
//	fake := makeagentstest.NewServer(t)
//	base := drifttest.NewProxy(t, fake.URL(), drifttest.DropField("getAgent", "name"))
//	// point the detector at base instead of fake.URL()
package drifttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/makeagents/makeagents-go/internal/spec"
	"github.com/makeagents/makeagents-go/sse"

	"github.com/makeagents/makeagents-go/internal/mediatype"
)

// OpStream is the operationId of the streaming run, for drifts that change
// each step event's data.
const OpStream = "runAgentStream"

type kind int

const (
	undeclared kind = iota + 1
	drop
	changeType
	event
	status
)

// Drift is one deliberate deviation from openapi.yaml; make one with
// UndeclaredField, DropField, ChangeFieldType, UnknownEvent or
// UndocumentedStatus. Operations are named by their operationId.
type Drift struct {
	kind   kind
	op     string
	field  string
	value  any
	status int
}

// UndeclaredField adds field, with value, to the successful JSON body of
// operation op: to the object, to every object of a list, or to the data of
// every step event (OpStream).
func UndeclaredField(op, field string, value any) Drift {
	return Drift{kind: undeclared, op: op, field: field, value: value}
}

// DropField removes field from the successful JSON body of op (each object
// of a list, each step of a stream).
func DropField(op, field string) Drift { return Drift{kind: drop, op: op, field: field} }

// ChangeFieldType replaces the value of field in the successful JSON body of
// op (each object of a list, each step of a stream) with a value of another
// JSON type: a string becomes a number, anything else a string. An absent
// field stays absent.
func ChangeFieldType(op, field string) Drift { return Drift{kind: changeType, op: op, field: field} }

// UnknownEvent makes every stream send, after its first event, an event of
// eventType with a small JSON object as data.
func UnknownEvent(eventType string) Drift { return Drift{kind: event, op: OpStream, field: eventType} }

// UndocumentedStatus makes the successful responses of op go out with
// status instead, body unchanged.
func UndocumentedStatus(op string, st int) Drift { return Drift{kind: status, op: op, status: st} }

// NewProxy starts a proxy to upstream (a base URL such as the fake's URL(),
// with its path) that applies drifts to successful responses, and returns
// the proxy's base URL with the same path. Error responses pass unchanged.
// The proxy is closed when t ends.
func NewProxy(t testing.TB, upstream string, drifts ...Drift) string {
	t.Helper()
	up, err := url.Parse(upstream)
	if err != nil {
		t.Fatalf("drifttest: upstream: %v", err)
	}
	s, err := spec.Load()
	if err != nil {
		t.Fatalf("drifttest: %v", err)
	}
	p := &proxy{up: up, spec: s, drifts: drifts, client: &http.Client{
		Transport:     &http.Transport{},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	srv := httptest.NewServer(p)
	t.Cleanup(func() {
		srv.Close()
		p.client.CloseIdleConnections()
	})
	return srv.URL + up.Path
}

type proxy struct {
	up     *url.URL
	spec   *spec.Spec
	drifts []Drift
	client *http.Client
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.URL.Scheme, out.URL.Host, out.Host = p.up.Scheme, p.up.Host, p.up.Host
	resp, err := p.client.Do(out)
	if err != nil {
		http.Error(w, "drifttest: upstream: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()

	// Test scaffolding only sees the wire, so it matches the path.
	var mine []Drift
	if op, _, err := p.spec.Match(r.Method, r.URL.EscapedPath()); err == nil {
		for _, d := range p.drifts {
			if d.op == op.ID {
				mine = append(mine, d)
			}
		}
	}
	st := resp.StatusCode
	if st/100 == 2 {
		for _, d := range mine {
			if d.kind == status {
				st = d.status
			}
		}
	} else {
		mine = nil
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	if len(mine) == 0 {
		w.WriteHeader(st)
		_, _ = io.Copy(flushWriter{w}, resp.Body)
		return
	}
	w.Header().Del("Content-Length")
	if mediatype.IsEventStream(resp.Header.Get("Content-Type")) {
		w.WriteHeader(st)
		w.(http.Flusher).Flush()
		p.stream(r.Context(), w, resp, mine)
		return
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	w.WriteHeader(st)
	_, _ = w.Write(driftJSON(mine, body))
}

// stream re-sends the upstream's events with the field drifts applied to
// each step's data and the unknown event types after the first event.
func (p *proxy) stream(ctx context.Context, w http.ResponseWriter, resp *http.Response, drifts []Drift) {
	st, err := sse.NewStream(ctx, resp)
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	defer st.Close()
	n := 0
	for st.Next() {
		ev := st.Event()
		data := ev.Data
		if ev.Type == sse.TypeStep {
			data = bytes.TrimSuffix(driftJSON(drifts, data), []byte("\n"))
		}
		writeEvent(w, ev.Type, ev.ID, data)
		if n++; n == 1 {
			for i, d := range drifts {
				if d.kind == event {
					writeEvent(w, d.field, fmt.Sprintf("drift-%d", i),
						fmt.Appendf(nil, `{"note":"drifttest: an event type openapi.yaml does not document","type":%q}`, d.field))
				}
			}
		}
	}
	if st.Err() != nil {
		panic(http.ErrAbortHandler) // pass a broken stream on as broken
	}
}

func writeEvent(w http.ResponseWriter, typ, id string, data []byte) {
	var b bytes.Buffer
	b.WriteString("event: " + typ + "\n")
	if id != "" {
		b.WriteString("id: " + id + "\n")
	}
	for line := range bytes.SplitSeq(data, []byte("\n")) {
		b.WriteString("data: ")
		b.Write(line)
		b.WriteString("\n")
	}
	b.WriteString("\n")
	_, _ = w.Write(b.Bytes())
	w.(http.Flusher).Flush()
}

type flushWriter struct{ w http.ResponseWriter }

func (f flushWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	if fl, ok := f.w.(http.Flusher); ok {
		fl.Flush()
	}
	return n, err
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
			case undeclared:
				obj[d.field] = d.value
			case drop:
				delete(obj, d.field)
			case changeType:
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
