package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/makeagents/makeagents-go/internal/mediatype"
)

// ValidationError reports input that the SDK refuses to send: the request
// would be rejected by Make or, worse, reach a different resource. No request
// is made when it is returned.
type ValidationError struct {
	// Field names the offending input, e.g. "agentId" or "messages".
	Field string
	// Reason says what is wrong and how to fix it.
	Reason string
}

func (e *ValidationError) Error() string {
	return "makeagents: invalid " + e.Field + ": " + e.Reason
}

// IsValidationError reports whether err is (or wraps) a *ValidationError.
func IsValidationError(err error) bool {
	var v *ValidationError
	return errors.As(err, &v)
}

// ValidateAgentID checks that id has the UUID shape Make uses for agent ids
// (8-4-4-4-12 hex digits). It does not check the version nibble, so any id
// Make hands out passes, while "", "../x" and other path tricks do not.
func ValidateAgentID(id string) error {
	if id == "" {
		return &ValidationError{Field: "agentId", Reason: "empty; pass the agent's UUID"}
	}
	if !isUUIDShape(id) {
		return &ValidationError{Field: "agentId", Reason: fmt.Sprintf("%.64q is not a UUID (want 8-4-4-4-12 hex digits)", id)}
	}
	return nil
}

// ValidateContextID checks that id has the UUID shape Make uses for
// context ids, as ValidateAgentID does for agents.
func ValidateContextID(id string) error {
	if id == "" {
		return &ValidationError{Field: "contextId", Reason: "empty; pass the context's UUID"}
	}
	if !isUUIDShape(id) {
		return &ValidationError{Field: "contextId", Reason: fmt.Sprintf("%.64q is not a UUID (want 8-4-4-4-12 hex digits)", id)}
	}
	return nil
}

// MaxContextNameLength is the longest context name Make accepts, in characters.
const MaxContextNameLength = 120

// ValidateContextName checks a context's name as Make's spec does: at most
// 120 characters, each a letter, a digit, a space or one of -_.() (the
// pattern ^[\p{L}\p{N}\s\-_.()]*$).
func ValidateContextName(name string) error {
	if n := utf8.RuneCountInString(name); n > MaxContextNameLength {
		return &ValidationError{Field: "name", Reason: fmt.Sprintf("%d characters; Make accepts at most %d", n, MaxContextNameLength)}
	}
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsSpace(r) || strings.ContainsRune("-_.()", r) {
			continue
		}
		return &ValidationError{Field: "name", Reason: fmt.Sprintf("%q is not allowed; use letters, digits, spaces and -_.() only", r)}
	}
	return nil
}

// ValidateTeamID checks that teamID is positive, as Make requires.
func ValidateTeamID(teamID int64) error {
	if teamID <= 0 {
		return &ValidationError{Field: "teamId", Reason: fmt.Sprintf("%d is not a positive team id; pass ForTeam or set a default team with WithTeamID", teamID)}
	}
	return nil
}

// ValidateRunRequest checks a run body before it is sent: at least one
// message, every message with a role and non-empty content. An empty
// ThreadID is not sent (omitzero) and starts a new thread; a raw body that
// spells "threadId":"" is refused when it is sent (Make requires at least
// one character).
func ValidateRunRequest(r RunAgentRequest) error {
	if len(r.Messages) == 0 {
		return &ValidationError{Field: "messages", Reason: "empty; a run needs at least one message"}
	}
	for i, m := range r.Messages {
		if m.Role == "" {
			return &ValidationError{Field: fmt.Sprintf("messages[%d].role", i), Reason: `empty; use "user" or "assistant"`}
		}
		if strings.TrimSpace(m.Content) == "" {
			return &ValidationError{Field: fmt.Sprintf("messages[%d].content", i), Reason: "empty; say something to the agent"}
		}
	}
	return nil
}

