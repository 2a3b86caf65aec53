package agentfile

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/internal/yamlfile"
)

// Action is what a plan does to an agent.
type Action string

const (
	// Create: the team has no agent of that name.
	Create Action = "create"
	// Update: fields differ, or knowledge is added or removed.
	Update Action = "update"
	// Replace: the agent must be deleted and created again, because what
	// differs cannot be modified (Make's modify takes no connection). Its
	// id, threads and contexts do not survive.
	Replace Action = "replace"
	// Delete: the agent is not in the file, and the plan prunes.
	Delete Action = "delete"
	// Unchanged: the agent is as the file says.
	Unchanged Action = "unchanged"
	// NotInFile: the agent is not in the file and is kept (no prune).
	NotInFile Action = "not-in-file"
)

// KnowledgeAction is what a plan does to one context of an agent.
type KnowledgeAction string

const (
	AddContext    KnowledgeAction = "add"
	DeleteContext KnowledgeAction = "delete"
	// KeepContext: a context the file does not name, kept (no prune).
	KeepContext KnowledgeAction = "keep"
)

// Changeset is a plan: what Apply would do to make the team match a file.
type Changeset struct {
	// Team is the team planned for; 0 is the client's default team.
	Team int64 `json:"team,omitempty"`
	// File is the agent file's path.
	File string `json:"file,omitempty"`
	// Prune: agents and contexts not in the file are deleted.
	Prune  bool          `json:"prune"`
	Agents []AgentChange `json:"agents"`

	callOpts []api.CallOption
}

// AgentChange is the plan for one agent.
type AgentChange struct {
	Action  Action `json:"action"`
	Agent   string `json:"agent"`
	AgentID string `json:"agentId,omitempty"`
	// Reason says why an agent is replaced.
	Reason string `json:"reason,omitempty"`
	// Fields are what differs (update, replace) or what is set (create).
	Fields    []FieldChange     `json:"fields,omitempty"`
	Knowledge []KnowledgeChange `json:"knowledge,omitempty"`

	want   *resolved
	update map[string]any // the modify body (update)
	create map[string]any // the create body (create, replace)
	extra  map[string]any // what create cannot set, modified after it
}

// FieldChange is one field that differs: Old is the team's value (absent
// on create), New the file's, both as JSON values.
type FieldChange struct {
	Field string `json:"field"`
	Old   any    `json:"old,omitempty"`
	New   any    `json:"new"`
}

// KnowledgeChange is one context to add, delete or keep.
type KnowledgeChange struct {
	Action       KnowledgeAction `json:"action"`
	DocumentName string          `json:"documentName"`
	ContextID    string          `json:"contextId,omitempty"`
	// Source is where an added context comes from: a file's path or "text".
	Source string `json:"source,omitempty"`
	// Reason says why a context is deleted or kept.
	Reason string `json:"reason,omitempty"`

	content []byte
	file    bool
}

// Changed reports whether the change writes anything.
func (a AgentChange) Changed() bool {
	switch a.Action {
	case Create, Update, Replace, Delete:
		return true
	}
	return false
}

// HasChanges reports whether Apply would write anything.
func (cs *Changeset) HasChanges() bool {
	return slices.ContainsFunc(cs.Agents, AgentChange.Changed)
}

// Counts are how many agents a plan creates, updates, replaces, deletes,
// leaves unchanged and keeps although they are not in the file.
type Counts struct {
	Create, Update, Replace, Delete, Unchanged, NotInFile int
}

// Counts counts the plan's agents by action.
func (cs *Changeset) Counts() Counts {
	var n Counts
	for _, a := range cs.Agents {
		switch a.Action {
		case Create:
			n.Create++
		case Update:
			n.Update++
		case Replace:
			n.Replace++
		case Delete:
			n.Delete++
		case Unchanged:
			n.Unchanged++
		case NotInFile:
			n.NotInFile++
		}
	}
	return n
}

// PlanOptions adjust Plan.
type PlanOptions struct {
	// Team is the team to plan for when the file names none; 0 is the
	// client's default team. A file's team that differs is an error.
	Team int64
	// Prune plans to delete the team's agents that are not in the file,
	// and the contexts not in the file of the agents whose knowledge the
	// file lists.
	Prune bool
}

