package api

import (
	"bytes"
	"io"
	"net/http"

	"github.com/makeagents/makeagents-go/internal/mediatype"
)

// The body parts of the pipeline's log records (WithLogBodies). The record
// itself is written by pipeline.log; it never holds headers (and so never
// Authorization) or the query string.

// requestBodyForLog reads a fresh copy of the body through GetBody (the
// original has been consumed by the transport), cut to n bytes and
// redacted. An upload has no GetBody and is not logged.
func requestBodyForLog(req *http.Request, n int, red redactor) (string, bool) {
	if req.GetBody == nil || req.Body == nil || req.Body == http.NoBody {
		return "", false
	}
	rc, err := req.GetBody()
	if err != nil {
		return "", false
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, int64(n)))
	return clipForLog(b, n, req.ContentLength, red), true
}

// responseBodyForLog peeks at the first n bytes and puts them back in
// front of the rest, so the caller reads the whole body. Event streams are
// not peeked: that would wait for events and delay the caller.
func responseBodyForLog(resp *http.Response, n int, red redactor) (string, bool) {
	if resp.Body == nil || resp.Body == http.NoBody || mediatype.IsEventStream(resp.Header.Get("Content-Type")) {
		return "", false
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, int64(n)))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), errReader{err}, resp.Body), resp.Body}
	return clipForLog(b, n, resp.ContentLength, red), true
}

// clipForLog redacts b and marks it when the body was longer than what was
// read. A token cut in half at the end is replaced too, so no prefix of it
// leaks.
func clipForLog(b []byte, n int, length int64, red redactor) string {
	more := len(b) >= n && length != int64(len(b))
	s, _ := red.Cut(string(b), len(b), more)
	if more {
		s += "…(truncated)"
	}
	return s
}
