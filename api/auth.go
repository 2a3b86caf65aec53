package api

import (
	"errors"

	"github.com/makeagents/makeagents-go/internal/redact"
)

// checkToken rejects tokens that cannot travel in a header. The error never
// quotes the token.
func checkToken(token string) error {
	if token == "" {
		return errors.New("makeagents: empty token")
	}
	for i := 0; i < len(token); i++ {
		if c := token[i]; c < 0x21 || c == 0x7f {
			return errors.New("makeagents: token contains whitespace or control characters")
		}
	}
	return nil
}

// redactedMark replaces the token wherever a server or an error echoes it.
const redactedMark = redact.Mark

// redactor removes the token from text that reaches errors and logs: a
// proxy or a server may echo the Authorization header in an error body. It
// is the module's one redaction path (internal/redact), shared with the sse
// package's errors, the CLI's output and the conformance report.
type redactor = redact.Redactor
