package main

import (
	"context"
	"io"
	"strings"
	"unicode"

	"github.com/makeagents/makeagents-go/internal/redact"
)

// printable removes what a terminal would interpret from server text: C0
// controls other than newline and tab (ESC starts colour, cursor and title
// sequences), DEL, C1 controls (U+0080..U+009F, 8-bit CSI among them) and
// invalid UTF-8. Model output is text from the internet; it must not move
// the cursor, rewrite the screen or set the window title.
func printable(s string) string {
	clean := true
	for _, r := range s {
		if r != '\n' && r != '\t' && (unicode.IsControl(r) || r == unicode.ReplacementChar) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r == unicode.ReplacementChar, unicode.IsControl(r):
			b.WriteRune('�')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// redactOutput puts the token's redaction under stdout and stderr once the
// token is known, so nothing the CLI prints can carry it, whatever path the
// text took. The writers are flushed when the command ends.
func (f *factory) redactOutput(token string) {
	r := redact.New(token)
	if !r.Active() || f.redacting {
		return
	}
	f.redacting = true
	out, errw := &outWriter{Writer: r.Writer(f.stdout), under: f.stdout}, &outWriter{Writer: r.Writer(f.stderr), under: f.stderr}
	f.stdout, f.stderr = out, errw
	f.flush = append(f.flush, func() { _ = out.Flush() }, func() { _ = errw.Flush() })
}

// outWriter is a redacting writer that still tells isTerminal what it
// writes to.
type outWriter struct {
	*redact.Writer
	under io.Writer
}

func (w *outWriter) Unwrap() io.Writer { return w.under }

// secondInterruptKey carries, in the context, a channel closed at the
// second Ctrl-C: cleanup that outlives the first one stops waiting then.
type secondInterruptKey struct{}

// withSecondInterrupt returns ctx carrying ch (see secondInterrupt).
func withSecondInterrupt(ctx context.Context, ch <-chan struct{}) context.Context {
	return context.WithValue(ctx, secondInterruptKey{}, ch)
}

// secondInterrupt returns the channel closed at a second Ctrl-C, or nil
// (never closed) when there is none.
func secondInterrupt(ctx context.Context) <-chan struct{} {
	ch, _ := ctx.Value(secondInterruptKey{}).(<-chan struct{})
	return ch
}
