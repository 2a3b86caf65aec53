package makeagentstest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/makeagents/makeagents-go/makeagentstest/internal/fakeapi"
)

// Fault injection: failures a client of the real API must survive, made
// happen on demand. Faults are set per server, stay until reset, and are
// exempt from the spec check of NewServer (they are wrong on purpose).

// errDropConnection, as the stream producer's closing error, makes the
// response writer cut the connection (see Server.responseError).
var errDropConnection = errors.New("makeagentstest: drop the connection (injected fault)")

type faultState struct {
	failLeft       int
	failStatus     int
	failRetryAfter time.Duration
	stream         []StreamFault
}

// FailNext makes the next n requests, whatever they are, fail with status
// and Make's error body ({"message", "detail", "code": "SC<status>"})
// before authentication or any other processing, so nothing they asked for
// happens. A retryAfter above zero is sent as a Retry-After header in whole
// seconds (rounded up). A later call replaces an earlier one; n = 0 cancels.
//
// Use it to prove retry behaviour: FailNext(2, 503, 0) lets the third try
// through; FailNext(1, 429, 3*time.Second) tells the client when to retry.
// It panics if status is not a 4xx or 5xx code.
func (s *Server) FailNext(n int, status int, retryAfter time.Duration) {
	if status < 400 || status > 599 {
		panic(fmt.Sprintf("makeagentstest: FailNext status %d is not an error status (4xx or 5xx)", status))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.failLeft = max(n, 0)
	s.faults.failStatus = status
	s.faults.failRetryAfter = retryAfter
}

// StreamFaults sets the faults applied to every run/stream response from now
// on, replacing any set before; called with none it removes them. Each fault
// takes effect after a number of complete events; several can be combined,
// e.g. a malformed event after 1 and an end after 2. Events inserted by
// faults (MalformedEvent, OversizeEvent) do not count as events for the
// positions of other faults.
func (s *Server) StreamFaults(faults ...StreamFault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.stream = slices.Clone(faults)
}

// ResetFaults removes every injected fault: pending FailNext failures and
// stream faults. Agents, the request log and rate-limit windows stay.
func (s *Server) ResetFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = faultState{}
}

type faultKind int

const (
	faultEnd faultKind = iota + 1
	faultCut
	faultMalformed
	faultOversize
	faultStall
	faultDrop
)

// StreamFault is a failure injected into run/stream responses; make one with
// EndStreamAfter, CutStreamMidEvent, MalformedEvent, OversizeEvent,
// StallStream or DropConnection and pass it to Server.StreamFaults.
type StreamFault struct {
	kind  faultKind
	after int
	size  int
}

func (f StreamFault) terminal() bool {
	return f.kind != faultMalformed && f.kind != faultOversize
}

// EndStreamAfter ends the stream cleanly after k events (the HTTP body is
// complete), before the run's answer if k is small enough: a run cut short
// that the client cannot tell from a finished one by the bytes alone.
func EndStreamAfter(k int) StreamFault { return StreamFault{kind: faultEnd, after: max(k, 0)} }

// CutStreamMidEvent sends k events, then the first half of the next one (no
// blank line ends it), then ends the HTTP body cleanly. SSE clients must
// report this as an error, not as a finished run.
func CutStreamMidEvent(k int) StreamFault { return StreamFault{kind: faultCut, after: max(k, 0)} }

// MalformedEvent inserts, after k events, a step event whose data is not
// JSON; the stream then goes on as planned.
func MalformedEvent(k int) StreamFault { return StreamFault{kind: faultMalformed, after: max(k, 0)} }

// OversizeEvent inserts, after k events, a valid step event whose data is at
// least size bytes (an assistant step with a very long content), to test a
// client's bound on event size; the stream then goes on as planned.
func OversizeEvent(k, size int) StreamFault {
	return StreamFault{kind: faultOversize, after: max(k, 0), size: max(size, 0)}
}

// StallStream sends k events and then nothing, keeping the connection open
// until the client gives up (its request context ends) or the server
// closes: for testing idle timeouts and cancellation.
func StallStream(k int) StreamFault { return StreamFault{kind: faultStall, after: max(k, 0)} }

// DropConnection sends k events and then closes the TCP connection without
// ending the HTTP response, as a network failure or a crashed proxy would;
// the client's read fails with an unexpected EOF.
func DropConnection(k int) StreamFault { return StreamFault{kind: faultDrop, after: max(k, 0)} }

