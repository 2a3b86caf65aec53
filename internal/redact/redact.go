// Package redact is the one place that removes the API token from anything
// that can reach a user: error texts, logs, response headers and bodies the
// SDK hands out, the CLI's output and the conformance report.
//
// Redacting is not enough where text is cut: a cut that falls inside the
// token leaves a prefix of it behind. Every cut therefore goes through Cut
// (or Reader, for a stream of bytes), which redacts first and then replaces
// a tail that is the beginning of the token.
package redact

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"strings"
)

// Mark replaces the token wherever it is found.
const Mark = "[redacted]"

// MinSecret is the shortest secret that is redacted: replacing a one- or
// two-letter "token" everywhere would mangle messages, and real Make tokens
// are 36-character UUIDs.
const MinSecret = 8

// MinPartial is the shortest beginning of the secret that is removed from
// the end of a cut text: three characters say nothing about a token, and
// removing them would turn ordinary words into marks.
const MinPartial = 4

// Redactor removes one secret. The zero value redacts nothing.
type Redactor struct{ secret string }

// New returns a redactor for secret; a secret shorter than MinSecret is
// not redacted (see MinSecret).
func New(secret string) Redactor { return Redactor{secret: secret} }

// Active reports whether the redactor removes anything.
func (r Redactor) Active() bool { return len(r.secret) >= MinSecret }

// Len returns the length of the secret redacted (0 when inactive), for
// callers that size read windows.
func (r Redactor) Len() int {
	if !r.Active() {
		return 0
	}
	return len(r.secret)
}

// String returns s with every occurrence of the secret replaced by Mark.
func (r Redactor) String(s string) string {
	if !r.Active() || !strings.Contains(s, r.secret) {
		return s
	}
	return strings.ReplaceAll(s, r.secret, Mark)
}

// Bytes is String for a byte slice; b is returned unchanged (not copied)
// when it does not contain the secret.
func (r Redactor) Bytes(b []byte) []byte {
	if !r.Active() || !bytes.Contains(b, []byte(r.secret)) {
		return b
	}
	return bytes.ReplaceAll(b, []byte(r.secret), []byte(Mark))
}

// Header redacts every value of h in place.
func (r Redactor) Header(h http.Header) {
	if !r.Active() {
		return
	}
	for k, vs := range h {
		for i, v := range vs {
			vs[i] = r.String(v)
		}
		h[k] = vs
	}
}

// Cut redacts s, then cuts it to at most n bytes. When the result was cut,
// or when more is true (s itself is a cut of a longer text), a tail of at
// least MinPartial bytes that begins the secret is replaced by Mark, so no
// part of the token survives the cut. It reports whether anything was cut.
func (r Redactor) Cut(s string, n int, more bool) (string, bool) {
	s = r.String(s)
	cut := more
	if len(s) > n {
		s, cut = s[:n], true
	}
	if cut {
		s = r.trimPartial(s, MinPartial)
	}
	return s, cut
}

// CutBytes is Cut for a byte slice.
func (r Redactor) CutBytes(b []byte, n int, more bool) ([]byte, bool) {
	b = r.Bytes(b)
	cut := more
	if len(b) > n {
		b, cut = b[:n:n], true
	}
	if cut {
		if k := r.partialLen(b, MinPartial); k > 0 {
			b = append(append([]byte(nil), b[:len(b)-k]...), Mark...)
		}
	}
	return b, cut
}

// Window is how many bytes to read to be able to Cut at n: a token that
// begins before n must be read whole to be recognised.
func (r Redactor) Window(n int) int { return n + r.Len() }

func (r Redactor) trimPartial(s string, minLen int) string {
	if k := r.partialLen([]byte(s), minLen); k > 0 {
		return s[:len(s)-k] + Mark
	}
	return s
}

// partialLen is the length of the longest tail of b, at least minLen bytes
// and shorter than the secret, that the secret begins with; 0 for none.
func (r Redactor) partialLen(b []byte, minLen int) int {
	if !r.Active() {
		return 0
	}
	for k := min(len(r.secret)-1, len(b)); k >= max(minLen, 1); k-- {
		if bytes.HasSuffix(b, []byte(r.secret[:k])) {
			return k
		}
	}
	return 0
}

// Reader returns rc's bytes with the secret redacted, however the secret is
// split across reads: a tail that could begin the secret is held back until
// the next bytes show whether it does (or until the end). It closes rc when
// closed.
func (r Redactor) Reader(rc io.ReadCloser) io.ReadCloser {
	if !r.Active() {
		return rc
	}
	return &reader{src: rc, r: r}
}

type reader struct {
	src  io.ReadCloser
	r    Redactor
	buf  []byte // redacted bytes not yet returned, then the held-back tail
	out  int    // how many bytes at the start of buf may be returned
	err  error
	done bool
}

func (x *reader) Read(p []byte) (int, error) {
	for x.out == 0 {
		if x.done {
			return 0, x.err
		}
		// Read straight into buf, as much as the caller asked for (within
		// bounds): an open stream waiting for its next event holds a buffer
		// of its reader's size, not a fixed 32 KiB.
		want := min(max(len(p), 512), 32<<10)
		x.buf = slices.Grow(x.buf, want)
		n, err := x.src.Read(x.buf[len(x.buf) : len(x.buf)+want])
		if n > 0 {
			x.buf = x.r.Bytes(x.buf[:len(x.buf)+n])
		}
		if err != nil {
			x.done, x.err = true, err
			x.out = len(x.buf) // at the end nothing can complete the tail
			continue
		}
		x.out = len(x.buf) - x.r.partialLen(x.buf, 1)
	}
	n := copy(p, x.buf[:x.out])
	x.buf = x.buf[:copy(x.buf, x.buf[n:])]
	x.out -= n
	return n, nil
}

func (x *reader) Close() error { return x.src.Close() }

// Writer returns a writer that redacts the secret from everything written
// to w, however the writes split it: a tail that could begin the secret is
// held back until the next write shows whether it does. Flush writes a tail
// still held back at the end.
func (r Redactor) Writer(w io.Writer) *Writer { return &Writer{w: w, r: r} }

// Writer is the writer returned by Redactor.Writer. It is not safe for
// concurrent use.
type Writer struct {
	w    io.Writer
	r    Redactor
	held []byte
}

func (x *Writer) Write(p []byte) (int, error) {
	if !x.r.Active() {
		return x.w.Write(p)
	}
	buf := x.r.Bytes(append(x.held, p...))
	k := x.r.partialLen(buf, 1)
	if _, err := x.w.Write(buf[:len(buf)-k]); err != nil {
		return 0, err
	}
	x.held = append(x.held[:0:0], buf[len(buf)-k:]...)
	return len(p), nil
}

// Flush writes what is held back.
func (x *Writer) Flush() error {
	if len(x.held) == 0 {
		return nil
	}
	_, err := x.w.Write(x.held)
	x.held = nil
	return err
}
