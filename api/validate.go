package api

import (
	"errors"
	"fmt"
	"strings"
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

// ValidateTeamID checks that teamID is positive, as Make requires.
func ValidateTeamID(teamID int64) error {
	if teamID <= 0 {
		return &ValidationError{Field: "teamId", Reason: fmt.Sprintf("%d is not a positive team id; set it in the params or with a default team", teamID)}
	}
	return nil
}

// ValidateRunRequest checks a run body before it is sent: at least one
// message, every message with a role and non-empty content.
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
