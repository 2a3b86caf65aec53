package makeagentstest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/makeagents/makeagents-go/internal/spec"
)

// MaxLoggedBody bounds how much of each request body Requests keeps.
const MaxLoggedBody = 64 << 10

// maxRequestBody bounds what the fake reads of a JSON request body; Make's
// bodies are a few kilobytes, so more is a client bug worth a 413, not
// memory. File uploads are streamed instead (see readBody).
const maxRequestBody = 8 << 20

// Request is one request the server received, as Requests reports it.
type Request struct {
	// Method is the HTTP method, e.g. "GET".
	Method string
	// Path is the URL path, e.g. "/api/v2/ai-agents/v1/agents".
	Path string
	// Query is the parsed query string, e.g. Query.Get("teamId") == "1".
	Query url.Values
	// Operation is the spec's operationId for the request (e.g. "listAgents"),
	// or "" when it addresses no operation of openapi.yaml.
	Operation string
	// Status is the status code the server answered with (0 if none was
	// written, e.g. a connection dropped before the response).
	Status int
	// Body is the start of the request body as the server read it, at most
	// MaxLoggedBody bytes: empty for a request answered before its body
	// was read (FailNext, a Prefer code, a wrong token).
	Body []byte
}

// Requests returns the requests served so far, oldest first, including
// rejected ones: all of them in a test's usual few, at most the newest
// Limits.RequestLog (default 10,000), and fewer when their logged bodies
// and query strings add up to more than 32 MiB (the oldest go first). A
// request appears when its response is complete (for a stream, when the
// stream ended). The Authorization header is never kept.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.log))
	copy(out, s.log)
	return out
}

// ResetRequests forgets the requests logged so far.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log, s.logSizes, s.logBytes = nil, nil, 0
}

// logRequest appends e to the request log, dropping the oldest entries
// beyond the log's bounds. Callers hold s.mu.
func (s *Server) logRequest(e Request, size int64) {
	s.log = append(s.log, e)
	s.logSizes = append(s.logSizes, size)
	s.logBytes += size
	drop := 0
	for drop < len(s.log)-1 && (len(s.log)-drop > s.cfg.limits.RequestLog || s.logBytes > maxLogBytes) {
		s.logBytes -= s.logSizes[drop]
		drop++
	}
	if drop > 0 {
		// Zero what is dropped so its bodies are freed; append moves the
		// live entries to a new array when the old one fills.
		clear(s.log[:drop])
		s.log, s.logSizes = s.log[drop:], s.logSizes[drop:]
	}
}

// logSize is what an entry costs the log, roughly: its variable parts (the
// parsed query holds about twice the raw query's bytes).
func logSize(r *http.Request, body []byte) int64 {
	return int64(len(r.URL.Path)+2*len(r.URL.RawQuery)+len(body)) + 256
}

// exchange is per-request state shared by the middlewares and the behaviour.
type exchange struct {
	// deliberate is set when a fault makes the response wrong on
	// purpose, so the spec check does not report it. Atomic because a stream
	// producer goroutine sets it.
	deliberate atomic.Bool
	// op is the operation the generated router routes the request to (nil
	// when it routes it nowhere: 404 or 405), and params its path
	// parameters. Set once by record, before any other layer runs.
	op     *spec.Operation
	params map[string]string
	// body is the request body as readBody read it, for the response
	// check; nil for a streamed upload.
	body []byte
	// streamed is set by readBody for a multipart upload, whose body is
	// read by the handler as it arrives and validated there.
	streamed bool
	// prefer holds the stream faults a Prefer header asked for.
	prefer []StreamFault
	// scopes are the token's scopes for this request when a Prefer header
	// narrowed them (nil: the server's, see Server.Scopes).
	scopes []string
}

type exchangeKey struct{}

func exchangeOf(ctx context.Context) *exchange {
	if ex, ok := ctx.Value(exchangeKey{}).(*exchange); ok {
		return ex
	}
	return &exchange{} // unreachable behind record; harmless if not
}

// record logs each request with its final status and, for servers built by
// NewServer, checks each response against the spec once it is complete. It
// also counts the handler as in flight so Close can wait for it. It does not
// read the body: readBody does, after faults and authentication, so a
// queued fault answers before any size check.
func (s *Server) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		began := time.Now()
		w.Header().Set(HeaderName, HeaderValue)
		// Count the handler under the lock that Close takes before it
		// waits, so no handler can start counting once Close is waiting.
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			writeError(w, http.StatusServiceUnavailable, makeError("Service unavailable", "The fake is shutting down.", "SC503"), nil)
			s.accessLog(r, http.StatusServiceUnavailable, began)
			return
		}
		s.inflight.Add(1)
		s.mu.Unlock()
		defer s.inflight.Done()

		ex := &exchange{}
		ex.op, ex.params = s.operation(r)
		// A copy of the request carries the logging body: net/http looks at
		// its own request's Body after the handler to tell whether it was
		// read to the end, and keeps the connection only if so. Replacing
		// that Body made it keep connections whose rejected body was still
		// unread, and read the rest as the next request.
		r = r.WithContext(context.WithValue(r.Context(), exchangeKey{}, ex))
		kept := &keepingReader{r: r.Body}
		r.Body = kept
		entry := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query()}
		if ex.op != nil {
			entry.Operation = ex.op.ID
		}
		rec := &recorder{ResponseWriter: w, ex: ex, s: s, writeTimeout: s.cfg.limits.WriteTimeout}
		if s.cfg.report != nil {
			rec.check = true
		}
		defer func() {
			entry.Status = rec.status
			entry.Body = bytes.Clone(kept.kept)
			s.mu.Lock()
			s.logRequest(entry, logSize(r, entry.Body))
			s.mu.Unlock()
			s.accessLog(r, rec.status, began)
			// Re-panic after logging: ErrAbortHandler is how a dropped
			// connection is made, and net/http must see it.
			if p := recover(); p != nil {
				panic(p)
			}
		}()
		next.ServeHTTP(rec, r)
		// Check what the client got from a copy of the request: the body was
		// consumed by the handler.
		checked := r.Clone(r.Context())
		checked.Body = io.NopCloser(bytes.NewReader(ex.body))
		s.checkResponse(checked, rec)
	})
}

