package sse_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/makeagents/makeagents-go/sse"
)

// serveLine writes one line of n bytes of 'a', with no newline, in 64 KiB
// writes, until it is done or the client has gone. It allocates nothing per
// write, so the memory the test measures is the client's.
func serveLine(n int64) func(io.Writer, *http.Request) {
	return func(w io.Writer, r *http.Request) {
		chunk := bytes.Repeat([]byte("a"), 64<<10)
		writeString(w, "data: ")
		for sent := int64(0); sent < n; sent += int64(len(chunk)) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}
}

// oversize streams a line of lineBytes with no newline against a limit and
// returns how many bytes the process allocated meanwhile.
func oversize(t *testing.T, limit int, lineBytes int64) (totalAlloc uint64) {
	t.Helper()
	srv := newSSEServer(t, serveLine(lineBytes))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	st := srv.run(t, context.Background(), sse.WithMaxEventSize(limit))
	if st.Next() {
		t.Fatal("Next = true for an oversize event")
	}
	runtime.ReadMemStats(&after)
	if err := st.Err(); !errors.Is(err, sse.ErrEventTooLarge) {
		t.Fatalf("Err = %v, want ErrEventTooLarge", err)
	}
	return after.TotalAlloc - before.TotalAlloc
}

// A single line far larger than the limit, with no newline, fails with
// ErrEventTooLarge while the bytes allocated stay near the limit. TotalAlloc
// counts every allocation since the start (server included), so it bounds
// the peak from above: the decoder cannot have held more than this.
func TestOversizeLineMemoryBounded(t *testing.T) {
	const limit = 1 << 20
	alloc := oversize(t, limit, 64<<20)
	t.Logf("64 MiB line, 1 MiB limit: %.2f MiB allocated", float64(alloc)/(1<<20))
	if alloc > 5*limit/2 {
		t.Fatalf("allocated %d bytes for a 1 MiB limit; the decoder is reading past the limit", alloc)
	}
}

// The acceptance check: a 1 GiB line with the default 16 MiB limit.
// It is skipped under -short only to spare slow machines; it sends far less
// than 1 GiB because the client hangs up at the limit. VmHWM is the
// process's peak resident size, reported for the README.
func TestOneGiBLineMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped under -short")
	}
	alloc := oversize(t, sse.DefaultMaxEventSize, 1<<30)
	t.Logf("1 GiB line, 16 MiB limit: %.1f MiB allocated, %s", float64(alloc)/(1<<20), peakRSS())
	if alloc > 5*sse.DefaultMaxEventSize/2 {
		t.Fatalf("allocated %d bytes for a 16 MiB limit", alloc)
	}
}

func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "peak RSS unknown"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			return "peak RSS " + strings.Join(strings.Fields(l)[1:], " ")
		}
	}
	return "peak RSS unknown"
}

// chunkReader hands out its data in reads of the given sizes (cycling), the
// way a network delivers it. After each read it scribbles on the rest of the
// caller's buffer, so a decoder that looks past n is caught.
type chunkReader struct {
	data  []byte
	sizes []int
	i     int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := len(c.data)
	if len(c.sizes) > 0 {
		n = min(n, max(1, c.sizes[c.i%len(c.sizes)]))
		c.i++
	}
	n = copy(p, c.data[:n])
	c.data = c.data[n:]
	for i := n; i < len(p); i++ {
		p[i] = '\r'
	}
	return n, nil
}

func (c *chunkReader) Close() error { return nil }

func streamOf(data []byte, sizes []int, opts ...sse.Option) (*sse.Stream, error) {
	resp := &http.Response{
		StatusCode: 200,
		Header:     http.Header{"Content-Type": {"text/event-stream"}},
		Body:       &chunkReader{data: data, sizes: sizes},
	}
	return sse.NewStream(context.Background(), resp, opts...)
}