type endKind int

const (
	endNone endKind = iota
	endStall
	endDrop
)

// scriptItem is one write of a stream: bytes, then fill bytes of 'x' and
// tail (an oversize event, streamed in chunks instead of built in memory,
// so a fault of any size costs the fake a chunk), or an end.
type scriptItem struct {
	bytes []byte
	fill  int
	tail  []byte
	end   endKind
	paced bool
}

// script is the exact sequence of writes of one stream: the run's events
// with the server's stream faults applied.
type script struct {
	items      []scriptItem
	deliberate bool
}

func (s *Server) script(r run, extra []StreamFault) script {
	s.mu.Lock()
	faults := append(slices.Clone(s.faults.stream), extra...)
	s.mu.Unlock()

	sc := script{deliberate: len(faults) > 0}
	events := make([][]byte, len(r.steps))
	data := make([][]byte, len(r.steps))
	for i, st := range r.steps {
		data[i] = stepData(st)
		events[i] = encodeEvent("step", r.eventIDs[i], data[i])
	}
	faultID := func(i int, f StreamFault) string {
		return derivedUUID(fmt.Sprintf("fault/%s/%d/%d", r.iteration, i, f.kind))
	}
	iteration := r.iteration
	for k := 0; k <= len(events); k++ {
		for i, f := range faults {
			if f.after != k || f.terminal() {
				continue
			}
			if f.kind == faultMalformed {
				ev := encodeEvent("step", faultID(i, f), []byte(`{"role":"assistant","content":"this event's data is cut short`))
				sc.items = append(sc.items, scriptItem{bytes: ev, paced: true})
				continue
			}
			// The event with empty content, split where the content goes.
			ev := encodeEvent("step", faultID(i, f), stepData(fakeapi.Step{
				Role: "assistant", ID: new(derivedUUID("oversize/" + faultID(i, f))), AgentIterationID: &iteration,
			}))
			at := bytes.Index(ev, []byte(`"content":""`)) + len(`"content":"`)
			sc.items = append(sc.items, scriptItem{bytes: ev[:at], fill: f.size, tail: ev[at:], paced: true})
		}
		for _, f := range faults {
			if f.after != k || !f.terminal() {
				continue
			}
			switch f.kind {
			case faultCut:
				next := encodeEvent("step", derivedUUID("cut/"+r.iteration), []byte(`{"role":"assistant","content":"never finished"}`))
				if k < len(events) {
					next = events[k]
				}
				sc.items = append(sc.items, scriptItem{bytes: next[:len(next)/2], paced: true})
			case faultStall:
				sc.items = append(sc.items, scriptItem{end: endStall, paced: true})
			case faultDrop:
				sc.items = append(sc.items, scriptItem{end: endDrop, paced: true})
			}
			return s.endScript(sc) // faultEnd: nothing more
		}
		if k < len(events) {
			sc.items = append(sc.items, scriptItem{bytes: events[k], paced: true})
		}
	}
	return s.endScript(sc)
}

// endScript ends the last event of a stream that ends cleanly as Make's
// published example does: without the blank line after it (unless
// WithBlankLineAfterLastEvent). A stream that stalls, drops or is cut has no
// complete last event to change.
func (s *Server) endScript(sc script) script {
	if s.cfg.blankLineAfterLast || len(sc.items) == 0 {
		return sc
	}
	last := &sc.items[len(sc.items)-1]
	end := &last.bytes
	if last.fill > 0 {
		end = &last.tail
	}
	if last.end == endNone && bytes.HasSuffix(*end, []byte("\n\n")) {
		*end = (*end)[:len(*end)-1]
	}
	return sc
}

