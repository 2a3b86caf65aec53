package api

import (
	"bytes"
	"encoding/json"
	"errors"
)

// UnmarshalJSON decodes a run's result as encoding/json would, except that
// the numbers of its structured answer (JSONResponse) are json.Number, not
// float64: an integer of more than 53 bits (an order number, an id) keeps
// every digit, and json.Marshal writes it back exactly as Make sent it.
// Read one with its Int64 or Float64 method.
func (r *RunAgentResult) UnmarshalJSON(b []byte) error {
	type plain RunAgentResult
	aux := struct {
		*plain
		// Shadows plain's field of the same JSON name.
		JSONResponse json.RawMessage `json:"jsonResponse,omitempty"`
	}{plain: (*plain)(r)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	r.JSONResponse = nil
	raw := bytes.TrimSpace(aux.JSONResponse)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			te.Field = "jsonResponse" + dotField(te.Field)
			te.Struct = "RunAgentResult"
		}
		return err
	}
	r.JSONResponse = m
	return nil
}

func dotField(f string) string {
	if f == "" {
		return ""
	}
	return "." + f
}
