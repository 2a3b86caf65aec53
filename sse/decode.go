package sse

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"time"
)

// framer sits between the response body and launchdarkly's Decoder. The
// Decoder is the parser we use, but on its own it trusts the server too much:
// it has no line or event size limit, joins data lines in quadratic time,
// drops a partial line at EOF without a word, turns a broken connection
// between events into a clean io.EOF, has a CRLF normaliser that can read a
// stale byte past the end of a short read, keeps a byte order mark, and
// dispatches events that have no data lines. The framer watches the same
// bytes the Decoder will see, one line at a time, and fixes each of these
// before the Decoder can get it wrong:
//
//   - it drops a leading byte order mark, which the Decoder would make part
//     of the first field name (bomStripper);
//   - it rewrites CRLF and lone CR to LF itself, so the Decoder's normaliser
//     only ever sees LF;
//   - it counts the bytes the Decoder is holding for the current event and
//     fails the read with ErrEventTooLarge once they pass the maximum, so the
//     Decoder's buffers never grow past it, however the event is split;
//   - at EOF it knows where the stream stopped. In the middle of a line
//     (no line ending yet) inside an event it reports an error wrapping
//     io.ErrUnexpectedEOF. After a complete line of an event that lacks its
//     closing blank line (Make's documented stream ends exactly so) it hands
//     the Decoder that blank line, so the event is dispatched and the stream
//     then ends cleanly. The Decoder alone would drop such an event, or,
//     as the body ends, call it an unexpected EOF;
//   - it bounds the work of joining data lines: the Decoder appends each data
//     line with string concatenation, copying all the data so far, so an
//     event of many short data lines costs time quadratic in its size (one
//     MiB of "data\n" lines took 6 s). Once that copying passes
//     maxJoinFactor times the maximum event size the event fails with
//     ErrEventTooLarge, so the CPU spent on one event stays linear in the
//     limit. Data on one line, as Make sends it, costs one copy;
//   - it records, for every event the Decoder is going to dispatch, whether
//     that event had a data line, so the Stream can skip those without.
//
// Read runs on the Decoder's goroutine; pop runs on the caller's. Everything
// else in the scanning state is touched only by Read.
type framer struct {
	body io.Reader
	max  int64

	// idle, when set, is armed only while Read waits on the body, so a slow
	// consumer (who leaves the Decoder's goroutine blocked on a channel send)
	// is never mistaken for a silent server.
	idle *time.Timer
	wait time.Duration

	cr         bool  // the previous byte was a CR, so a following LF belongs to it
	lineLen    int64 // bytes of the current line so far, without its ending
	prefix     [5]byte
	prefixN    int
	comment    bool  // the current line starts with ':'
	eventBytes int64 // bytes held for the current event: field lines and the current line
	fieldSeen  bool  // the current event has a field line: the Decoder will dispatch it
	dataSeen   bool  // ... and one of them is a data line
	dataBytes  int64 // the data the Decoder has joined so far for this event (an upper bound)
	joinWork   int64 // bytes the Decoder has copied joining this event's data lines

	eof bool // the body has returned io.EOF; finish decides how the stream ends

	mu    sync.Mutex
	queue []bool // for each event the Decoder will dispatch: whether it has data
	head  int
	err   error // sticky: once the framer fails, every later Read fails the same way
}

// errTruncated is returned in place of io.EOF when the body ends in the middle
// of an event. It is not io.ErrUnexpectedEOF itself on purpose: the Decoder
// turns a bare io.ErrUnexpectedEOF into io.EOF when it thinks no event is in
// progress, which is exactly the case of a partial first line it dropped.
var errTruncated = fmt.Errorf("sse: stream ended in the middle of an event: %w", io.ErrUnexpectedEOF)

func newFramer(body io.Reader, max int64) *framer {
	return &framer{body: &bomStripper{r: body}, max: max}
}

// bomStripper drops one UTF-8 byte order mark at the start of the stream,
// as the SSE standard says. The Decoder does not: it would read the first
// field name as "\ufeffdata" and drop the first event without a word.
type bomStripper struct {
	r    io.Reader
	done bool
	held []byte // bytes read while looking for the mark, not yet handed on
	err  error  // an error that arrived with held bytes
}

var bom = []byte("\xef\xbb\xbf")

func (b *bomStripper) Read(p []byte) (int, error) {
	for !b.done {
		var buf [3]byte
		n, err := b.r.Read(buf[:3-len(b.held)])
		b.held = append(b.held, buf[:n]...)
		if err != nil || len(b.held) == len(bom) || !bytes.HasPrefix(bom, b.held) {
			b.done, b.err = true, err
			if bytes.Equal(b.held, bom) {
				b.held = nil
			}
		}
	}
	if len(b.held) > 0 {
		n := copy(p, b.held)
		b.held = b.held[n:]
		if len(b.held) > 0 {
			return n, nil
		}
		return n, b.err
	}
	if b.err != nil {
		return 0, b.err
	}
	return b.r.Read(p)
}