// injectFailures answers requests with FailNext's status while failures
// are pending, then applies a Prefer header's fault (see PreferHeader).
func (s *Server) injectFailures(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ex := exchangeOf(r.Context())
		if values := r.Header.Values("Prefer"); len(values) > 0 {
			var (
				p   preference
				err error
			)
			if n := len(values) - 1 + lenSum(values); n > maxPreferBytes {
				err = fmt.Errorf("the header is %d bytes; the fake reads at most %d", n, maxPreferBytes)
			} else {
				p, err = parsePrefer(strings.Join(values, ","))
			}
			if err == nil && len(p.stream) > 0 && (ex.op == nil || ex.op.ID != "runAgentStream") {
				err = errors.New("stream= applies only to run/stream (runAgentStream)")
			}
			if err != nil {
				ex.deliberate.Store(true) // not every operation declares a 400
				writeError(w, http.StatusBadRequest, makeError("Invalid Prefer header",
					"Prefer: "+err.Error()+". "+preferSyntax, "SC400", "Prefer: "+err.Error()), nil)
				return
			}
			if p.code != 0 {
				failWith(w, ex, p.code, p.retryAfter, "Injected by the request's Prefer header.")
				return
			}
			ex.prefer, ex.scopes = p.stream, p.scopes
		}
		s.mu.Lock()
		fail := s.faults.failLeft > 0
		status, retryAfter := s.faults.failStatus, s.faults.failRetryAfter
		if fail {
			s.faults.failLeft--
		}
		s.mu.Unlock()
		if !fail {
			next.ServeHTTP(w, r)
			return
		}
		failWith(w, ex, status, retryAfter, "Injected by makeagentstest (Server.FailNext).")
	})
}

// failWith answers an injected failure in Make's error shape.
func failWith(w http.ResponseWriter, ex *exchange, status int, retryAfter time.Duration, detail string) {
	ex.deliberate.Store(true)
	var h http.Header
	if retryAfter > 0 {
		h = http.Header{"Retry-After": {retryAfterSeconds(retryAfter)}}
	}
	text := http.StatusText(status)
	if text == "" {
		text = "Error " + strconv.Itoa(status)
	}
	writeError(w, status, makeError(text, detail, "SC"+strconv.Itoa(status)), h)
}

// PreferHeader is the request header that applies one fault to the request
// that carries it, from any HTTP client (curl, another language's SDK),
// as Prism and similar mock servers do:
//
//	Prefer: code=503                     answer 503 (any 4xx or 5xx) in Make's error shape
//	Prefer: code=429, retry-after=2      the same with Retry-After: 2 (seconds)
//	Prefer: stream=cut-after-2           run/stream only: a stream fault after 2 events
//	Prefer: scopes="ai-agents:read"      the token has only these scopes (space-separated)
//
// The stream faults are those of StreamFaults, by name: end-after-K
// (EndStreamAfter), cut-after-K (CutStreamMidEvent), malformed-after-K
// (MalformedEvent), oversize-after-K with size=BYTES (OversizeEvent;
// default 17 MiB, above the sse package's bound; at most 64 MiB, streamed
// in chunks, never built in memory), stall-after-K
// (StallStream) and drop-after-K (DropConnection). A code= fault answers
// before authentication, like FailNext, so nothing the request asked for
// happens. scopes= narrows the token's scopes for this request, as
// WithScopes does for all of them: an operation that needs another scope is
// a 403 and getCurrentAuthorization lists these (scopes="" for none). An
// unknown preference or a bad value is a 400 that says what is wrong, and
// so is a header of more than 1 KiB, 16 preferences or 8 stream faults
// (one request asks for bounded work); faults set with FailNext and
// StreamFaults apply as well.
const PreferHeader = "Prefer"

// Bounds of a Prefer header: one request may ask for a few faults, not for
// unbounded work (each stream fault is an event or more to send).
const (
	maxPreferBytes      = 1024
	maxPreferDirectives = 16
	maxStreamFaults     = 8
	maxOversize         = 64 << 20
)

func lenSum(values []string) int {
	n := 0
	for _, v := range values {
		n += len(v)
	}
	return n
}

const preferSyntax = "Known: code=4xx|5xx, retry-after=SECONDS, stream=end|cut|malformed|oversize|stall|drop-after-K, size=BYTES, scopes=\"SCOPE SCOPE...\""

type preference struct {
	code       int
	retryAfter time.Duration
	stream     []StreamFault
	scopes     []string // nil: not given
}

