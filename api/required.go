package api

import (
	"bytes"
	"encoding/json"
	"strings"
)

// MissingFieldError is the decoding error of a response body that lacks a
// field the spec requires (or holds it as null). The call returns it inside
// an *UnexpectedResponseError: an absent field is never read as an empty
// result (no scenarios, no scopes), which would be a wrong answer, not a
// missing one.
type MissingFieldError struct {
	// Schema names the object, e.g. "ScenarioList"; Field the JSON name of
	// what it lacks, e.g. "pg".
	Schema, Field string
}

func (e *MissingFieldError) Error() string {
	return "the " + e.Schema + " has no " + e.Field + ", which is required"
}

// requireFields checks that the JSON object b has every one of keys, not
// null. A body that is null altogether lacks them all.
func requireFields(b []byte, schema string, keys ...string) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	for _, k := range keys {
		if v, ok := m[k]; !ok || bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			return &MissingFieldError{Schema: schema, Field: k}
		}
	}
	return nil
}

// The bodies of the operations that list or authorize: their required
// fields are checked as they decode (openapi.yaml's required lists; the
// test TestRequiredResponseFieldsRefused holds the two together).

// UnmarshalJSON implements json.Unmarshaler: scenarios and pg are required.
func (l *ScenarioList) UnmarshalJSON(b []byte) error {
	if err := requireFields(b, "scenario list", "scenarios", "pg"); err != nil {
		return err
	}
	type plain ScenarioList
	return json.Unmarshal(b, (*plain)(l))
}

// UnmarshalJSON implements json.Unmarshaler: connections is required.
func (l *ConnectionList) UnmarshalJSON(b []byte) error {
	if err := requireFields(b, "connection list", "connections"); err != nil {
		return err
	}
	type plain ConnectionList
	return json.Unmarshal(b, (*plain)(l))
}

// UnmarshalJSON implements json.Unmarshaler: authorization is required.
func (a *CurrentAuthorization) UnmarshalJSON(b []byte) error {
	if err := requireFields(b, "current authorization", "authorization"); err != nil {
		return err
	}
	type plain CurrentAuthorization
	return json.Unmarshal(b, (*plain)(a))
}

// UnmarshalJSON implements json.Unmarshaler: scope is required (an empty
// list is a token with no scopes; no list says nothing about the token).
func (a *Authorization) UnmarshalJSON(b []byte) error {
	if err := requireFields(b, "authorization", "scope"); err != nil {
		return err
	}
	type plain Authorization
	return json.Unmarshal(b, (*plain)(a))
}

// isJSONNull reports whether b is the JSON value null.
func isJSONNull(b []byte) bool { return strings.TrimSpace(string(b)) == "null" }
