package makeagentstest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/makeagents/makeagents-go/makeagentstest/internal/fakeapi"
)

// maxSubErrors bounds the suberrors of a 400 body: enough to name every
// problem of a realistic request, not a wall of text for a broken one.
const maxSubErrors = 20

// validateRequests rejects, before any behaviour runs, every request that
// openapi.yaml does not allow: an unknown path or method, a missing or
// malformed teamId, an agentId that is not a UUID, a body that does not match
// its schema. The answer is Make's error shape with code IM005 ("Invalid
// input parameters") and one suberror per problem.
func (s *Server) validateRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A request for no operation of the spec is a 404 (or 405 for a
		// known path), as a real server would answer, not a 400.
		ex := exchangeOf(r.Context())
		if ex.op == nil {
			if s.unroutedStatus(r) == http.StatusMethodNotAllowed {
				writeError(w, http.StatusMethodNotAllowed, makeError("Method not allowed",
					r.Method+" is not allowed on "+r.URL.Path+".", "SC405"), nil)
				return
			}
			writeError(w, http.StatusNotFound, makeError("Not found",
				"No such endpoint: "+r.Method+" "+r.URL.Path+".", "SC404"), nil)
			return
		}
		validate := s.validator.ValidateRequestFor
		if ex.streamed {
			validate = s.validator.ValidateRequestParamsFor // the handler checks the parts
		}
		err := validate(r.Context(), ex.op, ex.params, r)
		if err == nil {
			next.ServeHTTP(w, r)
			return
		}
		// Make answers a validation failure with SC400 and its detail as a
		// list of lines (the form its own spec shows); the fake does too, so
		// clients meet the list form in every test of a bad request.
		subs := problems(err)
		if len(subs) == 0 {
			subs = []string{"The request does not match the API's specification."}
		}
		body := makeError("Invalid input parameters", "", "SC400", subs...)
		lines := append([]string{fmt.Sprintf("Validation failed for %d parameter(s).", len(subs))}, subs...)
		body.Detail = new(fakeapi.ErrorDetail)
		if err := body.Detail.FromErrorDetailLines(lines); err != nil {
			panic("makeagentstest: encode error detail: " + err.Error()) // strings only; cannot fail
		}
		writeError(w, http.StatusBadRequest, body, nil)
	})
}

// invalidField is Make's 400 for a request that is well-formed but names
// something that does not exist (a connection, a model, a thread), in the
// shape of a validation failure: SC400, the detail as lines, and one
// suberror that starts with the field's name.
func invalidField(field, problem string) fakeapi.BadRequestJSONResponse {
	line := field + ": " + problem
	body := makeError("Invalid input parameters", "", "SC400", line)
	body.Detail = new(fakeapi.ErrorDetail)
	if err := body.Detail.FromErrorDetailLines([]string{"Validation failed for 1 parameter(s).", line}); err != nil {
		panic("makeagentstest: encode error detail: " + err.Error()) // strings only; cannot fail
	}
	return fakeapi.BadRequestJSONResponse(body)
}

// problems flattens a kin-openapi validation error into one line per problem,
// naming where it is (parameter or body) and what is wrong. It walks the
// tree by hand because errors.As would see through a RequestError into its
// inner MultiError and lose which parameter the problem is about.
func problems(err error) []string {
	var out []string
	var walk func(where string, err error)
	walk = func(where string, err error) {
		if len(out) >= maxSubErrors || err == nil {
			return
		}
		switch e := err.(type) {
		case openapi3.MultiError:
			for _, inner := range e {
				walk(where, inner)
			}
			return
		case *openapi3filter.RequestError:
			where = "request body"
			if e.Parameter != nil {
				where = e.Parameter.In + " parameter " + e.Parameter.Name
			}
			if e.Err == nil {
				out = append(out, where+": "+e.Reason)
				return
			}
			walk(where, e.Err)
			return
		case *openapi3filter.SecurityRequirementsError:
			out = append(out, "authorization: "+e.Error())
			return
		case *openapi3.SchemaError, *openapi3filter.ParseError:
		default:
			if inner := errors.Unwrap(err); inner != nil {
				walk(where, inner)
				return
			}
		}
		if where != "" {
			out = append(out, where+": "+describe(err))
		} else {
			out = append(out, describe(err))
		}
	}
	walk("", err)
	return out
}

// describe renders one schema error as "at <json path>: <reason>" where the
// path is known, which is what a caller needs to fix the field.
func describe(err error) string {
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		if ptr := se.JSONPointer(); len(ptr) > 0 {
			return "at /" + strings.Join(ptr, "/") + ": " + se.Reason
		}
		return se.Reason
	}
	var pe *openapi3filter.ParseError
	if errors.As(err, &pe) {
		return pe.Error()
	}
	return err.Error()
}