// Plan compares the file with the team and returns what Apply would do. It
// only reads. Every provider, connection, model and scenario name is
// resolved first; names the team does not have are one error (each a
// *NameError) listing what it has. Two agents of the team with a name the
// file uses are an error too: which one the file means would be a guess.
func Plan(ctx context.Context, c *api.Client, f *File, opts PlanOptions) (*Changeset, error) {
	if f == nil {
		return nil, errors.New("agentfile: no file")
	}
	for i := range f.Agents {
		if err := f.Agents[i].check(); err != nil {
			var fe *FileError
			if errors.As(err, &fe) && fe.Path == "" {
				fe.Path, fe.Line = f.Path, f.Agents[i].Line
				fe.Key = yamlfile.Join(fmt.Sprintf("agents[%d]", i), fe.Key)
			}
			return nil, err
		}
	}
	teamID := f.Team
	if opts.Team != 0 {
		if f.Team != 0 && f.Team != opts.Team {
			return nil, fmt.Errorf("%s says team %d, but team %d was asked for; drop one of them", orName(f.Path), f.Team, opts.Team)
		}
		teamID = opts.Team
	}
	cs := &Changeset{Team: teamID, File: f.Path, Prune: opts.Prune, Agents: []AgentChange{}}
	if teamID != 0 {
		cs.callOpts = []api.CallOption{api.ForTeam(teamID)}
	}
	knowledge, err := readKnowledge(f)
	if err != nil {
		return nil, err
	}
	t, err := newTeam(ctx, c, cs.callOpts)
	if err != nil {
		return nil, err
	}
	wants, err := t.resolveAll(ctx, f)
	if err != nil {
		return nil, err
	}
	existing, err := c.ListAgents(ctx, cs.callOpts...)
	if err != nil {
		return nil, fmt.Errorf("listing the team's agents: %w", err)
	}
	byName := map[string][]api.Agent{}
	for _, a := range existing {
		byName[a.Name] = append(byName[a.Name], a)
	}
	var dups []error
	for _, w := range wants {
		if same := byName[w.src.Name]; len(same) > 1 {
			ids := make([]string, len(same))
			for i, a := range same {
				ids[i] = a.ID
			}
			dups = append(dups, fmt.Errorf("%s: the team has %d agents named %q (ids %s); rename or delete all but one, the file cannot say which it means",
				at(f.Path, w.src.Line), len(same), w.src.Name, strings.Join(ids, ", ")))
		}
	}
	if err := errors.Join(dups...); err != nil {
		return nil, err
	}

	for i, w := range wants {
		ch, err := planAgent(ctx, c, cs, f, w, byName[w.src.Name], knowledge[i])
		if err != nil {
			return nil, err
		}
		cs.Agents = append(cs.Agents, ch)
	}
	inFile := map[string]bool{}
	for _, a := range f.Agents {
		inFile[a.Name] = true
	}
	for _, a := range existing {
		if inFile[a.Name] {
			continue
		}
		ch := AgentChange{Action: NotInFile, Agent: a.Name, AgentID: a.ID}
		if opts.Prune {
			ch.Action = Delete
		}
		cs.Agents = append(cs.Agents, ch)
	}
	return cs, nil
}

func orName(path string) string {
	if path == "" {
		return "the agent file"
	}
	return path
}

func at(path string, line int) string {
	if line > 0 {
		return fmt.Sprintf("%s:%d", orName(path), line)
	}
	return orName(path)
}

// wantedContext is a knowledge item of the file, read and named.
type wantedContext struct {
	key, documentName string
	literal           bool // a documentName item: an existing context, never uploaded
	source            string
	content           []byte
	file              bool
	line              int
}

// hashLen is how many hex digits of the content's SHA-256 a context's
// name carries: 48 bits tell versions of one context apart.
const hashLen = 12

// versioned is a document name with its content hash: "name (hash)" or,
// for a file, "stem (hash).ext".
var versioned = regexp.MustCompile(`^(.*) \(([0-9a-f]{12})\)(\.[^.\s()]*)?$`)

// splitName returns the name a context is known by and its content hash
// ("" when the name carries none).
func splitName(documentName string) (key, hash string) {
	m := versioned.FindStringSubmatch(documentName)
	if m == nil {
		return documentName, ""
	}
	return m[1] + m[3], m[2]
}

