package sse

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/makeagents/makeagents-go/api"

	"github.com/makeagents/makeagents-go/internal/jsontext"
)

// Errors that end a stream. Compare with errors.Is: the error returned by
// Stream.Err wraps them with detail (the limit, the timeout).
var (
	// ErrEventTooLarge ends a stream whose current event grew past the
	// maximum event size (WithMaxEventSize), however it was split into lines,
	// or whose data lines would cost too much to join (see WithMaxEventSize).
	ErrEventTooLarge = errors.New("sse: event larger than the maximum event size")

	// ErrIdleTimeout ends a stream on which the server sent no bytes for the
	// idle timeout (WithIdleTimeout).
	ErrIdleTimeout = errors.New("sse: idle timeout: no data from the server")

	// ErrClosed is reported by Err when Close was called before the stream
	// reached its end, so that a stream stopped early is never mistaken for
	// a complete run.
	ErrClosed = errors.New("sse: stream closed before its end")
)

// A stream that ends in the middle of a line of an event fails with an error
// wrapping io.ErrUnexpectedEOF (see errTruncated in decode.go); a clean end
// between events, or after the last complete line of an event (which is then
// delivered), is not an error.

// ServerError is the error a stream ends with when the server sends an SSE
// event of type "error". Make documents no such event; if it ever sends one,
// its data is most likely Make's usual error body, so the fields below are
// read from a JSON object's message, detail and code. Data keeps the event's
// data as sent, whatever its shape.
type ServerError struct {
	// Message, Detail and Code come from the data's JSON fields of the same
	// names (a non-string value is kept as its JSON text). When the data is
	// not a JSON object, Message is the data itself. Make sends detail as a
	// string or as an array of strings; Detail is the readable text either
	// way (an array's strings joined with "; ").
	Message string
	Detail  string
	Code    string
	// Details is detail as a list: the array's strings, or the one string
	// (nil when there is no detail).
	Details []string
	// EventID is the SSE id of the error event, if it had one.
	EventID string
	// Data is the event's raw data.
	Data []byte
}

// maxServerMessage bounds how much of a non-JSON error event is put into the
// error string: the data may be up to the maximum event size.
const maxServerMessage = 512

func newServerError(e Event) *ServerError {
	se := &ServerError{EventID: e.ID, Data: e.Data}
	var fields map[string]json.RawMessage
	if json.Unmarshal(e.Data, &fields) != nil || fields == nil {
		se.Message = strings.TrimSpace(string(e.Data))
		return se
	}
	se.Message = jsontext.Of(fields["message"])
	var detail api.ErrorDetail
	if raw := fields["detail"]; len(raw) > 0 && detail.UnmarshalJSON(raw) == nil {
		se.Details = detail.Lines()
	}
	se.Detail = strings.Join(se.Details, "; ")
	se.Code = jsontext.Of(fields["code"])
	return se
}

func (e *ServerError) Error() string {
	var b strings.Builder
	b.WriteString("sse: server sent an error event")
	msg := e.Message
	if len(msg) > maxServerMessage {
		msg = msg[:maxServerMessage] + "..."
	}
	if msg != "" {
		b.WriteString(": " + msg)
	}
	if e.Detail != "" && e.Detail != e.Message {
		b.WriteString(": " + e.Detail)
	}
	if e.Code != "" {
		b.WriteString(" (" + e.Code + ")")
	}
	return b.String()
}

// ContentTypeError is returned when the server answers the stream request
// with a 2xx status but not with text/event-stream: a proxy's HTML login
// page, or a JSON body, must not read as an empty stream. The body has been
// closed.
type ContentTypeError struct {
	// StatusCode is the HTTP status of the response.
	StatusCode int
	// ContentType is the Content-Type header as received ("" when absent).
	ContentType string
}

func (e *ContentTypeError) Error() string {
	ct := e.ContentType
	if ct == "" {
		ct = "none"
	}
	if len(ct) > 128 {
		ct = ct[:128] + "..."
	}
	return "sse: response content type is " + strconv.Quote(ct) + ", want text/event-stream"
}
