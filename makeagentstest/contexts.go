package makeagentstest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/makeagents/makeagents-go/makeagentstest/internal/fakeapi"
)

// Knowledge contexts. A context belongs to one agent and appears in that
// agent's `contexts` (get and list) and in listContexts. A text context keeps
// its content, and an uploaded file whose content is text keeps its first
// maxKnowledge bytes, so that the deterministic agent can cite them (see
// agent.go). Make does not document what `autosave` does; the fake stores
// "false" as isTemporary true, and anything else as a permanent context.

// maxKnowledge bounds the text kept per context for citing.
const maxKnowledge = 1 << 20

// maxCitedWords bounds the words of a message cite looks up.
const maxCitedWords = 64

func contextNotFound() fakeapi.NotFoundJSONResponse {
	return fakeapi.NotFoundJSONResponse(makeError("Not found", "Context not found.", "SC404"))
}

func agentNotFoundFor400(agentID string) fakeapi.BadRequestJSONResponse {
	return fakeapi.BadRequestJSONResponse(makeError("Invalid input parameters",
		fmt.Sprintf("No agent %s in this team.", agentID), "IM005", "agentId must name an agent of the team"))
}

func (h handlers) CreateContext(_ context.Context, req fakeapi.CreateContextRequestObject) (fakeapi.CreateContextResponseObject, error) {
	var (
		c    fakeapi.AgentContext
		text string
	)
	switch {
	case req.JSONBody != nil:
		b := req.JSONBody
		c = fakeapi.AgentContext{AgentID: b.AgentID, DocumentName: "Text context", Metadata: map[string]any{"type": "text"}}
		if b.Name != nil && *b.Name != "" {
			c.DocumentName = *b.Name
		}
		if b.Content != nil {
			text = *b.Content
		}
		c.Metadata["size"] = len(text)
		c.Description = summary(text)
		c.IsTemporary = b.Autosave != nil && *b.Autosave == "false"
	case req.MultipartBody != nil:
		var err error
		c, text, err = readUpload(req.MultipartBody)
		if tooLarge := new(http.MaxBytesError); errors.As(err, &tooLarge) {
			return nil, err // WithMaxUploadBytes: a 413 (see Server.responseError)
		}
		if err != nil {
			return fakeapi.CreateContext400JSONResponse{BadRequestJSONResponse: fakeapi.BadRequestJSONResponse(
				makeError("Invalid input parameters", err.Error(), "IM005", err.Error()))}, nil
		}
	default:
		return fakeapi.CreateContext400JSONResponse{BadRequestJSONResponse: fakeapi.BadRequestJSONResponse(
			makeError("Invalid input parameters", "The request has no body.", "IM005"))}, nil
	}
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	a, ok := h.s.store.get(req.Params.TeamID, c.AgentID)
	if !ok {
		return fakeapi.CreateContext400JSONResponse{BadRequestJSONResponse: agentNotFoundFor400(c.AgentID)}, nil
	}
	c.ID = h.s.store.newID("context")
	c.CreatedAt = h.s.now().UTC()
	a.Contexts = append(slices.Clone(a.Contexts), c)
	if bad := h.s.store.admit(a, knowledgeSize(text), 1); bad != nil {
		return fakeapi.CreateContext400JSONResponse{BadRequestJSONResponse: *bad}, nil
	}
	h.s.store.put(a)
	if text != "" {
		h.s.store.setKnowledge(a.TeamID, c.ID, text)
	}
	return fakeapi.CreateContext201Response{}, nil
}