func versionedName(key string, content []byte, file bool) string {
	sum := sha256.Sum256(content)
	h := hex.EncodeToString(sum[:])[:hashLen]
	if file {
		ext := filepath.Ext(key)
		return fmt.Sprintf("%s (%s)%s", strings.TrimSuffix(key, ext), h, ext)
	}
	return fmt.Sprintf("%s (%s)", key, h)
}

// readKnowledge reads every knowledge file and names every context, so a
// missing file fails the plan before anything is written.
func readKnowledge(f *File) ([][]wantedContext, error) {
	out := make([][]wantedContext, len(f.Agents))
	for i, a := range f.Agents {
		if a.Knowledge == nil {
			continue
		}
		out[i] = []wantedContext{}
		for j, k := range a.Knowledge {
			w := wantedContext{key: k.key(), line: max(k.Line, a.Line)}
			switch {
			case k.DocumentName != "":
				w.literal, w.documentName = true, k.DocumentName
			case k.Text != "":
				w.content, w.source = []byte(k.Text), "text"
				w.documentName = versionedName(w.key, w.content, false)
			default:
				key := fmt.Sprintf("agents[%d].knowledge[%d].file", i, j)
				path, err := insideDir(f.Dir, k.File)
				if err != nil {
					return nil, &FileError{Path: f.Path, Line: w.line, Key: key, Msg: err.Error()}
				}
				b, err := readBounded(path)
				if err != nil {
					return nil, &FileError{Path: f.Path, Line: w.line, Key: key, Msg: err.Error()}
				}
				w.content, w.source, w.file = b, k.File, true
				w.documentName = versionedName(w.key, b, true)
			}
			out[i] = append(out[i], w)
		}
	}
	return out, nil
}

// insideDir resolves a knowledge file's path against the agent file's
// directory and refuses one that leads outside it, through ".." or a
// symbolic link: what apply uploads to Make is what the directory holds
// (a reviewed agent file cannot send ~/.ssh/id_rsa), as kustomize limits
// its files to its root.
func insideDir(dir, name string) (string, error) {
	if dir == "" {
		dir = "."
	}
	root, err := filepath.Abs(dir)
	if err == nil {
		root, err = filepath.EvalSymlinks(root)
	}
	if err != nil {
		return "", fmt.Errorf("resolving the agent file's directory: %w", err)
	}
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	real, err := filepath.Abs(path)
	if err == nil {
		real, err = filepath.EvalSymlinks(real)
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return "", fmt.Errorf("%s: %w", name, err)
	}
	rel, err := filepath.Rel(root, real)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", fmt.Errorf("%s is outside the agent file's directory %s; knowledge files must be in it or below it", name, root)
	}
	return real, nil
}

// remoteAgent is the part of an agent a plan compares, read through JSON so
// that it depends on Make's field names only.
type remoteAgent struct {
	ID                 string  `json:"id"`
	Name               string  `json:"name"`
	SystemPrompt       string  `json:"systemPrompt"`
	DefaultModel       string  `json:"defaultModel"`
	MakeConnectionID   *int64  `json:"makeConnectionId"`
	LLMProviderID      *int64  `json:"llmProviderId"`
	MakeConnectionType *string `json:"makeConnectionType"`
	Scenarios          []struct {
		MakeScenarioID int64   `json:"makeScenarioId"`
		ApprovalMode   *string `json:"approvalMode"`
	} `json:"scenarios"`
	MCPConfigs []struct {
		MCPConnectionID json.Number `json:"mcpConnectionId"`
		ToolIDs         []string    `json:"toolIds"`
		Tools           []struct {
			ID string `json:"id"`
		} `json:"tools"`
	} `json:"mcpConfigs"`
	LLMConfig        map[string]any `json:"llmConfig"`
	HistoryConfig    map[string]any `json:"historyConfig"`
	InvocationConfig map[string]any `json:"invocationConfig"`
	OutputParser     map[string]any `json:"outputParser"`
}

func toRemote(a *api.Agent) (*remoteAgent, error) {
	b, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // ids beyond 2^53 stay exact
	var r remoteAgent
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("reading agent %s: %w", a.ID, err)
	}
	return &r, nil
}

