package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
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
// Make answers 201 with no body; list the agent's contexts (ListContexts) to
// see the new one. Closing content, if it needs closing, is the caller's job.
func (c *ClientWithResponses) UploadContext(ctx context.Context, params *CreateContextParams, agentID, fileName string, content io.Reader, reqEditors ...RequestEditorFn) (*CreateContextResponse, error) {
	if err := ValidateAgentID(agentID); err != nil {
		return nil, err
	}
	if fileName == "" {
		return nil, &ValidationError{Field: "fileName", Reason: "empty; name the file (it becomes the context's name)"}
	}
	if err := ValidateContextName(fileName); err != nil {
		return nil, err
	}
	if content == nil {
		return nil, &ValidationError{Field: "content", Reason: "nil reader"}
	}

	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	var (
		wg       sync.WaitGroup
		writeErr error // the reason the body could not be written, if any
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		writeErr = writeUpload(mw, agentID, fileName, content)
		_ = pw.CloseWithError(writeErr)
	}()
	res, err := c.CreateContextWithBodyWithResponse(context.WithValue(ctx, streamedBodyKey{}, true),
		params, mw.FormDataContentType(), pr, reqEditors...)
	// The transport may have stopped reading (an early answer, an error):
	// unblock the writer and wait for it, so no goroutine outlives the call.
	_ = pr.CloseWithError(errUploadEnded)
	wg.Wait()
	if err != nil && writeErr != nil && !errors.Is(writeErr, errUploadEnded) {
		return nil, fmt.Errorf("makeagents: upload %q: reading the file: %w", fileName, writeErr)
	}
	return res, err
}

// errUploadEnded stops an upload's writer once the request is over.
var errUploadEnded = errors.New("makeagents: the upload request ended")

// streamedBodyKey marks a request whose body must be streamed, never
// buffered for replay (see makeReplayable).
type streamedBodyKey struct{}

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