// launchdarkly's Decoder joins data lines by string concatenation, copying
// all the data so far for every line: one MiB of "data" lines took 6 s, 16
// MiB would take half an hour. The join bound turns that into
// ErrEventTooLarge; without it this event would decode (slowly) instead.
func TestManyDataLinesAreBounded(t *testing.T) {
	const limit = 1 << 20
	data := append(bytes.Repeat([]byte("data\n"), limit/5-1), '\n')
	st, err := streamOf(data, nil, sse.WithMaxEventSize(limit))
	if err != nil {
		t.Fatal(err)
	}
	evs, err := events(st)
	if !errors.Is(err, sse.ErrEventTooLarge) || !strings.Contains(err.Error(), "data lines") || len(evs) != 0 {
		t.Fatalf("%d events, Err = %v; want ErrEventTooLarge for too many data lines", len(evs), err)
	}

	// Ordinary multi-line data is far from the bound: 64 KiB in 1,024 lines
	// under the default limit.
	line := "data: " + strings.Repeat("x", 63) + "\n"
	st, err = streamOf([]byte(strings.Repeat(line, 1024)+"\n"), []int{4096})
	if err != nil {
		t.Fatal(err)
	}
	evs, err = events(st)
	if err != nil || len(evs) != 1 || len(evs[0].Data) != 1024*64-1 {
		t.Fatalf("%d events, Err = %v; want one 64 KiB event", len(evs), err)
	}
}

// A byte order mark at the start is dropped (the SSE standard says so),
// even when it arrives one byte at a time; anywhere else it is data.
func TestByteOrderMark(t *testing.T) {
	data := []byte("\xef\xbb\xbfdata: first\n\ndata: \xef\xbb\xbf\n\n")
	for _, sizes := range [][]int{nil, {1}, {2, 1}} {
		st, err := streamOf(data, sizes)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := events(st)
		want := []summary{{"message", "", "first"}, {"message", "", "\xef\xbb\xbf"}}
		if err != nil || !reflect.DeepEqual(summarize(evs), want) {
			t.Fatalf("reads of %v: events %q, err %v; want %q", sizes, summarize(evs), err, want)
		}
	}
}

// launchdarkly's CRLF normaliser, after dropping the LF of a CRLF that ends a
// short read, takes its "last byte" from past the end of the read. With a
// stale CR there it then eats the LF of the following blank line and merges
// two events. The framer normalises line endings before it can.
func TestCRLFAtReadBoundaryDoesNotMergeEvents(t *testing.T) {
	data := []byte("data: a\r\n\ndata: b\n\n")
	// The stream's first read takes 3 bytes (looking for a byte order mark);
	// the second then ends right after the CRLF.
	st, err := streamOf(data, []int{3, 6, 100})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := events(st)
	if err != nil {
		t.Fatal(err)
	}
	if got := summarize(evs); !reflect.DeepEqual(got, []summary{{"message", "", "a"}, {"message", "", "b"}}) {
		t.Fatalf("events = %q", got)
	}
}

// refEvent and refParse are an independent reading of the SSE standard's
// parsing rules, with the choices this package documents: Event.ID is the
// event's own id field, retry is read as launchdarkly reads it, an "error"
// event ends the stream, EOF in the middle of a line of an event is an error,
// and a last event whose lines are complete is dispatched without its blank
// line.
type refResult struct {
	events  []summary
	retries []time.Duration
	// end is how the stream ended: "" cleanly, "truncated" mid-event, or
	// "error event: " and the data of the error event that ended it.
	end string
}

func refParse(b []byte) refResult {
	var res refResult
	s := strings.TrimPrefix(string(b), "\xef\xbb\xbf")
	var (
		typ, id, data       string
		retry               time.Duration
		fieldSeen, dataSeen bool
	)
	// dispatch ends the current event and reports whether it was an error
	// event, which ends the stream.
	dispatch := func() bool {
		defer func() { typ, id, data, retry, fieldSeen, dataSeen = "", "", "", 0, false, false }()
		if !fieldSeen || !dataSeen {
			return false
		}
		if typ == "" {
			typ = "message"
		}
		if typ == "error" {
			res.end = "error event: " + strings.TrimSuffix(data, "\n")
			return true
		}
		res.events = append(res.events, summary{typ, id, strings.TrimSuffix(data, "\n")})
		res.retries = append(res.retries, retry)
		return false
	}
	for {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			break
		}
		line := s[:i]
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			s = s[i+2:]
		} else {
			s = s[i+1:]
		}
		if line == "" {
			if dispatch() {
				return res
			}
			continue
		}
		if line[0] == ':' {
			continue
		}
		fieldSeen = true
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			typ = value
		case "data":
			data += value + "\n"
			dataSeen = true
		case "id":
			if !strings.Contains(value, "\x00") {
				id = value
			}
		case "retry":
			ms, _ := strconv.ParseInt(value, 10, 64)
			retry = 0
			if ms > 0 {
				retry = time.Duration(min(ms, int64(maxRetry/time.Millisecond))) * time.Millisecond
			}
		}
	}
	// At EOF: a line without its ending inside an event (or one that would
	// start an event) is a truncated stream; otherwise the last event, whose
	// lines are all complete, is dispatched as if its blank line had come.
	if s != "" && (fieldSeen || s[0] != ':') {
		res.end = "truncated"
		return res
	}
	dispatch()
	return res
}

