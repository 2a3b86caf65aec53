package sse_test

import (
	"strings"
	"testing"

	"github.com/makeagents/makeagents-go/sse"
)

func TestServerErrorFromData(t *testing.T) {
	for _, tc := range []struct {
		data string
		want sse.ServerError
		msg  string
	}{
		{`{"message":"Bad","detail":"Worse","code":"IM005"}`, sse.ServerError{Message: "Bad", Detail: "Worse", Code: "IM005"},
			"sse: server sent an error event: Bad: Worse (IM005)"},
		{`{"message":"Same","detail":"Same","code":500}`, sse.ServerError{Message: "Same", Detail: "Same", Code: "500"},
			"sse: server sent an error event: Same (500)"},
		{`upstream timed out`, sse.ServerError{Message: "upstream timed out"},
			"sse: server sent an error event: upstream timed out"},
		{``, sse.ServerError{}, "sse: server sent an error event"},
		{strings.Repeat("x", 2000), sse.ServerError{Message: strings.Repeat("x", 2000)},
			"sse: server sent an error event: " + strings.Repeat("x", 512) + "..."},
	} {
		var a sse.Accumulator
		err := a.Add(sse.Event{Type: "error", Data: []byte(tc.data)})
		se, ok := err.(*sse.ServerError)
		if !ok {
			t.Fatalf("%q: err = %T", tc.data, err)
		}
		if se.Message != tc.want.Message || se.Detail != tc.want.Detail || se.Code != tc.want.Code || string(se.Data) != tc.data {
			t.Errorf("%q: %+v", tc.data, se)
		}
		if se.Error() != tc.msg {
			t.Errorf("%q: Error() = %q, want %q", tc.data, se.Error(), tc.msg)
		}
	}
}

func TestContentTypeErrorMessage(t *testing.T) {
	for ct, want := range map[string]string{
		"text/html":      `sse: response content type is "text/html", want text/event-stream`,
		"":               `sse: response content type is "none", want text/event-stream`,
		"application/js": `sse: response content type is "application/js", want text/event-stream`,
	} {
		if got := (&sse.ContentTypeError{StatusCode: 200, ContentType: ct}).Error(); got != want {
			t.Errorf("%q: %q", ct, got)
		}
	}
}