// readUpload reads a multipart create-context body as it streams in: the
// agentId field and the file part, whose name, size and content type become
// the context's document name and metadata. Only the first maxKnowledge
// bytes of a text file are kept; the rest is counted and dropped, so an
// upload of any size costs the fake about a MiB.
func readUpload(mr *multipart.Reader) (fakeapi.AgentContext, string, error) {
	c := fakeapi.AgentContext{Metadata: map[string]any{}}
	var (
		text    string
		gotFile bool
	)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return c, "", fmt.Errorf("the multipart body is malformed: %w", err)
		}
		switch part.FormName() {
		case "agentId":
			b, err := io.ReadAll(io.LimitReader(part, 128))
			if err != nil {
				return c, "", fmt.Errorf("reading agentId: %w", err)
			}
			c.AgentID = strings.TrimSpace(string(b))
		case "file":
			gotFile = true
			c.DocumentName = part.FileName()
			if c.DocumentName == "" {
				c.DocumentName = "Uploaded file"
			}
			contentType := part.Header.Get("Content-Type")
			kept, err := io.ReadAll(io.LimitReader(part, maxKnowledge))
			if err != nil {
				return c, "", fmt.Errorf("reading the file: %w", err)
			}
			rest, err := io.Copy(io.Discard, part)
			if err != nil {
				return c, "", fmt.Errorf("reading the file: %w", err)
			}
			c.Metadata["size"] = int64(len(kept)) + rest
			c.Metadata["contentType"] = contentType
			c.Metadata["type"] = strings.TrimPrefix(strings.ToLower(filepath.Ext(c.DocumentName)), ".")
			if mediaType, _, _ := mime.ParseMediaType(contentType); strings.HasPrefix(mediaType, "text/") && utf8.Valid(kept) {
				text = string(kept)
			}
			c.Description = summary(text)
		}
		_ = part.Close()
	}
	if c.AgentID == "" {
		return c, "", errors.New("the agentId field is missing")
	}
	if !gotFile {
		return c, "", errors.New("the file part is missing")
	}
	return c, text, nil
}

// summary is a context's description: the start of its text.
func summary(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	if len(text) <= 80 {
		return text
	}
	cut := 80
	for !utf8.RuneStart(text[cut]) {
		cut--
	}
	return text[:cut] + "..."
}

func (h handlers) ListContexts(_ context.Context, req fakeapi.ListContextsRequestObject) (fakeapi.ListContextsResponseObject, error) {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	a, ok := h.s.store.get(req.Params.TeamID, req.Params.AgentID)
	if !ok {
		return fakeapi.ListContexts404JSONResponse{NotFoundJSONResponse: notFound()}, nil
	}
	return fakeapi.ListContexts200JSONResponse(nonNil(slices.Clone(a.Contexts))), nil
}

func (h handlers) DeleteContext(_ context.Context, req fakeapi.DeleteContextRequestObject) (fakeapi.DeleteContextResponseObject, error) {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	t := h.s.store.teams[req.Params.TeamID]
	if t == nil {
		return fakeapi.DeleteContext404JSONResponse{NotFoundJSONResponse: contextNotFound()}, nil
	}
	for _, id := range t.order {
		a := t.agents[id]
		i := slices.IndexFunc(a.Contexts, func(c fakeapi.AgentContext) bool { return c.ID == req.ContextID })
		if i < 0 {
			continue
		}
		a.Contexts = slices.Delete(slices.Clone(a.Contexts), i, i+1)
		h.s.store.put(a)
		h.s.store.dropKnowledge(t, req.ContextID)
		return fakeapi.DeleteContext204Response{}, nil
	}
	return fakeapi.DeleteContext404JSONResponse{NotFoundJSONResponse: contextNotFound()}, nil
}

// cite finds the first word of message (four letters or more; of the first
// maxCitedWords such words) that occurs in one of a's contexts' text, in
// context order, and returns the context's document name, the line that
// holds the word (at most 200 bytes) and the word. The bound keeps a run's
// cost in proportion to the knowledge, not to the knowledge times a
// megabyte of message. Callers hold s.mu.
func (st *store) cite(a fakeapi.Agent, message string) (doc, excerpt, word string, ok bool) {
	knowledge := st.team(a.TeamID).knowledge
	tried := 0
	for w := range strings.FieldsFuncSeq(strings.ToLower(message), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if utf8.RuneCountInString(w) < 4 {
			continue
		}
		if tried++; tried > maxCitedWords {
			break
		}
		for _, c := range a.Contexts {
			text, lower := knowledge[c.ID].text, knowledge[c.ID].lower
			if len(lower) != len(text) {
				text = lower // a few runes change length when lowered: keep offsets valid
			}
			i := strings.Index(lower, w)
			if i < 0 {
				continue
			}
			start := strings.LastIndexByte(text[:i], '\n') + 1
			end := strings.IndexByte(text[i:], '\n')
			if end < 0 {
				end = len(text)
			} else {
				end += i
			}
			line := strings.TrimSpace(text[start:end])
			if len(line) > 200 {
				cut := 200
				for !utf8.RuneStart(line[cut]) {
					cut--
				}
				line = line[:cut]
			}
			return c.DocumentName, line, w, true
		}
	}
	return "", "", "", false
}