const maxRetry = time.Duration(1<<63 - 1)

func decodeAll(t *testing.T, data []byte, sizes []int, opts ...sse.Option) (refResult, error) {
	t.Helper()
	st, err := streamOf(data, sizes, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var res refResult
	for st.Next() {
		e := st.Event()
		res.events = append(res.events, summary{e.Type, e.ID, string(e.Data)})
		res.retries = append(res.retries, e.Retry)
	}
	err = st.Err()
	var se *sse.ServerError
	switch {
	case errors.As(err, &se):
		res.end = "error event: " + string(se.Data)
	case errors.Is(err, io.ErrUnexpectedEOF):
		res.end = "truncated"
	}
	return res, err
}

// FuzzDecode feeds arbitrary bytes, delivered in arbitrary read sizes,
// through NewStream and checks the events against refParse. With a small
// limit it checks that no delivered event exceeds it and that the events
// before ErrEventTooLarge are the reference's first events. The seeds run
// as part of every `go test`.
func FuzzDecode(f *testing.F) {
	seeds := []string{
		"event: step\nid: 4ebb9c59-ab75-41d5-8146-7407ce71f484\ndata: {\"role\":\"system\",\"content\":\"x\",\"id\":\"1\",\"agentIterationId\":\"2\"}\n\n",
		"data: a\r\ndata: b\r\n\r\n",
		"data: a\rdata: b\r\r",
		"data: a\r\n\ndata: b\n\n",
		": comment\n\n:\ndata\n\n",
		"event: x\n\nid: 1\n\ndata:\n\n",
		"retry: 12\ndata: r\n\nretry: -1\ndata: r\n\nretry: x\ndata: r\n\nretry: 99999999999999999999\ndata: r\n\n",
		"id: a\x00b\ndata: nul\n\n",
		"event: error\ndata: {\"message\":\"m\"}\n\ndata: after\n\n",
		"data: trunc",
		"data: a\n",
		"data: a\r\n",
		"data: a\r",
		"event: step\n",
		"event: error\ndata: last\n",
		"data: a\n: partial comment",
		"event:step\nid:4ebb9c59-ab75-41d5-8146-7407ce71f484\ndata:{\"role\":\"system\",\"content\":\"do what user says\\nCurrent time (ISO): 2025-06-26T01:42:30.080-06:00\",\"id\":\"445431dd-c20e-4a58-a043-ca9c131d4010\",\"agentIterationId\":\"a132ced5-4afd-4444-ac9d-330cc99c4986\"}\n",
		": partial comment",
		"\xef\xbb\xbfdata: bom\n\n",
		"\xef\xbb\xbf\xef\xbb\xbfdata: two marks, the second is part of the field name\n\n",
		"\xef\xbbdata: half a mark\n\n",
		"\xef",
		"\xef\xbb\xbf",
		"data:  two spaces\ndata:no space\n\n",
		"field without colon\ndata: x\n\n",
	}
	for i, s := range seeds {
		f.Add([]byte(s), uint8(i*7+1), uint8(i*3+2))
	}
	f.Fuzz(func(t *testing.T, data []byte, a, b uint8) {
		sizes := []int{int(a), int(b)}
		want := refParse(data)
		// A limit of len² keeps the data-line join bound (64x the limit) out
		// of reach, so the reference need not model it.
		got, err := decodeAll(t, data, sizes, sse.WithMaxEventSize(len(data)*len(data)+1))
		if err != nil && got.end == "" {
			t.Fatalf("unexpected error %v", err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decoded %+v\nreference %+v", got, want)
		}

		const limit = 16
		small, err := decodeAll(t, data, sizes, sse.WithMaxEventSize(limit))
		for _, e := range small.events {
			if len(e.Data) > limit {
				t.Fatalf("event of %d bytes delivered with a %d byte limit", len(e.Data), limit)
			}
		}
		if errors.Is(err, sse.ErrEventTooLarge) {
			if len(small.events) > len(want.events) || !slices.Equal(small.events, want.events[:len(small.events)]) {
				t.Fatalf("before ErrEventTooLarge: %+v\nreference %+v", small.events, want.events)
			}
		} else if !reflect.DeepEqual(small, want) {
			t.Fatalf("with limit: %+v (err %v)\nreference %+v", small, err, want)
		}
	})
}
