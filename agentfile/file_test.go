package agentfile_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/makeagents/makeagents-go/agentfile"
)

const minimal = `agents:
  - name: A
    systemPrompt: p
    provider: openAi
    model: gpt-4o
`

// TestParseRefusesWhatItDoesNotKnow: every bad file is an error naming the
// file, the line and the key; none is silently ignored.
func TestParseRefusesWhatItDoesNotKnow(t *testing.T) {
	cases := []struct{ name, text, want string }{
		{"unknown top key", "agent: []\n", "f.yaml:1:1: agent: unknown key; the file takes team, agents"},
		{"unknown agent key", minimal + "    systemprompt: x\n", "f.yaml:6:5: agents[0].systemprompt: unknown key"},
		{"unknown llmConfig key", minimal + "    llmConfig: {maxTokens: 5, temperature: 1}\n", "f.yaml:6:31: agents[0].llmConfig.temperature: unknown key; agents[0].llmConfig takes maxTokens"},
		{"unknown key near one", minimal + "    systemprompt: x\n", "agents[0].systemprompt: unknown key; agents[0] takes name, systemPrompt, provider, providerId, connection, model, scenarios, knowledge, llmConfig, historyConfig, invocationConfig, mcpConfigs, outputParserFormat; did you mean systemPrompt?"},
		{"unknown key near two", minimal + "    providerI: 3\n", "agents[0].providerI: unknown key; agents[0] takes name, systemPrompt, provider, providerId, connection, model, scenarios, knowledge, llmConfig, historyConfig, invocationConfig, mcpConfigs, outputParserFormat; did you mean provider or providerId?"},
		{"unknown knowledge key", minimal + "    knowledge:\n      - path: a.md\n", "f.yaml:7:9: agents[0].knowledge[0].path: unknown key"},
		{"unknown schema key", minimal + "    outputParserFormat: {type: make-schema, schema: [{name: a, type: text, size: 3}]}\n", "agents[0].outputParserFormat.schema[0].size: unknown key"},
		{"schema field type", minimal + "    outputParserFormat: {type: make-schema, schema: [{name: a, type: texts}]}\n", `"texts" is not a type Make knows`},
		{"empty schema", minimal + "    outputParserFormat: {type: make-schema, schema: []}\n", "make-schema needs at least one field"},
		{"text with schema", minimal + "    outputParserFormat: {type: text, schema: [{name: a, type: text}]}\n", "only type make-schema takes a schema"},
		{"duplicate agent", minimal + "  - name: A\n    systemPrompt: q\n    provider: openAi\n    model: gpt-4o\n", `"A" is also the name of the agent at line 2`},
		{"duplicate key", "agents: []\nagents: []\n", `mapping key "agents" already defined`},
		{"missing prompt", "agents:\n  - name: A\n    provider: openAi\n    model: m\n", "agents[0].systemPrompt: missing"},
		{"missing provider", "agents:\n  - name: A\n    systemPrompt: p\n    model: m\n", "agents[0].provider: missing"},
		{"provider twice", minimal + "    providerId: 1\n", "give provider or providerId, not both"},
		{"number as prompt", "agents:\n  - name: A\n    systemPrompt: 12\n", "agents[0].systemPrompt: must be a string, not int \"12\" (quote it)"},
		{"negative maxTokens", minimal + "    llmConfig: {maxTokens: -1}\n", "must be at least 1, not -1"},
		{"huge id", minimal + "    providerId: 99999999999999999999\n", "must be an integer"},
		{"alias", "x: &a [1]\nagents: *a\n", "x: unknown key"},
		{"alias value", "agents:\n  - &a {name: A, systemPrompt: p, provider: openAi, model: m}\n  - *a\n", "agents[1]: must be a mapping"},
		{"merge key", "agents:\n  - <<: {name: A}\n", "agents[0].<<: unknown key"},
		{"two documents", minimal + "---\n" + minimal, "more than one document"},
		{"empty", "", "the file is empty"},
		{"null", "~\n", "the file is empty"},
		{"no agents", "team: 4\n", "agents: missing"},
		{"text without name", minimal + "    knowledge:\n      - text: hello\n", "a text needs a name"},
		{"two sources", minimal + "    knowledge:\n      - {text: hello, name: a, file: x.md}\n", "exactly one of file, text or documentName"},
		{"bad context name", minimal + "    knowledge:\n      - {text: hello, name: 'a/b'}\n", "only letters, digits, spaces and -_.() may name a context"},
		{"same knowledge name", minimal + "    knowledge:\n      - {text: hello, name: a.md}\n      - {file: docs/a.md}\n", `"a.md" is also knowledge[0]'s name`},
		{"scenario mapping", minimal + "    scenarios: [{name: x, approvalMode: sometimes}]\n", `"sometimes" is not auto-run or approval-required`},
		{"scenario neither", minimal + "    scenarios: [{approvalMode: auto-run}]\n", "give the scenario's name or its makeScenarioId"},
		{"mcp without toolIds", minimal + "    mcpConfigs: [{mcpConnectionId: 3}]\n", "toolIds: missing"},
		{"team zero", "team: 0\n" + minimal, "team: must be at least 1"},
		{"malformed", "agents: [\n", "f.yaml: "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := agentfile.Parse("f.yaml", []byte(tc.text))
			if err == nil {
				t.Fatalf("no error for\n%s", tc.text)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want it to contain %q", err, tc.want)
			}
			var fe *agentfile.FileError
			if !errors.As(err, &fe) {
				t.Errorf("%T, want *FileError", err)
			}
		})
	}
}

