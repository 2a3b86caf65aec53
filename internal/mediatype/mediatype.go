// Package mediatype is the project's one reading of a Content-Type header:
// the SDK, the stream reader, the contract checks, the drift report and the
// CLI all decide "is this JSON" and "is this an event stream" here.
package mediatype

import (
	"mime"
	"strings"
)

// EventStream is the media type of a Server-Sent Events stream.
const EventStream = "text/event-stream"

// Of returns the media type of a Content-Type value, lower-cased and without
// parameters ("application/json; charset=utf-8" gives "application/json").
// It returns "" for an empty or malformed value.
func Of(contentType string) string {
	// The common case, a bare media type, without mime.ParseMediaType's
	// parameter map: this runs on every response.
	if mt := strings.TrimSpace(contentType); isBareMediaType(mt) {
		return strings.ToLower(mt)
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return mt
}

// isBareMediaType reports whether s is type/subtype of token characters,
// with no parameters.
func isBareMediaType(s string) bool {
	slash := strings.IndexByte(s, '/')
	if slash <= 0 || slash == len(s)-1 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i == slash:
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// IsJSON reports whether contentType is JSON: application/json or a
// structured syntax suffix such as application/problem+json.
func IsJSON(contentType string) bool {
	mt := Of(contentType)
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

// IsEventStream reports whether contentType is text/event-stream.
func IsEventStream(contentType string) bool { return Of(contentType) == EventStream }
