package agentfile_test

import (
	"errors"
	"testing"

	"github.com/makeagents/makeagents-go/agentfile"
)

// FuzzParse: any bytes are a *FileError or a file whose every agent has
// what Make needs to create it; never a panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(twoAgents))
	f.Add([]byte(minimal))
	f.Add([]byte(`{"agents":[{"name":"A","systemPrompt":"p","providerId":1,"model":"m","scenarios":[1,{"name":"x"}]}]}`))
	f.Add([]byte("agents:\n  - &a {name: A}\n  - *a\n"))
	f.Add([]byte("agents: [{name: A, systemPrompt: p, provider: x, model: m, outputParserFormat: {type: make-schema, schema: [{name: a, type: collection, spec: [{name: b}]}]}}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := agentfile.Parse("f.yaml", data)
		if err != nil {
			if !errors.As(err, new(*agentfile.FileError)) {
				t.Fatalf("%T %v, want *FileError", err, err)
			}
			return
		}
		seen := map[string]bool{}
		for _, a := range file.Agents {
			if a.Name == "" || a.SystemPrompt == "" || a.Model == "" || (a.Provider == "") == (a.ProviderID == 0) || seen[a.Name] {
				t.Fatalf("accepted an agent Make could not create or a duplicate: %+v", a)
			}
			seen[a.Name] = true
		}
	})
}
