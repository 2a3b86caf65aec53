package api

import (
	"fmt"
	"net/url"
)

// scrub removes the token from err, whatever argument carried it there: a
// token passed by mistake as an agent id (Make's tokens are UUIDs, so it
// passes id validation) ends up in the request path, and so in an
// *APIError's Path and text; a token that is not a UUID is quoted by the
// *ValidationError that refuses it. The SDK's own errors in the chain are
// redacted in place (they belong to this call alone), so a caller reading
// a field gets no token either; any other error whose text still holds
// the token is wrapped in one whose text is redacted (errors.Is and
// errors.As still reach it).
func scrub(red redactor, err error) error {
	if err == nil || !red.Active() {
		return err
	}
	visitChain(err, func(e error) {
		switch e := e.(type) {
		case *APIError:
			e.Path = red.String(e.Path)
			e.RedirectOrigin = red.String(e.RedirectOrigin)
		case *UnexpectedResponseError:
			e.Path = red.String(e.Path)
		case *ValidationError:
			e.Field, e.Reason = red.String(e.Field), red.String(e.Reason)
		case *prefixedError:
			e.msg = red.String(e.msg)
		case *url.Error:
			e.URL = red.String(e.URL)
		}
	})
	if msg := err.Error(); red.String(msg) != msg {
		return &prefixedError{msg: red.String(msg), err: fmt.Errorf("%w", err)}
	}
	return err
}

// visitChain calls f on err and every error it wraps, depth first.
func visitChain(err error, f func(error)) {
	for depth := 0; err != nil && depth < 100; depth++ {
		f(err)
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				visitChain(e, f)
			}
			return
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		default:
			return
		}
	}
}

// scrub is scrub with the client's token.
func (c *Client) scrub(err error) error { return scrub(c.pipe.red, err) }