// parsePrefer reads a Prefer header value: comma-separated name=value
// preferences (RFC 7240; semicolon parameters are not used here).
func parsePrefer(v string) (preference, error) {
	var (
		p    preference
		size = -1
		raw  []string
	)
	directives := 0
	for item := range strings.SplitSeq(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if directives++; directives > maxPreferDirectives {
			return p, fmt.Errorf("more than %d preferences; the fake takes at most %d", maxPreferDirectives, maxPreferDirectives)
		}
		name, value, ok := strings.Cut(item, "=")
		name, value = strings.ToLower(strings.TrimSpace(name)), strings.Trim(strings.TrimSpace(value), `"`)
		if name == "scopes" && ok {
			p.scopes = strings.Fields(value)
			if p.scopes == nil {
				p.scopes = []string{} // scopes="": a token with no scope
			}
			for _, sc := range p.scopes {
				if !scopePattern.MatchString(sc) {
					return p, fmt.Errorf("scopes: %q is not a scope such as ai-agents:read", sc)
				}
			}
			continue
		}
		if !ok || value == "" {
			return p, fmt.Errorf("%q has no value", item)
		}
		switch name {
		case "code":
			n, err := strconv.Atoi(value)
			if err != nil || n < 400 || n > 599 {
				return p, fmt.Errorf("code=%s is not an error status (400-599)", value)
			}
			p.code = n
		case "retry-after":
			n, err := strconv.ParseInt(value, 10, 32)
			if err != nil || n < 0 {
				return p, fmt.Errorf("retry-after=%s is not a number of seconds", value)
			}
			p.retryAfter = time.Duration(n) * time.Second
		case "size":
			n, err := strconv.Atoi(value)
			if err != nil || n < 0 || n > maxOversize {
				return p, fmt.Errorf("size=%s is not a number of bytes up to %d (64 MiB)", value, maxOversize)
			}
			size = n
		case "stream":
			if len(raw) == maxStreamFaults {
				return p, fmt.Errorf("more than %d stream faults; the fake takes at most %d", maxStreamFaults, maxStreamFaults)
			}
			raw = append(raw, value)
		default:
			return p, fmt.Errorf("unknown preference %q", name)
		}
	}
	for _, value := range raw {
		f, err := parseStreamFault(value, size)
		if err != nil {
			return p, err
		}
		p.stream = append(p.stream, f)
	}
	if p.code == 0 && p.retryAfter > 0 {
		return p, errors.New("retry-after needs a code")
	}
	if p.code != 0 && len(p.stream) > 0 {
		return p, errors.New("code and stream cannot be combined")
	}
	if size >= 0 && !slices.ContainsFunc(p.stream, func(f StreamFault) bool { return f.kind == faultOversize }) {
		return p, errors.New("size applies only to stream=oversize-after-K")
	}
	return p, nil
}

// scopePattern is the shape of a Make scope: "ai-agents:read",
// "scenarios:write".
var scopePattern = regexp.MustCompile(`^[a-z0-9-]+:[a-z0-9-]+$`)

// streamFaultNames maps Prefer's stream fault names to the Go API's.
var streamFaultNames = map[string]func(k, size int) StreamFault{
	"end":       func(k, _ int) StreamFault { return EndStreamAfter(k) },
	"cut":       func(k, _ int) StreamFault { return CutStreamMidEvent(k) },
	"malformed": func(k, _ int) StreamFault { return MalformedEvent(k) },
	"oversize":  OversizeEvent,
	"stall":     func(k, _ int) StreamFault { return StallStream(k) },
	"drop":      func(k, _ int) StreamFault { return DropConnection(k) },
}

func parseStreamFault(value string, size int) (StreamFault, error) {
	name, k, ok := strings.Cut(strings.ToLower(value), "-after-")
	mk := streamFaultNames[name]
	n, err := strconv.Atoi(k)
	if !ok || mk == nil || err != nil || n < 0 {
		return StreamFault{}, fmt.Errorf("stream=%s is not NAME-after-K (NAME one of end, cut, malformed, oversize, stall, drop; K events)", value)
	}
	if size < 0 {
		size = 17 << 20
	}
	return mk(n, size), nil
}

// retryAfterSeconds renders d as Retry-After delay-seconds, rounded up so a
// client that honours it never retries early.
func retryAfterSeconds(d time.Duration) string {
	return strconv.FormatInt(int64(math.Ceil(d.Seconds())), 10)
}

// fillChunk is what an oversize event's content is written from, a chunk
// at a time.
var fillChunk = bytes.Repeat([]byte("x"), 32<<10)

// writeItem writes one item of a script: its bytes, then its fill in
// chunks, then its tail.
func writeItem(w io.Writer, item scriptItem) error {
	if _, err := w.Write(item.bytes); err != nil {
		return err
	}
	for left := item.fill; left > 0; left -= len(fillChunk) {
		if _, err := w.Write(fillChunk[:min(left, len(fillChunk))]); err != nil {
			return err
		}
	}
	if len(item.tail) > 0 {
		if _, err := w.Write(item.tail); err != nil {
			return err
		}
	}
	return nil
}
