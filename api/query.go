package api

import (
	"fmt"
	"strconv"
	"strings"
)

// literalBrackets writes the brackets of a query as Make documents them
// (`type[]=a&pg[limit]=25`, not `type%5B%5D=a`). url.Values.Encode escapes
// them; brackets mean nothing to a query parser (only &, =, + and % do),
// so unescaping them anywhere in the query changes no name or value, and
// the request carries the same bytes whichever layer encoded it last.
func literalBrackets(rawQuery string) string {
	if !strings.Contains(rawQuery, "%5") {
		return rawQuery
	}
	return strings.NewReplacer("%5B", "[", "%5D", "]", "%5b", "[", "%5d", "]").Replace(rawQuery)
}

// MaxConnectionTypeLength bounds a connection type (an app's connection
// name such as openai-gpt-3) the SDK sends as type[].
const MaxConnectionTypeLength = 128

// ValidateConnectionType checks a connection type given as listConnections'
// type[] filter: Make names connection types (the accountName of a
// connection or an LLM provider) with ASCII letters, digits, '-', '_' and
// '.' (openai-gpt-3, airtable2, google-sheets), so anything else (a space,
// '&', '#', a non-ASCII letter) is a typo or an injection and is refused
// before a request is made.
func ValidateConnectionType(t string) error {
	if t == "" {
		return &ValidationError{Field: "type[]", Reason: "empty; pass a connection type such as openai-gpt-3 (an LLM provider's accountName)"}
	}
	if len(t) > MaxConnectionTypeLength {
		return &ValidationError{Field: "type[]", Reason: fmt.Sprintf("%d bytes; a connection type has at most %d", len(t), MaxConnectionTypeLength)}
	}
	for _, r := range t {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-' || r == '_' || r == '.' {
			continue
		}
		return &ValidationError{Field: "type[]", Reason: fmt.Sprintf("%.64q has %q; a connection type has only letters, digits, '-', '_' and '.'", t, r)}
	}
	return nil
}

// checkPage checks a pg[offset] or pg[limit] value: an integer of at least
// least (an empty value is left to Make's default).
func checkPage(name, v string, least int64) error {
	if v == "" {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < least {
		return &ValidationError{Field: name, Reason: fmt.Sprintf("%.32q is not an integer >= %d", v, least)}
	}
	return nil
}

// validScenarioType reports whether t is a type listScenarios filters on.
func validScenarioType(t ScenarioType) bool {
	return t == ScenarioTypeScenario || t == ScenarioTypeTool
}

// isZeroParam reports whether an optional query parameter was left unset.
// The generated request builders call it: optional parameters are values
// (prefer-skip-optional-pointer), so their zero value is "not given" and is
// not sent (Make's pg[offset]=0 and type= would not mean "unset").
func isZeroParam[T comparable](v T) bool {
	var zero T
	return v == zero
}
