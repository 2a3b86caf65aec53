package api

import (
	"errors"
	"net/http"

	"github.com/makeagents/makeagents-go/internal/redact"
)

// checkToken rejects tokens that cannot travel in a header. The error never
// quotes the token.
func checkToken(token string) error {
	if token == "" {
		return errors.New("empty token")
	}
	for i := 0; i < len(token); i++ {
		if c := token[i]; c < 0x21 || c == 0x7f {
			return errors.New("token contains whitespace or control characters")
		}
	}
	return nil
}

// headerDoer sets the headers every request carries: Authorization and
// User-Agent. It sits above the retry layer, so each attempt carries them.
type headerDoer struct {
	next          HttpRequestDoer
	authorization string // "Token <t>" or "Bearer <t>"; "" sends none
	userAgent     string
	// owned: the request is already this stack's private copy (the
	// validation layer above made it), so the headers are set on it
	// instead of on another copy.
	owned bool
}

func (d *headerDoer) Do(req *http.Request) (*http.Response, error) {
	// Clone: a doer must not change the caller's request.
	r := req
	if !d.owned {
		r = req.Clone(req.Context())
	}
	if d.authorization != "" {
		r.Header.Set("Authorization", d.authorization)
	}
	if d.userAgent != "" {
		r.Header.Set("User-Agent", d.userAgent)
	}
	return d.next.Do(r)
}

// redactedMark replaces the token wherever a server or an error echoes it.
const redactedMark = redact.Mark

// redactor removes the token from text that reaches errors and logs: a
// proxy or a server may echo the Authorization header in an error body. It
// is the module's one redaction path (internal/redact), shared with the sse
// package's errors, the CLI's output and the conformance report.
type redactor = redact.Redactor
