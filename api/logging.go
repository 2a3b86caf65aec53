package api

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/makeagents/makeagents-go/internal/mediatype"
)

// logDoer writes one slog record per HTTP attempt. It sits below the retry
// layer, so a retried call shows every attempt with its number. It never
// logs headers (and so never Authorization) or the query string; bodies only
// when logBodies > 0, cut to that many bytes, with the token redacted.
type logDoer struct {
	next      HttpRequestDoer
	logger    *slog.Logger
	logBodies int
	red       redactor
	now       func() time.Time
}

func (d *logDoer) Do(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if !d.logger.Enabled(ctx, slog.LevelDebug) {
		return d.next.Do(req)
	}
	start := d.now()
	resp, err := d.next.Do(req)
	attrs := []slog.Attr{
		slog.String("method", req.Method),
		slog.String("path", req.URL.EscapedPath()),
		slog.Int("attempt", max(attemptFrom(ctx), 1)),
		slog.Duration("duration", d.now().Sub(start)),
	}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", d.red.String(err.Error())))
	}
	if d.logBodies > 0 {
		if b, ok := d.requestBody(req); ok {
			attrs = append(attrs, slog.String("request_body", b))
		}
		if resp != nil {
			if b, ok := d.responseBody(resp); ok {
				attrs = append(attrs, slog.String("response_body", b))
			}
		}
	}
	d.logger.LogAttrs(ctx, slog.LevelDebug, "makeagents http attempt", attrs...)
	return resp, err
}

// requestBody reads a fresh copy of the body through GetBody; the original
// has been consumed by the transport.
func (d *logDoer) requestBody(req *http.Request) (string, bool) {
	if req.GetBody == nil || req.Body == nil || req.Body == http.NoBody {
		return "", false
	}
	rc, err := req.GetBody()
	if err != nil {
		return "", false
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, int64(d.logBodies)))
	return d.clip(b, req.ContentLength), true
}

// responseBody peeks at the first logBodies bytes and puts them back in
// front of the rest, so the caller reads the whole body. Event streams are
// not peeked: that would wait for events and delay the caller.
func (d *logDoer) responseBody(resp *http.Response) (string, bool) {
	if resp.Body == nil || resp.Body == http.NoBody || mediatype.IsEventStream(resp.Header.Get("Content-Type")) {
		return "", false
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, int64(d.logBodies)))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), errReader{err}, resp.Body), resp.Body}
	return d.clip(b, resp.ContentLength), true
}

// clip redacts b and marks it when the body was longer than what was read.
// A token cut in half at the end is replaced too, so no prefix of it leaks.
func (d *logDoer) clip(b []byte, length int64) string {
	more := len(b) >= d.logBodies && length != int64(len(b))
	s, _ := d.red.Cut(string(b), len(b), more)
	if more {
		s += "…(truncated)"
	}
	return s
}