// scenarioList is an agent's scenarios as compared: by id, with Make's
// default approval mode made explicit.
func (r *remoteAgent) scenarioList() []scenarioRef {
	out := make([]scenarioRef, len(r.Scenarios))
	for i, s := range r.Scenarios {
		out[i] = scenarioRef{ID: s.MakeScenarioID, ApprovalMode: "auto-run"}
		if s.ApprovalMode != nil && *s.ApprovalMode != "" {
			out[i].ApprovalMode = *s.ApprovalMode
		}
	}
	return out
}

// mcpList is an agent's MCP configs as modify takes them: get names tools
// {id} where list and modify name them toolIds.
func (r *remoteAgent) mcpList() []any {
	out := make([]any, len(r.MCPConfigs))
	for i, m := range r.MCPConfigs {
		tools := []any{}
		for _, id := range m.ToolIDs {
			tools = append(tools, id)
		}
		if len(m.ToolIDs) == 0 {
			for _, t := range m.Tools {
				tools = append(tools, t.ID)
			}
		}
		out[i] = map[string]any{"mcpConnectionId": m.MCPConnectionID, "toolIds": tools}
	}
	return out
}

// same compares two JSON values by their encoding (map keys sorted, 5 and
// 5.0 alike).
func same(a, b any) bool {
	x, errA := canonical(a)
	y, errB := canonical(b)
	return errA == nil && errB == nil && x == y
}

func canonical(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var norm any
	if err := dec.Decode(&norm); err != nil {
		return "", err
	}
	b, err = json.Marshal(normalizeNumbers(norm))
	return string(b), err
}

// normalizeNumbers writes 5.0 as 5, so a count a server sends as a float
// equals the file's integer.
func normalizeNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		if f, err := x.Float64(); err == nil && f == float64(int64(f)) {
			return int64(f)
		}
		return x
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalizeNumbers(e)
		}
	}
	return v
}

func planAgent(ctx context.Context, c *api.Client, cs *Changeset, f *File, w *resolved, found []api.Agent, knowledge []wantedContext) (AgentChange, error) {
	a := w.src
	ch := AgentChange{Agent: a.Name, want: w}
	if len(found) == 0 {
		ch.Action = Create
		return ch, planCreate(&ch, f, knowledge)
	}
	got, err := c.GetAgent(ctx, found[0].ID, cs.callOpts...)
	if err != nil {
		return ch, fmt.Errorf("reading agent %q (%s): %w", a.Name, found[0].ID, err)
	}
	r, err := toRemote(got)
	if err != nil {
		return ch, err
	}
	ch.AgentID = r.ID

	// Make's modify takes no makeConnectionId: a connection that differs
	// needs a new agent.
	if reason := connectionChange(r, w); reason != "" {
		ch.Action, ch.Reason = Replace, reason
		ch.Fields = append(ch.Fields, FieldChange{Field: "connection", Old: oldConnection(r), New: w.connection.ID})
		return ch, planCreate(&ch, f, knowledge)
	}

	ch.update = map[string]any{}
	diff := func(field, key string, old, new any) {
		if !same(old, new) {
			ch.Fields = append(ch.Fields, FieldChange{Field: field, Old: old, New: new})
			ch.update[key] = new
		}
	}
	diff("systemPrompt", "systemPrompt", r.SystemPrompt, a.SystemPrompt)
	diff("model", "defaultModel", r.DefaultModel, a.Model)
	if w.scenarios != nil {
		have := r.scenarioList()
		want := make([]scenarioRef, len(w.scenarios))
		for i, s := range w.scenarios {
			want[i] = s
			if s.ApprovalMode == "" {
				// Not given: keep the agent's mode for a scenario it has
				// (modify replaces the list), else Make's default.
				want[i].ApprovalMode = "auto-run"
				if j := slices.IndexFunc(have, func(h scenarioRef) bool { return h.ID == s.ID }); j >= 0 {
					want[i].ApprovalMode = have[j].ApprovalMode
				}
			}
		}
		byID := func(x, y scenarioRef) int { return int(x.ID - y.ID) }
		sortedHave, sortedWant := slices.Clone(have), slices.Clone(want)
		slices.SortFunc(sortedHave, byID)
		slices.SortFunc(sortedWant, byID)
		if !same(sortedHave, sortedWant) {
			ch.Fields = append(ch.Fields, FieldChange{Field: "scenarios", Old: scenarioLabels(have, w.scenarioName), New: scenarioLabels(want, w.scenarioName)})
			ch.update["scenarios"] = want
		}
	}
	blocks := []struct {
		name      string
		want, got map[string]any
	}{{"llmConfig", a.LLMConfig, r.LLMConfig}, {"historyConfig", a.HistoryConfig, r.HistoryConfig}, {"invocationConfig", a.InvocationConfig, r.InvocationConfig}}
	for _, b := range blocks {
		keys := sortedKeys(b.want)
		for _, k := range keys {
			if !same(b.got[k], b.want[k]) {
				ch.Fields = append(ch.Fields, FieldChange{Field: b.name + "." + k, Old: b.got[k], New: b.want[k]})
				ch.update[b.name] = b.want
			}
		}
	}
	if a.MCPConfigs != nil {
		diff("mcpConfigs", "mcpConfigs", r.mcpList(), a.MCPConfigs)
	}
	if a.OutputParserFormat != nil {
		var old any
		if r.OutputParser != nil {
			old = r.OutputParser
		}
		diff("outputParserFormat", "outputParserFormat", old, a.OutputParserFormat)
	}

	if knowledge != nil {
		contexts, err := c.ListContexts(ctx, r.ID, cs.callOpts...)
		if err != nil {
			return ch, fmt.Errorf("listing the contexts of agent %q (%s): %w", a.Name, r.ID, err)
		}
		ch.Knowledge, err = planKnowledge(f, a, knowledge, contexts, cs.Prune)
		if err != nil {
			return ch, err
		}
	}
	ch.Action = Unchanged
	if len(ch.Fields) > 0 || slices.ContainsFunc(ch.Knowledge, func(k KnowledgeChange) bool { return k.Action != KeepContext }) {
		ch.Action = Update
	}
	return ch, nil
}

