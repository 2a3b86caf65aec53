package redact

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

const secret = "tok-5c1f8e2a-90b3-4d7e-a6c4-7f0e13d2b9aa"

// TestCutNeverKeepsAPrefix cuts a text holding the token at every position
// and checks that no beginning of the token of MinPartial bytes or more is
// left at the end (the APIError.Body and conformance cut bug).
func TestCutNeverKeepsAPrefix(t *testing.T) {
	r := New(secret)
	text := strings.Repeat("x", 50) + secret + strings.Repeat("y", 50)
	for n := 0; n <= len(text); n++ {
		// The read window was text[:w]: a cut of the original, then cut at n.
		for _, w := range []int{n, r.Window(n), len(text)} {
			if w > len(text) {
				w = len(text)
			}
			got, _ := r.Cut(text[:w], n, w < len(text))
			if leaks(got) {
				t.Fatalf("Cut(text[:%d], %d) = %q keeps part of the token", w, n, got)
			}
			gotB, _ := r.CutBytes([]byte(text[:w]), n, w < len(text))
			if leaks(string(gotB)) {
				t.Fatalf("CutBytes(text[:%d], %d) = %q keeps part of the token", w, n, gotB)
			}
		}
	}
}

// leaks reports whether s holds the secret or ends in MinPartial+ bytes of it.
func leaks(s string) bool {
	if strings.Contains(s, secret) {
		return true
	}
	for k := MinPartial; k < len(secret); k++ {
		if strings.HasSuffix(s, secret[:k]) {
			return true
		}
	}
	return false
}

// oneByte reads one byte at a time, the worst split a stream can have.
type oneByte struct{ r io.Reader }

func (o oneByte) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return o.r.Read(p)
}

func TestReaderRedactsAcrossReads(t *testing.T) {
	in := "data: {\"echo\":\"" + secret + "\"}\n\n" + secret[:10] + "end " + secret
	for _, src := range []io.Reader{strings.NewReader(in), oneByte{strings.NewReader(in)}} {
		got, err := io.ReadAll(New(secret).Reader(io.NopCloser(src)))
		if err != nil {
			t.Fatal(err)
		}
		want := strings.ReplaceAll(in, secret, Mark)
		if string(got) != want {
			t.Fatalf("got %q\nwant %q", got, want)
		}
	}
}

func TestWriterRedactsAcrossWrites(t *testing.T) {
	var out bytes.Buffer
	w := New(secret).Writer(&out)
	in := "error: " + secret + " and a prompt? "
	for i := 0; i < len(in); i++ {
		if _, err := w.Write([]byte{in[i]}); err != nil {
			t.Fatal(err)
		}
	}
	// A prompt that does not end in a token prefix is written at once.
	if !strings.HasSuffix(out.String(), "prompt? ") {
		t.Fatalf("held back too much: %q", out.String())
	}
	_, _ = w.Write([]byte(secret[:5]))
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), secret) || !strings.Contains(out.String(), Mark) {
		t.Fatalf("got %q", out.String())
	}
}

func TestShortSecretsAreNotRedacted(t *testing.T) {
	r := New("abc")
	if r.Active() || r.String("abc abc") != "abc abc" {
		t.Fatal("a 3-byte secret must not mangle text")
	}
}