func (f *framer) Read(p []byte) (int, error) {
	if err := f.stickyErr(); err != nil {
		return 0, err
	}
	if f.eof {
		return f.finish(p)
	}
	for {
		if f.idle != nil {
			f.idle.Reset(f.wait)
		}
		n, err := f.body.Read(p)
		if f.idle != nil {
			f.idle.Stop()
		}
		n = f.normalise(p[:n])
		k, ferr := f.scan(p[:n])
		if ferr != nil {
			return k, f.fail(ferr)
		}
		if err == io.EOF {
			f.eof = true
			if n > 0 {
				return n, nil // the next Read finishes
			}
			return f.finish(p)
		}
		if err != nil {
			// Wrapped so that the Decoder's identity checks against
			// io.ErrUnexpectedEOF (a chunked body cut short) cannot turn a
			// broken connection into a clean end.
			return n, f.fail(fmt.Errorf("sse: reading stream: %w", err))
		}
		// A read that was only the LF of a CRLF leaves nothing; asking again
		// keeps bufio from counting it towards io.ErrNoProgress.
		if n > 0 || len(p) == 0 {
			return n, nil
		}
	}
}

// normalise rewrites CRLF and lone CR to LF in place and returns the new
// length. The common case, a chunk without CR, costs one IndexByte.
func (f *framer) normalise(b []byte) int {
	if !f.cr && bytes.IndexByte(b, '\r') < 0 {
		return len(b)
	}
	w := 0
	for _, c := range b {
		if c == '\n' && f.cr {
			f.cr = false
			continue
		}
		f.cr = c == '\r'
		if f.cr {
			c = '\n'
		}
		b[w] = c
		w++
	}
	return w
}

// scan follows line and event boundaries through b (LF endings only) and
// returns how many bytes may be handed on. When the current event outgrows
// the maximum it stops exactly at the limit and returns ErrEventTooLarge.
func (f *framer) scan(b []byte) (int, error) {
	for i := 0; i < len(b); {
		j := bytes.IndexByte(b[i:], '\n')
		seg := b[i:]
		if j >= 0 {
			seg = b[i : i+j]
		}
		if len(seg) > 0 {
			if f.lineLen == 0 {
				f.comment = seg[0] == ':'
			}
			if f.prefixN < len(f.prefix) {
				f.prefixN += copy(f.prefix[f.prefixN:], seg)
			}
			f.lineLen += int64(len(seg))
			f.eventBytes += int64(len(seg))
			if f.eventBytes > f.max {
				return i + len(seg) - int(f.eventBytes-f.max), f.tooLarge()
			}
		}
		if j < 0 {
			break
		}
		f.eventBytes++ // the line ending
		if f.eventBytes > f.max {
			return i + j, f.tooLarge()
		}
		if err := f.endLine(); err != nil {
			return i + j, err
		}
		i += j + 1
	}
	return len(b), nil
}

func (f *framer) tooLarge() error {
	return fmt.Errorf("%w (limit %d bytes)", ErrEventTooLarge, f.max)
}

func (f *framer) endLine() error {
	var err error
	switch {
	case f.lineLen == 0: // a blank line ends the event
		if f.fieldSeen {
			f.push(f.dataSeen)
		}
		f.fieldSeen, f.dataSeen = false, false
		f.eventBytes, f.dataBytes, f.joinWork = 0, 0, 0
	case f.comment:
		// The Decoder keeps nothing of a comment once its line has ended.
		f.eventBytes -= f.lineLen + 1
	default:
		f.fieldSeen = true
		if f.prefixN >= 4 && string(f.prefix[:4]) == "data" && (f.lineLen == 4 || f.prefix[4] == ':') {
			f.dataSeen = true
			f.dataBytes += f.lineLen + 1
			f.joinWork += f.dataBytes
			if f.joinWork > maxJoinFactor*f.max {
				err = fmt.Errorf("%w: too many data lines to join (limit %d bytes)", ErrEventTooLarge, f.max)
			}
		}
	}
	f.lineLen, f.prefixN, f.comment = 0, 0, false
	return err
}

// maxJoinFactor bounds the copying the Decoder does to join one event's data
// lines, as a multiple of the maximum event size. 64 lets an event at the
// default 16 MiB limit be split into ~128 lines, and a 1 MiB event into
// ~2,000; data on one line is never affected.
const maxJoinFactor = 64

// finish runs once the body has reached EOF and everything before it has
// been handed on. A line cut short is a truncated stream, unless it is a
// comment outside any event (nothing is lost). An event whose lines are all
// complete gets the blank line the server left out, so that the Decoder
// dispatches it (or, without a data line, the Stream skips it, as it would
// any such event); it does not count towards the event's size, since it was
// never on the wire. After that, the end is clean.
func (f *framer) finish(p []byte) (int, error) {
	switch {
	case f.lineLen > 0 && (f.fieldSeen || !f.comment):
		return 0, f.fail(errTruncated)
	case f.fieldSeen && len(p) > 0:
		p[0] = '\n'
		f.lineLen = 0
		_ = f.endLine() // a blank line: it ends the event and cannot fail
		return 1, nil
	}
	return 0, f.fail(io.EOF)
}

func (f *framer) push(hasData bool) {
	f.mu.Lock()
	if f.head == len(f.queue) {
		f.queue, f.head = f.queue[:0], 0
	}
	f.queue = append(f.queue, hasData)
	f.mu.Unlock()
}

// pop reports whether the event the Decoder just dispatched had a data line.
// The Decoder dispatches exactly at the blank lines where push was called,
// and in the same order, so the queue is never empty here.
func (f *framer) pop() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.head == len(f.queue) {
		return true
	}
	v := f.queue[f.head]
	f.head++
	return v
}

func (f *framer) fail(err error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil {
		f.err = err
	}
	return f.err
}

func (f *framer) stickyErr() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}