// TestParseJSONAndEveryField: JSON is read as YAML is, and every field
// lands where it belongs.
func TestParseJSONAndEveryField(t *testing.T) {
	f, err := agentfile.Parse("f.json", []byte(`{"team": 42, "agents": [{"name": "A", "systemPrompt": "p", "providerId": 3,
	  "connection": 1003, "model": "m", "scenarios": [101, "Tool 104: look up an order", {"makeScenarioId": 107, "approvalMode": "approval-required"}],
	  "knowledge": [{"documentName": "notes"}], "llmConfig": {"maxTokens": 10}, "historyConfig": {"iterationsFromHistoryCount": 0},
	  "invocationConfig": {"recursionLimit": 5}, "mcpConfigs": [{"mcpConnectionId": 9, "toolIds": ["a"]}],
	  "outputParserFormat": {"type": "make-schema", "schema": [{"name": "x", "type": "collection", "spec": [{"name": "y", "type": "text"}]}]}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	a := f.Agents[0]
	if f.Team != 42 || a.ProviderID != 3 || a.ConnectionID != 1003 || len(a.Scenarios) != 3 || a.Scenarios[0].ID != 101 ||
		a.Scenarios[1].Name != "Tool 104: look up an order" || a.Scenarios[2].ApprovalMode != "approval-required" ||
		a.Knowledge[0].DocumentName != "notes" || a.LLMConfig["maxTokens"] != int64(10) || a.HistoryConfig["iterationsFromHistoryCount"] != int64(0) ||
		a.InvocationConfig["recursionLimit"] != int64(5) || len(a.MCPConfigs) != 1 || a.OutputParserFormat["type"] != "make-schema" {
		t.Fatalf("parsed %+v", a)
	}
}

// TestLoadBoundsAndFileKinds: a directory, a device or a file over the
// bound is refused by name, never read whole.
func TestLoadBoundsAndFileKinds(t *testing.T) {
	dir := t.TempDir()
	if _, err := agentfile.Load(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory: %v", err)
	}
	if _, err := agentfile.Load("/dev/zero"); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("/dev/zero: %v", err)
	}
	big := filepath.Join(dir, "big.yaml")
	fh, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := fh.Truncate(agentfile.MaxFileBytes + 1); err != nil {
		t.Fatal(err)
	}
	fh.Close()
	if _, err := agentfile.Load(big); err == nil || !strings.Contains(err.Error(), "larger than 32 MiB") {
		t.Errorf("big file: %v", err)
	}
}

// TestKnowledgeFilesStayInTheFilesDirectory: a knowledge file outside the
// agent file's directory (.., an absolute path, a symbolic link) is
// refused before anything is read or sent.
func TestKnowledgeFilesStayInTheFilesDirectory(t *testing.T) {
	s, c, path := fixture(t, twoAgents)
	dir := filepath.Dir(path)
	outside := filepath.Join(t.TempDir(), "secret.txt")
	write(t, outside, "secret")
	if err := os.Symlink(outside, filepath.Join(dir, "docs", "link.md")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"../secret.txt", outside, "docs/link.md", "docs/../../x.md"} {
		write(t, path, strings.Replace(twoAgents, "file: docs/faq.md", "file: "+name, 1))
		f, err := agentfile.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		_, err = agentfile.Plan(context.Background(), c, f, agentfile.PlanOptions{})
		if err == nil || !(strings.Contains(err.Error(), "outside the agent file's directory") || strings.Contains(err.Error(), "no such file")) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if len(s.Requests()) != 0 {
		t.Errorf("requests were sent: %d", len(s.Requests()))
	}
	// Inside, also by an absolute path or through a link that stays inside.
	if err := os.Symlink(filepath.Join(dir, "docs", "faq.md"), filepath.Join(dir, "faq-link.md")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{filepath.Join(dir, "docs", "faq.md"), "faq-link.md", "./docs/../docs/faq.md"} {
		write(t, path, strings.Replace(twoAgents, "file: docs/faq.md", "file: "+name, 1))
		f, _ := agentfile.Load(path)
		if _, err := agentfile.Plan(context.Background(), c, f, agentfile.PlanOptions{}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestYAMLRoundTrip: whatever a prompt or name holds, the file export
// writes reads back the same, so export then plan finds no change.
func TestYAMLRoundTrip(t *testing.T) {
	prompts := []string{
		"plain", "two\nlines\n", "no final newline\nx", "  leading spaces\nx\n", "trailing spaces  \nx\n",
		"ends with blank lines\n\n\n", "\nstarts with a newline", "tab\there\n", "# not a comment\n- not a list\n",
		"key: value", "yes", "null", "123", "'quoted'", "\"dq\"", "ctrl \x01 \x1b[31m", "crlf\r\nline\r\n", "unicode é 日本 \u2028",
		"", // systemPrompt may not be empty, but a name... checked below with the prompt set
	}
	for _, p := range prompts[:len(prompts)-1] {
		f := &agentfile.File{Agents: []agentfile.Agent{{
			Name: "A " + p, SystemPrompt: p, Provider: "openAi", Model: "gpt-4o",
			Scenarios: []agentfile.Scenario{{Name: p + "x"}, {ID: 5, ApprovalMode: "approval-required"}},
			Knowledge: []agentfile.Knowledge{{DocumentName: "doc " + p}},
		}}}
		b, err := f.YAML("header\nsecond line")
		if err != nil {
			t.Fatalf("%q: %v", p, err)
		}
		back, err := agentfile.Parse("x.yaml", b)
		if err != nil {
			t.Fatalf("%q: %v\n%s", p, err, b)
		}
		a := back.Agents[0]
		if a.SystemPrompt != p || a.Name != "A "+p || a.Scenarios[0].Name != p+"x" || a.Scenarios[1].ID != 5 ||
			a.Scenarios[1].ApprovalMode != "approval-required" || a.Knowledge[0].DocumentName != "doc "+p {
			t.Errorf("%q came back as %+v\n%s", p, a, b)
		}
	}
}

// A key close to no known one gets no guess, only the list.
func TestParseUnknownKeyWithoutGuess(t *testing.T) {
	_, err := agentfile.Parse("f.yaml", []byte("agents: []\nversion: 2\n"))
	if want := "f.yaml:2:1: version: unknown key; the file takes team, agents"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}
