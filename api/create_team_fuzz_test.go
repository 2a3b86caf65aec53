package api

import (
	"bytes"
	"encoding/json"
	"testing"
)

// createTeamIDByMap is how a create body's teamId was read before
// createTeamID: a map of every field, so only the exact key "teamId" counts.
func createTeamIDByMap(b []byte) (isObject bool, team int64, ok bool) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return false, 0, false
	}
	if fields == nil {
		return false, 0, true
	}
	if raw, has := fields["teamId"]; has && string(raw) != "null" {
		if err := json.Unmarshal(raw, &team); err != nil {
			return true, 0, false
		}
	}
	return true, team, true
}

// FuzzCreateTeamID: the cheap read of a create body's teamId agrees with the
// map of every field on every input: object or not, the team, error or not.
func FuzzCreateTeamID(f *testing.F) {
	for _, s := range []string{
		`{"name":"a","teamId":2,"makeConnectionId":1}`, `{"teamId":null}`, `{}`, `null`, `[1]`, `"x"`, `5`,
		`{"TeamId":3}`, `{"teamId":1,"TEAMID":2}`, `{"TEAMID":2,"teamId":1}`, `{"team\u0049d":4}`, `{"teamıd":4}`,
		`{"teamId":"2"}`, `{"teamId":2.5}`, `{"teamId":1e3}`, `{"teamId":2,"teamId":3}`, `{"name":"\"teamid\""}`,
		`{"teamId":2} x`, `{"teamId":`, ` {"teamId" : 7 } `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(bytes.TrimSpace(b)) == 0 {
			return // the caller never asks
		}
		wantObj, wantTeam, wantOK := createTeamIDByMap(b)
		obj, team, err := createTeamID(b)
		if obj != wantObj || team != wantTeam || (err == nil) != wantOK {
			t.Fatalf("createTeamID(%q) = %v, %d, %v; the map says %v, %d, ok=%v", b, obj, team, err, wantObj, wantTeam, wantOK)
		}
	})
}
