package api

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"path/filepath"
	"strings"
	"sync"
)

// UploadContext adds a file to an agent's knowledge: the multipart/form-data
// form of Make's createContext, with the field agentId and the part file,
// whose filename is fileName and whose content type comes from its extension
// (application/octet-stream when unknown).
//
// The body is streamed from content as the connection takes it: a file of
// any size is never held in memory. So it is sent exactly once: an upload is
// a POST, never retried once it may have reached Make, and since its body
// cannot be replayed it is not retried before that either (a 429 or a dial
// error is returned as is). agentID and fileName are checked before anything
// is sent: agentID must be a UUID, and fileName a name Make accepts (see
// ValidateContextName; pass a base name, not a path).
//
// A failure of the request (dial, TLS, reset, timeout, an *APIError) is the
// error returned, as for every other call; a failure reading content is
// returned naming the file and wrapping the reader's error. Make answers
// 201 with no body; ListContexts shows the new context. Closing content, if
// it needs closing, is the caller's job.
//
// The context bounds the whole upload, whatever content does: when it ends
// (or the request ends otherwise) while content's Read is blocked, the call
// returns at once without waiting for that Read, since Go has no way to
// interrupt one. The goroutine that called it stays until it returns, then
// exits without reading content again and without sending what it read. A
// reader that can block forever (a pipe, a network stream) should
// therefore be closed by the caller after the call, which also ends that
// Read.
func (c *Client) UploadContext(ctx context.Context, agentID, fileName string, content io.Reader, opts ...CallOption) (err error) {
	// The file name is echoed by its errors: a token passed as one must
	// not be.
	defer func() { err = c.scrub(err) }()
	if err := c.scrub(ValidateAgentID(agentID)); err != nil {
		return err
	}
	if fileName == "" {
		return &ValidationError{Field: "fileName", Reason: "empty; name the file (it becomes the context's name)"}
	}
	if err := ValidateContextName(fileName); err != nil {
		return err
	}
	if content == nil {
		return &ValidationError{Field: "content", Reason: "nil reader"}
	}

	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	src := &uploadSource{r: content}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = pw.CloseWithError(writeUpload(mw, agentID, fileName, src))
	}()
	resp, cancel, cs, err := c.start(ctx, OpCreateContext, opts, nil, true, func(team TeamID) (*http.Request, error) {
		return newCreateContextRequestWithBody(c.server, &CreateContextParams{TeamID: team}, mw.FormDataContentType(), pr)
	})
	// The transport may have stopped reading (an early answer, an error, the
	// context's end): unblock the writer. It ends at once unless it is in
	// the middle of content's Read, which nothing can interrupt; then the
	// call does not wait for it (see the doc comment).
	_ = pr.CloseWithError(errUploadEnded)
	fileErr, reading := src.stop()
	if !reading {
		<-done
	}
	if err != nil {
		if fileErr != nil {
			// The file failed first: that, not the request it cut short,
			// is what the caller must hear about.
			return errorf("upload %q: reading the file: %w", fileName, fileErr)
		}
		return err
	}
	defer func() {
		// The call's event ends with cancel: it must carry what the call
		// returns, a file that failed after an answer came included.
		if cs.event != nil && cs.event.Err == nil {
			cs.event.Err = err
		}
		cancel()
	}()
	if fileErr != nil {
		// The server answered although the file failed: its answer is for
		// an incomplete body, and the file's error is what happened.
		_ = resp.Body.Close()
		return errorf("upload %q: reading the file: %w", fileName, fileErr)
	}
	// CallResponseInto: the 201 and its (empty) body, as for every call.
	commit, err := cs.capture(resp)
	if err != nil {
		return err
	}
	if _, err = parseCreateContextResponse(resp); err != nil {
		return err
	}
	commit()
	return nil
}

// errUploadEnded stops an upload's writer once the request is over.
var errUploadEnded = errors.New("makeagents: the upload request ended")

// uploadSource is the file being uploaded as the upload's writer reads it.
// It remembers the file's error, so that it is told apart from the pipe's
// (a closed pipe is the request ending, not the file failing), and once
// the call is over it refuses to read again: a Read in progress when the
// call ended is the last one.
type uploadSource struct {
	r       io.Reader
	mu      sync.Mutex
	err     error
	reading bool // inside r.Read
	stopped bool // the call is over
}

func (s *uploadSource) Read(p []byte) (int, error) {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return 0, errUploadEnded
	}
	s.reading = true
	s.mu.Unlock()
	n, err := s.r.Read(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reading = false
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// stop ends reading: it returns the file's error so far, and whether a
// Read is still in progress (its goroutine ends when that Read returns).
func (s *uploadSource) stop() (fileErr error, reading bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = true
	return s.err, s.reading
}

// writeUpload writes the form: the field agentId, then the part file.
func writeUpload(mw *multipart.Writer, agentID, fileName string, content io.Reader) error {
	if err := mw.WriteField("agentId", agentID); err != nil {
		return err
	}
	h := textproto.MIMEHeader{}
	// fileName passed ValidateContextName: no quotes, backslashes or line
	// breaks to escape.
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+fileName+`"`)
	h.Set("Content-Type", uploadContentType(fileName))
	part, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	if _, err := io.Copy(part, content); err != nil {
		return err
	}
	return mw.Close()
}

// knowledgeTypes are the content types of the files most often given to an
// agent as knowledge, so that an upload's type does not depend on the
// machine's MIME tables (which a minimal container may lack).
var knowledgeTypes = map[string]string{
	".txt":  "text/plain; charset=utf-8",
	".md":   "text/markdown; charset=utf-8",
	".csv":  "text/csv; charset=utf-8",
	".json": "application/json",
	".html": "text/html; charset=utf-8",
	".htm":  "text/html; charset=utf-8",
	".xml":  "text/xml; charset=utf-8",
	".pdf":  "application/pdf",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}

// uploadContentType is the Content-Type of an uploaded file's part: from
// its extension, the table above first, then the system's, else
// application/octet-stream.
func uploadContentType(fileName string) string {
	ext := strings.ToLower(filepath.Ext(fileName))
	if t, ok := knowledgeTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}