// badRequest answers requests the generated router or strict layer could not
// decode. Validation runs first, so reaching this is rare (a body kin-openapi
// accepted but encoding/json did not); it still gets Make's shape, SC400.
func (s *Server) badRequest(w http.ResponseWriter, _ *http.Request, err error) {
	writeError(w, http.StatusBadRequest, makeError("Bad request", err.Error(), "SC400"), nil)
}

// responseError handles a failure while writing a response. A stream whose
// producer asked for the connection to be dropped, or any failure after the
// status line went out, can only be reported to the client by cutting the
// connection: http.ErrAbortHandler makes net/http do that without logging.
func (s *Server) responseError(w http.ResponseWriter, r *http.Request, err error) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) && !started(w) {
		tooLargeError(w, exchangeOf(r.Context())) // WithMaxUploadBytes
		return
	}
	if errors.Is(err, errDropConnection) || started(w) {
		panic(http.ErrAbortHandler)
	}
	writeError(w, http.StatusInternalServerError, makeError("Internal server error",
		"The fake failed to write its response.", "SC500"), nil)
}

// makeError builds Make's error body {message, detail, code, suberrors}.
func makeError(message, detail, code string, subs ...string) fakeapi.Error {
	e := fakeapi.Error{Message: &message, Code: &code}
	if detail != "" {
		e.Detail = new(fakeapi.ErrorDetail)
		if err := e.Detail.FromErrorDetailText(detail); err != nil {
			panic("makeagentstest: encode error detail: " + err.Error()) // a string; cannot fail
		}
	}
	for _, m := range subs {
		e.Suberrors = append(e.Suberrors, fakeapi.SubError{Message: &m})
	}
	return e
}

// writeError writes a Make-shaped JSON error with extra headers.
func writeError(w http.ResponseWriter, status int, body fakeapi.Error, header http.Header) {
	b, err := json.Marshal(body)
	if err != nil { // fakeapi.Error always marshals; keep the status anyway
		b = []byte(`{}`)
	}
	for k, vs := range header {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// checkResponse validates one finished exchange against the spec and
// reports every violation. Streams were checked event by event as they were
// written; here only their status and headers are.
func (s *Server) checkResponse(r *http.Request, rec *recorder) {
	if s.cfg.report == nil || rec.ex.deliberate.Load() || rec.status == 0 {
		return
	}
	if rec.ex.op == nil {
		// Requests outside the spec's paths have no operation to check
		// against.
		return
	}
	body := rec.body.Bytes()
	if rec.events != nil {
		body = nil
	}
	if err := s.validator.ValidateResponseFor(r.Context(), rec.ex.op, rec.ex.params, r, rec.status, rec.Header(), body); err != nil {
		s.cfg.report(err)
	}
	if rec.events != nil {
		if err := rec.events.finish(); err != nil {
			s.cfg.report(err)
		}
	}
}

// eventChecker splits a text/event-stream body into events as it is written
// and validates each event's data against the schema of its type.
type eventChecker struct {
	s       *Server
	pending []byte
	n       int
}

func (c *eventChecker) write(p []byte) {
	c.pending = append(c.pending, p...)
	for {
		i := bytes.Index(c.pending, []byte("\n\n"))
		if i < 0 {
			return
		}
		block := c.pending[:i]
		c.pending = c.pending[i+2:]
		c.n++
		c.check(block)
	}
}

func (c *eventChecker) check(block []byte) {
	eventType := "message" // the SSE default when no event field is sent
	var data [][]byte
	for line := range bytes.SplitSeq(block, []byte("\n")) {
		name, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(name) {
		case "event":
			eventType = string(value)
		case "data":
			data = append(data, value)
		}
	}
	if len(data) == 0 {
		return // not dispatched by SSE clients, so nothing the spec governs
	}
	if err := c.s.validator.ValidateEvent(eventType, bytes.Join(data, []byte("\n"))); err != nil {
		c.s.cfg.report(fmt.Errorf("event #%d: %w", c.n, err))
	}
}

// finish checks the last event when its lines are complete but no blank
// line closed it (Make's documented stream ends so, and SSE clients deliver
// it), and reports a stream that ended in the middle of a line.
func (c *eventChecker) finish() error {
	rest := bytes.TrimLeft(c.pending, "\n")
	if len(rest) == 0 {
		return nil
	}
	if rest[len(rest)-1] != '\n' {
		return fmt.Errorf("stream ended in the middle of a line (%s bytes pending)", strconv.Itoa(len(c.pending)))
	}
	c.pending = nil
	c.n++
	c.check(bytes.TrimSuffix(rest, []byte("\n")))
	return nil
}
