package sse_test

import (
	"slices"
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
		{`{"message":"Bad","detail":"Worse","code":"IM005"}`, sse.ServerError{Message: "Bad", Detail: "Worse", Code: "IM005", Details: []string{"Worse"}},
			"sse: server sent an error event: Bad: Worse (IM005)"},
		{`{"message":"Same","detail":"Same","code":500}`, sse.ServerError{Message: "Same", Detail: "Same", Code: "500", Details: []string{"Same"}},
			"sse: server sent an error event: Same (500)"},
		// Make's validation errors send detail as an array of strings
		// (this one is the example in Make's published spec).
		{`{"code":"SC400","message":"Invalid input parameters","detail":["Validation failed for 1 parameter(s).","Parameter 'teamId' must be a number."]}`,
			sse.ServerError{Message: "Invalid input parameters", Detail: "Validation failed for 1 parameter(s).; Parameter 'teamId' must be a number.", Code: "SC400",
				Details: []string{"Validation failed for 1 parameter(s).", "Parameter 'teamId' must be a number."}},
			"sse: server sent an error event: Invalid input parameters: Validation failed for 1 parameter(s).; Parameter 'teamId' must be a number. (SC400)"},
		{`{"message":"m","detail":["one",2,null,""]}`, sse.ServerError{Message: "m", Detail: "one; 2", Details: []string{"one", "2"}},
			"sse: server sent an error event: m: one; 2"},
		{`{"message":"m","detail":[]}`, sse.ServerError{Message: "m"}, "sse: server sent an error event: m"},
		{`{"message":"m","detail":{"field":"x"}}`, sse.ServerError{Message: "m", Detail: `{"field":"x"}`, Details: []string{`{"field":"x"}`}},
			`sse: server sent an error event: m: {"field":"x"}`},
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
		if se.Message != tc.want.Message || se.Detail != tc.want.Detail || se.Code != tc.want.Code || string(se.Data) != tc.data ||
			!slices.Equal(se.Details, tc.want.Details) {
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