func connectionChange(r *remoteAgent, w *resolved) string {
	switch {
	case r.MakeConnectionID != nil && *r.MakeConnectionID != w.connection.ID:
		return fmt.Sprintf("its connection changes from %d to %d (%s), and Make cannot change an agent's connection", *r.MakeConnectionID, w.connection.ID, w.connection.Name)
	case r.MakeConnectionID == nil && r.LLMProviderID != nil && *r.LLMProviderID != w.provider.ID:
		return fmt.Sprintf("its provider changes from %d to %d (%s), and Make cannot change an agent's connection", *r.LLMProviderID, w.provider.ID, w.provider.Provider)
	}
	return ""
}

func oldConnection(r *remoteAgent) any {
	if r.MakeConnectionID != nil {
		return *r.MakeConnectionID
	}
	return nil
}

func scenarioLabels(list []scenarioRef, names map[int64]string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = fmt.Sprint(s.ID)
		if n := names[s.ID]; n != "" {
			out[i] = fmt.Sprintf("%s (%d)", n, s.ID)
		}
		if s.ApprovalMode != "" && s.ApprovalMode != "auto-run" {
			out[i] += " " + s.ApprovalMode
		}
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// planCreate fills a create (or replace): the create body, what create
// cannot take, and every knowledge item as an upload.
func planCreate(ch *AgentChange, f *File, knowledge []wantedContext) error {
	a, w := ch.want.src, ch.want
	body := map[string]any{
		"name":             a.Name,
		"makeConnectionId": w.connection.ID,
		"defaultModel":     a.Model,
		"systemPrompt":     a.SystemPrompt,
	}
	set := func(field string, v any) {
		if ch.Action == Create {
			ch.Fields = append(ch.Fields, FieldChange{Field: field, New: v})
		}
	}
	set("provider", fmt.Sprintf("%s (%d)", w.provider.Provider, w.provider.ID))
	set("connection", fmt.Sprintf("%s (%d)", w.connection.Name, w.connection.ID))
	set("model", a.Model)
	set("systemPrompt", a.SystemPrompt)
	if w.scenarios != nil {
		body["scenarios"] = w.scenarios
		set("scenarios", scenarioLabels(w.scenarios, w.scenarioName))
	}
	for _, b := range []struct {
		name string
		v    map[string]any
	}{{"llmConfig", a.LLMConfig}, {"historyConfig", a.HistoryConfig}} {
		if b.v != nil {
			body[b.name] = b.v
			for _, k := range sortedKeys(b.v) {
				set(b.name+"."+k, b.v[k])
			}
		}
	}
	if a.MCPConfigs != nil {
		body["mcpConfigs"] = a.MCPConfigs
		set("mcpConfigs", a.MCPConfigs)
	}
	if a.OutputParserFormat != nil {
		body["outputParserFormat"] = a.OutputParserFormat
		set("outputParserFormat", a.OutputParserFormat)
	}
	ch.create = body
	if a.InvocationConfig != nil {
		// Make's create takes no invocationConfig; a modify follows it.
		ch.extra = map[string]any{"invocationConfig": a.InvocationConfig}
		for _, k := range sortedKeys(a.InvocationConfig) {
			set("invocationConfig."+k, a.InvocationConfig[k])
		}
	}
	ch.Knowledge = nil
	for _, k := range knowledge {
		if k.literal {
			return &FileError{Path: f.Path, Line: k.line, Key: "documentName",
				Msg: fmt.Sprintf("%q names an existing context, but agent %q is created anew and has none; give the context's file or text", k.documentName, a.Name)}
		}
		ch.Knowledge = append(ch.Knowledge, KnowledgeChange{Action: AddContext, DocumentName: k.documentName, Source: k.source, content: k.content, file: k.file})
	}
	return nil
}

// planKnowledge matches the file's knowledge with an agent's contexts: the
// same document name (name and content hash) is unchanged; another
// context with the same name but another hash is an older version,
// replaced (the new one added first); any other context is kept, or
// deleted when pruning. Temporary contexts (autosave false) belong to
// threads, not to the agent's definition, and are left alone.
func planKnowledge(f *File, a *Agent, want []wantedContext, have []api.AgentContext, prune bool) ([]KnowledgeChange, error) {
	var out []KnowledgeChange
	claimed := make([]bool, len(have))
	kept := make([]int, len(want))
	// First every exact match, so that no item's older versions can take
	// a context another item keeps.
	for j, w := range want {
		kept[j] = -1
		for i, c := range have {
			if !claimed[i] && !c.IsTemporary && c.DocumentName == w.documentName {
				kept[j], claimed[i] = i, true
				break
			}
		}
		if kept[j] < 0 && w.literal {
			names := []string{}
			for _, c := range have {
				names = append(names, fmt.Sprintf("%q", c.DocumentName))
			}
			return nil, &NameError{Path: f.Path, Line: w.line, Agent: a.Name, Kind: "context", Name: fmt.Sprintf("%q", w.documentName),
				Reason: "is not a context of the agent (documentName keeps an existing context; give file or text to add one)", Exists: names}
		}
	}
	for j, w := range want {
		if w.literal {
			continue
		}
		if kept[j] < 0 {
			out = append(out, KnowledgeChange{Action: AddContext, DocumentName: w.documentName, Source: w.source, content: w.content, file: w.file})
		}
		for i, c := range have {
			if claimed[i] || c.IsTemporary {
				continue
			}
			if key, _ := splitName(c.DocumentName); key == w.key {
				claimed[i] = true
				reason := "replaced: its content changed"
				if c.DocumentName == w.documentName {
					reason = "a duplicate of the context kept"
				}
				out = append(out, KnowledgeChange{Action: DeleteContext, DocumentName: c.DocumentName, ContextID: c.ID, Reason: reason})
			}
		}
	}
	for i, c := range have {
		if claimed[i] || c.IsTemporary {
			continue
		}
		if prune {
			out = append(out, KnowledgeChange{Action: DeleteContext, DocumentName: c.DocumentName, ContextID: c.ID, Reason: "not in the file"})
		} else {
			out = append(out, KnowledgeChange{Action: KeepContext, DocumentName: c.DocumentName, ContextID: c.ID, Reason: "not in the file (prune deletes it)"})
		}
	}
	return out, nil
}