// keepingReader passes a request body through, keeping its first
// MaxLoggedBody bytes for the request log.
type keepingReader struct {
	r    io.ReadCloser
	kept []byte
}

func (k *keepingReader) Read(p []byte) (int, error) {
	n, err := k.r.Read(p)
	if room := MaxLoggedBody - len(k.kept); room > 0 {
		k.kept = append(k.kept, p[:min(n, room)]...)
	}
	return n, err
}

func (k *keepingReader) Close() error { return k.r.Close() }

// accessLog writes WithAccessLog's line for a finished request.
func (s *Server) accessLog(r *http.Request, status int, began time.Time) {
	if s.cfg.accessLog == nil {
		return
	}
	path := strings.Map(func(c rune) rune {
		if unicode.IsPrint(c) {
			return c
		}
		return '?'
	}, r.URL.Path)
	line := fmt.Sprintf("%s %s %d %s\n", r.Method, path, status, time.Since(began).Round(10*time.Microsecond))
	s.logMu.Lock()
	defer s.logMu.Unlock()
	_, _ = io.WriteString(s.cfg.accessLog, line)
}

// readBody reads a JSON (or any non-upload) body, at most maxRequestBody
// bytes, so that validation and the handler can both see it. A multipart
// body (createContext's file upload) is left to stream to the handler,
// bounded only by WithMaxUploadBytes.
func (s *Server) readBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ex := exchangeOf(r.Context())
		if mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mediaType == "multipart/form-data" && ex.op != nil && ex.op.ID == "createContext" {
			ex.streamed = true
			if s.cfg.maxUpload > 0 {
				r.Body = http.MaxBytesReader(w, r.Body, s.cfg.maxUpload)
			}
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
		_ = r.Body.Close()
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				tooLargeError(w, ex)
				return
			}
			writeError(w, http.StatusBadRequest, makeError("Bad request", "The request body could not be read.", "SC400"), nil)
			return
		}
		ex.body = body
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// tooLargeError answers 413. It is not in the spec (Make's limit is
// unknown): not a drift of the fake's to report, so exempt from the check.
func tooLargeError(w http.ResponseWriter, ex *exchange) {
	ex.deliberate.Store(true)
	// The rest of the body is unread: the connection must not carry
	// another request, or those bytes would be read as one.
	w.Header().Set("Connection", "close")
	writeError(w, http.StatusRequestEntityTooLarge, makeError("Payload too large",
		"The request body is larger than the fake accepts.", "SC413"), nil)
}

// recorder remembers the status of a response and, when the server checks
// its responses, keeps JSON bodies and feeds stream bodies to an event
// checker as they are written. It passes Flush through, which the generated
// stream writer needs to flush each event.
type recorder struct {
	http.ResponseWriter
	// writeTimeout bounds each write (Limits.WriteTimeout): a deadline set
	// before writes, so a client that stops reading is cut off while a
	// stream that keeps sending lasts as long as it needs. The deadline is
	// moved only when an eighth of the timeout has passed since it was
	// last set (every write still gets at least 7/8 of it): moving it costs
	// a runtime timer update, and a response makes several writes.
	writeTimeout time.Duration
	deadlineSet  time.Time
	rc           *http.ResponseController
	ex           *exchange
	check        bool
	status       int
	body         bytes.Buffer
	events       *eventChecker
	s            *Server
}

func (r *recorder) WriteHeader(status int) {
	if r.status != 0 {
		r.ResponseWriter.WriteHeader(status) // let net/http complain as usual
		return
	}
	r.status = status
	stream := strings.HasPrefix(r.Header().Get("Content-Type"), "text/event-stream")
	if r.check && stream {
		r.events = &eventChecker{s: r.s}
	}
	r.deadline()
	r.ResponseWriter.WriteHeader(status)
	if stream {
		// Send the status line now, as a real SSE server does: a client
		// waits for it before it can read events, and a stream that stalls
		// before its first event must still look started.
		r.Flush()
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	if r.check && !r.ex.deliberate.Load() {
		if r.events != nil {
			r.events.write(p)
		} else if r.body.Len() < maxRequestBody {
			r.body.Write(p)
		}
	}
	r.deadline()
	return r.ResponseWriter.Write(p)
}

func (r *recorder) deadline() {
	if r.writeTimeout <= 0 {
		return
	}
	now := time.Now()
	if now.Sub(r.deadlineSet) < r.writeTimeout/8 {
		return
	}
	if r.rc == nil {
		r.rc = http.NewResponseController(r.ResponseWriter)
	}
	r.deadlineSet = now
	_ = r.rc.SetWriteDeadline(now.Add(r.writeTimeout))
}

// Flush implements http.Flusher.
func (r *recorder) Flush() {
	r.deadline()
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// started reports whether the response's status line has been written.
func started(w http.ResponseWriter) bool {
	for {
		switch t := w.(type) {
		case *recorder:
			return t.status != 0
		case interface{ Unwrap() http.ResponseWriter }:
			w = t.Unwrap()
		default:
			return false
		}
	}
}