func isUUIDShape(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// checkPathID checks an escaped path segment that must hold a UUID. A UUID
// has nothing to escape, so any escape ("%2F") already proves it is not one.
func checkPathID(seg string, validate func(string) error, field string) error {
	if isUUIDShape(seg) {
		return nil
	}
	id, err := url.PathUnescape(seg)
	if err != nil {
		id = seg
	}
	if err := validate(id); err != nil {
		return err
	}
	return &ValidationError{Field: field, Reason: fmt.Sprintf("%.64q is not a plain UUID", seg)}
}

// maxBufferedBody bounds how much of a request body the SDK holds in memory
// to validate or replay it. Agent configs and run messages are kilobytes;
// Make answers 413 to payloads it finds too large.
const maxBufferedBody = 32 << 20

// checkPathParams checks the ids in a request path against the operation's
// pattern: agent and context ids must be UUIDs (a "../x" trick arrives
// path-escaped as one segment and fails here), provider ids positive
// integers.
func checkPathParams(op *operation, path string) error {
	// prepare matched path to the pattern, so the two have the same
	// segments; walk them in step.
	pattern := op.path
	for pattern != "" {
		var p, seg string
		p, pattern, _ = strings.Cut(pattern, "/")
		seg, path, _ = strings.Cut(path, "/")
		switch p {
		case "{agentId}":
			if err := checkPathID(seg, ValidateAgentID, "agentId"); err != nil {
				return err
			}
		case "{contextId}":
			if err := checkPathID(seg, ValidateContextID, "contextId"); err != nil {
				return err
			}
		case "{providerId}":
			if id, err := strconv.ParseInt(seg, 10, 64); err != nil || id <= 0 {
				return &ValidationError{Field: "providerId", Reason: fmt.Sprintf("%.32q is not a positive integer", seg)}
			}
		}
	}
	return nil
}

// fillCreateTeam reconciles a create body given as bytes: its two teamIds: the spec requires it
// in the query and in the body. A missing one is filled from the other (or
// the default team); two different ones are refused.
func (p *pipeline) fillCreateTeam(r *http.Request) error {
	b, err := bufferBody(r)
	if err != nil {
		return err
	}
	var bodyTeam int64
	isObject := false
	if len(bytes.TrimSpace(b)) > 0 {
		if isObject, bodyTeam, err = createTeamID(b); err != nil {
			return err
		}
	}
	team, err := p.resolveTeam(r, bodyTeam)
	if err != nil {
		return err
	}
	switch {
	case !isObject:
	case bodyTeam == 0:
		// Only here is the whole body decoded: to add the missing teamId.
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(b, &fields); err != nil {
			return &ValidationError{Field: "body", Reason: "not a JSON object: " + err.Error()}
		}
		fields["teamId"] = json.RawMessage(strconv.FormatInt(team, 10))
		b, err := json.Marshal(fields)
		if err != nil {
			return errorf("encode create body: %w", err)
		}
		setBody(r, b)
	case bodyTeam != team:
		return &ValidationError{Field: "teamId", Reason: fmt.Sprintf("the body says %d but the query says %d; they must match", bodyTeam, team)}
	}
	return nil
}

// checkTextContext checks a JSON create-context body: its agentId and its
// name. An upload (multipart) is checked by UploadContext, which streams its
// body and never hands it here to be read.
func checkTextContext(r *http.Request) error {
	if !mediatype.IsJSON(r.Header.Get("Content-Type")) {
		return nil
	}
	b, err := bufferBody(r)
	if err != nil {
		return err
	}
	var body CreateTextContextRequest
	if err := json.Unmarshal(b, &body); err != nil {
		return &ValidationError{Field: "body", Reason: "not a JSON text context: " + err.Error()}
	}
	if emptyStringKey(b, "name") {
		return ValidateContextName("")
	}
	return validateTextContext(body)
}

// validateTextContext checks a text context's agentId and name.
func validateTextContext(body CreateTextContextRequest) error {
	if err := ValidateAgentID(body.AgentID); err != nil {
		return err
	}
	if body.Name != "" {
		return ValidateContextName(body.Name)
	}
	return nil
}

// emptyStringKey reports whether the JSON object b spells key as "": the
// typed structs read an empty string as "not set" (and never send one), so
// only a raw body can carry it, and Make refuses it.
func emptyStringKey(b []byte, key string) bool {
	var fields map[string]json.RawMessage
	if json.Unmarshal(b, &fields) != nil {
		return false
	}
	v, ok := fields[key]
	return ok && string(bytes.TrimSpace(v)) == `""`
}

// createTeamID reads the teamId of a create body: whether the body is a JSON
// object (null is not), and its teamId (0 when absent or null). Only the
// body's exact "teamId" key counts, never a case variant: encoding/json
// matches struct fields case-insensitively, so the one-field struct that
// keeps this cheap (no map of every field) is used only when no key could
// fold to teamId without being it; otherwise a map, which matches exactly.
func createTeamID(b []byte) (isObject bool, team int64, err error) {
	var raw json.RawMessage
	if exactTeamIDKeys(b) {
		var probe struct {
			TeamID json.RawMessage `json:"teamId"`
		}
		if err := json.Unmarshal(b, &probe); err != nil {
			return false, 0, &ValidationError{Field: "body", Reason: "not a JSON object: " + err.Error()}
		}
		raw = probe.TeamID
	} else {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(b, &fields); err != nil {
			return false, 0, &ValidationError{Field: "body", Reason: "not a JSON object: " + err.Error()}
		}
		raw = fields["teamId"]
	}
	if bytes.TrimSpace(b)[0] != '{' {
		return false, 0, nil
	}
	if raw != nil && string(raw) != "null" {
		if err := json.Unmarshal(raw, &team); err != nil {
			return true, 0, &ValidationError{Field: "teamId", Reason: "the body's teamId is not an integer"}
		}
	}
	return true, team, nil
}

// exactTeamIDKeys reports whether every spelling of "teamid" in b, in any
// case, is exactly "teamId". It says false for any b with a non-ASCII byte
// or a \u escape, which could spell a key that folds to teamId too (the
// dotless ı does).
func exactTeamIDKeys(b []byte) bool {
	const key = `"teamid"`
	for i, c := range b {
		switch {
		case c >= 0x80:
			return false
		case c == '\\' && i+1 < len(b) && b[i+1] == 'u':
			return false
		case c == '"' && i+len(key) <= len(b) && bytes.EqualFold(b[i:i+len(key)], []byte(key)) && string(b[i:i+len(key)]) != `"teamId"`:
			return false
		}
	}
	return true
}

// resolveTeam fills in teamId when the caller left it at 0 (or passed nil
// params, which omits it): the create body's teamId if set, else the
// client's default team. Then it insists on a positive id.
func (p *pipeline) resolveTeam(r *http.Request, bodyTeam int64) (int64, error) {
	q := r.URL.Query()
	v := q.Get("teamId")
	if v == "" || v == "0" {
		fill := p.teamID
		if bodyTeam > 0 {
			fill = bodyTeam
		}
		if fill > 0 {
			q.Set("teamId", strconv.FormatInt(fill, 10))
			r.URL.RawQuery = q.Encode()
			return fill, nil
		}
	}
	if v == "" || v == "0" {
		return 0, &ValidationError{Field: "teamId", Reason: "missing; pass ForTeam or set a default team with WithTeamID (MAKE_TEAM_ID)"}
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, &ValidationError{Field: "teamId", Reason: fmt.Sprintf("%.32q is not an integer", v)}
	}
	return id, ValidateTeamID(id)
}

// checkRunBody decodes a run or run/stream body and validates it. The body
// is buffered (so it can also be replayed by a retry) and put back.
func checkRunBody(r *http.Request) error {
	b, err := bufferBody(r)
	if err != nil {
		return err
	}
	var run RunAgentRequest
	if len(bytes.TrimSpace(b)) == 0 {
		return &ValidationError{Field: "messages", Reason: "empty request body; a run needs at least one message"}
	}
	if err := json.Unmarshal(b, &run); err != nil {
		return &ValidationError{Field: "body", Reason: "not a JSON run request: " + err.Error()}
	}
	if emptyStringKey(b, "threadId") {
		return &ValidationError{Field: "threadId", Reason: "empty; leave it out to start a new thread"}
	}
	return ValidateRunRequest(run)
}

// bufferBody reads r's body into memory (at most maxBufferedBody) and makes
// it replayable through GetBody. A body that already has GetBody is read
// from a fresh copy and left as it is.
func bufferBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	src := r.Body
	if r.GetBody != nil {
		fresh, err := r.GetBody()
		if err != nil {
			return nil, errorf("read request body: %w", err)
		}
		src = fresh
	}
	b, err := io.ReadAll(io.LimitReader(src, maxBufferedBody+1))
	_ = src.Close()
	if err != nil {
		return nil, errorf("read request body: %w", err)
	}
	if len(b) > maxBufferedBody {
		return nil, &ValidationError{Field: "body", Reason: fmt.Sprintf("larger than %d bytes", maxBufferedBody)}
	}
	if r.GetBody == nil {
		setBody(r, b)
	}
	return b, nil
}

// setBody makes b the request's replayable body.
func setBody(r *http.Request, b []byte) {
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	r.ContentLength = int64(len(b))
}
