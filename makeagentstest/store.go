package makeagentstest

import (
	"container/list"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest/internal/fakeapi"
)

// store holds the agents of every team in memory, in creation order, and
// the conversation threads. It is guarded by Server.mu. Values are
// replaced, never mutated in place, so an agent handed to an encoder is
// never changed underneath it. It keeps within Limits: it counts agents,
// contexts and the bytes they hold, and evicts threads.
type store struct {
	teams    map[int64]*team
	counters map[string]uint64
	// ns prefixes the names ids are derived from (WithSeed).
	ns     string
	limits Limits
	// agents and contexts count those of every team; bytes is the text
	// agents and kept knowledge hold (Limits.StoreBytes).
	agents, contexts int
	bytes            int64
	threads          threads
}

type team struct {
	order  []string
	agents map[string]fakeapi.Agent
	// sizes holds each agent's encoded size, as counted in store.bytes.
	sizes map[string]int64
	// knowledge holds the text of each context (by context id) that the
	// deterministic agent can cite: a text context's content, or the start
	// of an uploaded text file. The contexts themselves live in their
	// agent's Contexts list, where get and list show them.
	knowledge map[string]knowledgeText
}

// knowledgeText is a context's citable text, and the same lowered, which
// cite searches: lowered once here rather than on every run.
type knowledgeText struct{ text, lower string }

func knowledgeSize(text string) int64 { return 2 * int64(len(text)) }

// iteration is one run in a thread: what the request sent and what the
// agent answered, as the next run of the thread sees it.
type iteration struct {
	messages []fakeapi.Message
	answer   string
}

func (it iteration) size() int64 {
	n := int64(len(it.answer)) + 64
	for _, m := range it.messages {
		n += int64(len(m.Content)) + 64
	}
	return n
}

func newStore(seed *int64, limits Limits) store {
	st := store{teams: map[int64]*team{}, counters: map[string]uint64{}, limits: limits, threads: newThreads()}
	if seed != nil {
		st.ns = fmt.Sprintf("seed/%d/", *seed)
	}
	return st
}

func (st *store) team(id int64) *team {
	t := st.teams[id]
	if t == nil {
		t = &team{agents: map[string]fakeapi.Agent{}, sizes: map[string]int64{}, knowledge: map[string]knowledgeText{}}
		st.teams[id] = t
	}
	return t
}

// agentSize is what an agent costs the store: its JSON encoding, which
// grows with every string and list it holds.
func agentSize(a fakeapi.Agent) int64 {
	b, err := json.Marshal(a)
	if err != nil {
		return 0 // plain data; cannot fail
	}
	return int64(len(b))
}

// admit checks that storing a (new, or replacing the agent of its id)
// together with extra bytes of knowledge and extraContexts new contexts
// keeps the store within its limits, and returns Make's 400 naming the
// limit otherwise.
func (st *store) admit(a fakeapi.Agent, extra int64, extraContexts int) *fakeapi.BadRequestJSONResponse {
	var (
		old    int64
		exists bool
	)
	t := st.teams[a.TeamID]
	if t != nil {
		_, exists = t.agents[a.ID]
		old = t.sizes[a.ID]
	}
	if !exists && st.agents >= st.limits.Agents {
		bad := limitReached("agents", st.limits.Agents, "Agents", "max-agents")
		return &bad
	}
	if extraContexts > 0 && st.contexts+extraContexts > st.limits.Contexts {
		bad := limitReached("contexts", st.limits.Contexts, "Contexts", "max-contexts")
		return &bad
	}
	if st.bytes-old+agentSize(a)+extra > st.limits.StoreBytes {
		bad := limitReached("bytes of agents and contexts", st.limits.StoreBytes, "StoreBytes", "max-store-bytes")
		return &bad
	}
	return nil
}

func (st *store) put(a fakeapi.Agent) {
	t := st.team(a.TeamID)
	old, ok := t.agents[a.ID]
	if !ok {
		t.order = append(t.order, a.ID)
		st.agents++
	}
	st.contexts += len(a.Contexts) - len(old.Contexts)
	size := agentSize(a)
	st.bytes += size - t.sizes[a.ID]
	t.sizes[a.ID] = size
	t.agents[a.ID] = a
}

// setKnowledge keeps text as the citable content of context id.
func (st *store) setKnowledge(teamID int64, id, text string) {
	t := st.team(teamID)
	st.bytes += knowledgeSize(text) - knowledgeSize(t.knowledge[id].text)
	t.knowledge[id] = knowledgeText{text: text, lower: strings.ToLower(text)}
}

func (st *store) dropKnowledge(t *team, id string) {
	st.bytes -= knowledgeSize(t.knowledge[id].text)
	delete(t.knowledge, id)
}

func (st *store) get(teamID int64, id string) (fakeapi.Agent, bool) {
	t := st.teams[teamID]
	if t == nil {
		return fakeapi.Agent{}, false
	}
	a, ok := t.agents[id]
	return a, ok
}

func (st *store) list(teamID int64) []fakeapi.Agent {
	// Never nil: the generated writer encodes ListAgents200JSONResponse
	// directly (AgentList's MarshalJSON does not apply to it), and a nil
	// slice would go out as null, which the spec's array does not allow.
	out := []fakeapi.Agent{}
	t := st.teams[teamID]
	if t == nil {
		return out
	}
	for _, id := range t.order {
		out = append(out, t.agents[id])
	}
	return out
}

func (st *store) remove(teamID int64, id string) bool {
	t := st.teams[teamID]
	if t == nil {
		return false
	}
	a, ok := t.agents[id]
	if !ok {
		return false
	}
	for _, c := range a.Contexts {
		st.dropKnowledge(t, c.ID)
	}
	st.agents--
	st.contexts -= len(a.Contexts)
	st.bytes -= t.sizes[id]
	delete(t.sizes, id)
	delete(t.agents, id)
	t.order = slices.DeleteFunc(t.order, func(x string) bool { return x == id })
	if len(t.agents) == 0 && len(t.knowledge) == 0 {
		// A team is state only while it has agents: any positive team id
		// exists, and a map entry for each one ever used would grow forever.
		delete(st.teams, teamID)
	}
	return true
}

// threads holds every team's conversation threads, least recently used
// last, within Limits.Threads and Limits.ThreadBytes.
type threads struct {
	byKey map[threadKey]*list.Element // of *thread
	lru   *list.List
	bytes int64
}

type threadKey struct {
	team int64
	id   string
}

type thread struct {
	key   threadKey
	its   []iteration
	bytes int64
}

func newThreads() threads { return threads{byKey: map[threadKey]*list.Element{}, lru: list.New()} }

// thread returns the iterations of a thread, oldest first (none for a
// thread the team does not have, or no longer has).
func (st *store) thread(teamID int64, id string) []iteration {
	if e := st.threads.byKey[threadKey{teamID, id}]; e != nil {
		return e.Value.(*thread).its
	}
	return nil
}

// extendThread adds an iteration to a thread (starting it if need be),
// keeps the thread's newest iterations within maxThreadIterations and
// maxThreadText (an iteration larger than that is not kept at all, so
// a run's history never outweighs its own body), and forgets the least
// recently used threads beyond Limits.
func (st *store) extendThread(teamID int64, id string, it iteration) {
	ts := &st.threads
	key := threadKey{teamID, id}
	e := ts.byKey[key]
	if e == nil {
		e = ts.lru.PushFront(&thread{key: key})
		ts.byKey[key] = e
	} else {
		ts.lru.MoveToFront(e)
	}
	t := e.Value.(*thread)
	t.its = append(t.its, it)
	t.bytes += it.size()
	ts.bytes += it.size()
	drop := 0
	for drop < len(t.its) && (len(t.its)-drop > maxThreadIterations || t.bytes > maxThreadText) {
		t.bytes -= t.its[drop].size()
		ts.bytes -= t.its[drop].size()
		drop++
	}
	if drop > 0 {
		// Copy rather than reslice, so the dropped iterations are freed.
		t.its = append([]iteration(nil), t.its[drop:]...)
	}
	for ts.lru.Len() > 1 && (ts.lru.Len() > st.limits.Threads || ts.bytes > st.limits.ThreadBytes) {
		old := ts.lru.Remove(ts.lru.Back()).(*thread)
		delete(ts.byKey, old.key)
		ts.bytes -= old.bytes
	}
}

// newID returns the next id of a kind ("agent", "run", ...): a UUID derived
// from the kind and a per-kind counter, so the same sequence of calls gives
// the same ids on every test run, and ids of one kind do not shift when
// another kind is used more or less often. Callers hold s.mu.
func (st *store) newID(kind string) string {
	st.counters[kind]++
	return derivedUUID(fmt.Sprintf("%s%s/%d", st.ns, kind, st.counters[kind]))
}

// derivedUUID is a name-based (version 5 style, SHA-1) UUID of name in the
// fake's own namespace: stable, well-formed, and distinct per name.
func derivedUUID(name string) string {
	sum := sha1.Sum([]byte("makeagentstest/" + name))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50 // version 5
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// now is the server's clock at millisecond precision, as Make's timestamps
// are ("2025-06-25T13:36:46.730Z").
func (s *Server) now() time.Time { return s.cfg.clock().Truncate(time.Millisecond) }

// AddAgent stores a copy of a as an agent of teamID, as if it had been
// created through the API, and returns the stored agent. It fills what a
// server would: an ID when a.ID is empty, CreatedAt when zero (the server's
// clock), TeamID, empty lists for nil Scenarios, MCPConfigs and Contexts,
// and a create's defaults for zero historyConfig (10 iterations),
// invocationConfig and llmConfig. It checks nothing (not the connection,
// not the model): the test decides what it seeds. An agent with the ID
// of an existing agent of that team replaces it. Use it to seed a test with
// agents without making requests.
func (s *Server) AddAgent(teamID int64, a api.Agent) api.Agent {
	var f fakeapi.Agent
	convert(a, &f)
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.ID == "" {
		f.ID = s.store.newID("agent")
	}
	if f.CreatedAt.IsZero() {
		f.CreatedAt = s.now().UTC()
	}
	// Settings Make always has, with the defaults a create gives them.
	if f.HistoryConfig.IterationsFromHistoryCount == 0 {
		f.HistoryConfig.IterationsFromHistoryCount = defaultHistoryCount
	}
	if f.InvocationConfig.RecursionLimit == 0 {
		f.InvocationConfig.RecursionLimit = defaultRecursionLimit
	}
	if f.LLMConfig.MaxTokens == 0 {
		f.LLMConfig.MaxTokens = defaultMaxTokens
	}
	f.Scenarios = nonNil(f.Scenarios)
	f.MCPConfigs = nonNil(f.MCPConfigs)
	f.Contexts = nonNil(f.Contexts)
	f.TeamID = teamID
	s.store.put(f)
	var out api.Agent
	convert(f, &out)
	return out
}

// Agents returns copies of teamID's agents in creation order (none: an empty
// slice), to assert on the server's state, e.g. that an agent is gone.
func (s *Server) Agents(teamID int64) []api.Agent {
	s.mu.Lock()
	list := s.store.list(teamID)
	s.mu.Unlock()
	out := make([]api.Agent, len(list))
	for i, a := range list {
		convert(a, &out[i])
	}
	return out
}

// convert copies between the api and fakeapi models of the same schema by
// way of JSON, which also makes the copy deep. Both are generated from one
// spec, so a failure is a generator bug and worth a panic.
func convert(from, to any) {
	b, err := json.Marshal(from)
	if err == nil {
		err = json.Unmarshal(b, to)
	}
	if err != nil {
		panic(fmt.Sprintf("makeagentstest: convert %T to %T: %v", from, to, err))
	}
}

// handlers implements the generated fakeapi.StrictServerInterface: the
// behaviour behind each operation, after the request passed validation.
type handlers struct{ s *Server }

var _ fakeapi.StrictServerInterface = handlers{}

func notFound() fakeapi.NotFoundJSONResponse {
	return fakeapi.NotFoundJSONResponse(makeError("Not found", "Agent not found.", "SC404"))
}

func (h handlers) ListAgents(_ context.Context, req fakeapi.ListAgentsRequestObject) (fakeapi.ListAgentsResponseObject, error) {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	list := h.s.store.list(req.Params.TeamID)
	for i := range list {
		list[i] = asListed(list[i])
	}
	return fakeapi.ListAgents200JSONResponse(list), nil
}

func (h handlers) CreateAgent(_ context.Context, req fakeapi.CreateAgentRequestObject) (fakeapi.CreateAgentResponseObject, error) {
	b := req.Body
	// The API takes teamId twice (query and body); which one wins is not
	// documented. Refusing a mismatch surfaces a client bug instead of
	// guessing.
	if b.TeamID != req.Params.TeamID {
		return fakeapi.CreateAgent400JSONResponse{BadRequestJSONResponse: fakeapi.BadRequestJSONResponse(makeError("Invalid input parameters", fmt.Sprintf("teamId in the body (%d) differs from teamId in the query (%d).", b.TeamID, req.Params.TeamID),
			"IM005", "body teamId must equal query teamId"))}, nil
	}
	entry, bad := checkConnection(b.MakeConnectionID)
	if bad == nil {
		bad = checkModel(entry, "defaultModel", b.DefaultModel)
	}
	if bad != nil {
		return fakeapi.CreateAgent400JSONResponse{BadRequestJSONResponse: *bad}, nil
	}
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	conn := b.MakeConnectionID
	a := fakeapi.Agent{
		ID:               h.s.store.newID("agent"),
		Name:             b.Name,
		TeamID:           b.TeamID,
		CreatedAt:        h.s.now().UTC(),
		SystemPrompt:     b.SystemPrompt,
		DefaultModel:     b.DefaultModel,
		MakeConnectionID: &conn,
		// Make's create takes no invocationConfig; its examples show 300.
		InvocationConfig: fakeapi.AgentInvocationConfig{RecursionLimit: defaultRecursionLimit},
		Scenarios:        nonNil(b.Scenarios),
		HistoryConfig:    fakeapi.AgentHistoryConfig{IterationsFromHistoryCount: defaultHistoryCount},
		LLMConfig:        fakeapi.AgentLLMConfig{MaxTokens: defaultMaxTokens},
		Contexts:         []fakeapi.AgentContext{},
		OutputParser:     b.OutputParserFormat,
	}
	applyConfig(&a, &b.MCPConfigs, b.HistoryConfig, b.LLMConfig)
	if bad := h.s.store.admit(a, 0, 0); bad != nil {
		return fakeapi.CreateAgent400JSONResponse{BadRequestJSONResponse: *bad}, nil
	}
	h.s.store.put(a)
	return fakeapi.CreateAgent201JSONResponse(fakeapi.CreatedAgent{
		ID:               a.ID,
		Name:             a.Name,
		TeamID:           a.TeamID,
		MakeConnectionID: conn,
		DefaultModel:     a.DefaultModel,
		SystemPrompt:     a.SystemPrompt,
	}), nil
}

// Defaults of what Make's create does not take or the caller left out: the
// values Make's own examples show.
const (
	defaultRecursionLimit = 300
	defaultHistoryCount   = 10
	defaultMaxTokens      = 100000
)

func nonNil[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}

// applyConfig stores the parts of a create or modify body that Make keeps in
// a different shape than it takes them: MCP configs gain the connection's
// name, and the optional settings objects become their stored, required
// form. A nil argument leaves the stored value alone.
func applyConfig(a *fakeapi.Agent, mcp *[]fakeapi.MCPConfig, history *fakeapi.HistoryConfig, llm *fakeapi.LLMConfig) {
	if mcp != nil {
		a.MCPConfigs = make([]fakeapi.AgentMCPConfig, len(*mcp))
		for i, m := range *mcp {
			a.MCPConfigs[i] = fakeapi.AgentMCPConfig{
				MCPConnectionID: m.MCPConnectionID,
				Name:            fmt.Sprintf("MCP connection %d", m.MCPConnectionID),
				ToolIds:         slices.Clone(m.ToolIds),
			}
		}
	}
	if history != nil && history.IterationsFromHistoryCount != nil {
		a.HistoryConfig.IterationsFromHistoryCount = *history.IterationsFromHistoryCount
	}
	if llm != nil && llm.MaxTokens != nil {
		a.LLMConfig.MaxTokens = *llm.MaxTokens
	}
}

// asListed is an agent as the list operation shows it: Make's list schema
// has none of get's connection, provider and history fields, and names MCP
// tools by id (toolIds) where get describes them (tools). The fake answers
// each operation in its own documented form, so a client that only copes
// with one of them fails its tests.
func asListed(a fakeapi.Agent) fakeapi.Agent {
	a.MakeConnectionID, a.MakeConnectionType, a.LLMProviderID, a.PastConfigurations = nil, nil, nil, nil
	return a
}

// asGot is an agent as get shows it: MCP tools as {id, isDeprecated}, and
// its connection's provider.
func asGot(a fakeapi.Agent) fakeapi.Agent {
	describeConnection(&a)
	mcp := make([]fakeapi.AgentMCPConfig, len(a.MCPConfigs))
	for i, m := range a.MCPConfigs {
		mcp[i] = fakeapi.AgentMCPConfig{MCPConnectionID: m.MCPConnectionID, Name: m.Name, Tools: []fakeapi.MCPTool{}}
		for _, id := range m.ToolIds {
			mcp[i].Tools = append(mcp[i].Tools, fakeapi.MCPTool{ID: id})
		}
	}
	a.MCPConfigs = mcp
	if a.PastConfigurations == nil {
		a.PastConfigurations = []fakeapi.PastConfiguration{}
	}
	return a
}

// pastConfiguration is the configuration part of a, as get lists it in
// pastConfigurations after a modify.
func pastConfiguration(a fakeapi.Agent) fakeapi.PastConfiguration {
	mcp := make([]fakeapi.PastMCPConfig, len(a.MCPConfigs))
	for i, m := range a.MCPConfigs {
		mcp[i] = fakeapi.PastMCPConfig{MCPConnectionID: m.MCPConnectionID, ToolIds: slices.Clone(m.ToolIds)}
	}
	return fakeapi.PastConfiguration{
		Name:             a.Name,
		LLMConfig:        a.LLMConfig,
		Scenarios:        slices.Clone(a.Scenarios),
		MCPConfigs:       mcp,
		DefaultModel:     a.DefaultModel,
		SystemPrompt:     a.SystemPrompt,
		HistoryConfig:    a.HistoryConfig,
		InvocationConfig: a.InvocationConfig,
	}
}

func (h handlers) GetAgent(_ context.Context, req fakeapi.GetAgentRequestObject) (fakeapi.GetAgentResponseObject, error) {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	a, ok := h.s.store.get(req.Params.TeamID, req.AgentID)
	if !ok {
		return fakeapi.GetAgent404JSONResponse{NotFoundJSONResponse: notFound()}, nil
	}
	return fakeapi.GetAgent200JSONResponse(asGot(a)), nil
}

// UpdateAgent changes only the fields present in the body; the previous
// configuration goes to the front of pastConfigurations. A list replaces the
// stored list rather than merging into it ([] clears it). Make's modify takes
// no connection and no contexts, so neither can change here.
func (h handlers) UpdateAgent(_ context.Context, req fakeapi.UpdateAgentRequestObject) (fakeapi.UpdateAgentResponseObject, error) {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	a, ok := h.s.store.get(req.Params.TeamID, req.AgentID)
	if !ok {
		return fakeapi.UpdateAgent404JSONResponse{NotFoundJSONResponse: notFound()}, nil
	}
	b := req.Body
	// A model must be one of the agent's provider's. An agent seeded by
	// AddAgent without one of the fake's connections is not checked.
	if b.DefaultModel != nil && a.MakeConnectionID != nil {
		if e, ok := connectionByID(*a.MakeConnectionID); ok {
			if bad := checkModel(e, "defaultModel", *b.DefaultModel); bad != nil {
				return fakeapi.UpdateAgent400JSONResponse{BadRequestJSONResponse: *bad}, nil
			}
		}
	}
	// The newest maxPastConfigs only: an agent updated in a loop for days
	// must not grow without end.
	a.PastConfigurations = append([]fakeapi.PastConfiguration{pastConfiguration(a)}, a.PastConfigurations[:min(len(a.PastConfigurations), maxPastConfigs-1)]...)
	if b.Name != nil {
		a.Name = *b.Name
	}
	if b.SystemPrompt != nil {
		a.SystemPrompt = *b.SystemPrompt
	}
	if b.DefaultModel != nil {
		a.DefaultModel = *b.DefaultModel
	}
	if b.InvocationConfig != nil && b.InvocationConfig.RecursionLimit != nil {
		a.InvocationConfig.RecursionLimit = *b.InvocationConfig.RecursionLimit
	}
	if b.Scenarios != nil {
		a.Scenarios = nonNil(*b.Scenarios)
	}
	if b.OutputParserFormat != nil {
		a.OutputParser = b.OutputParserFormat
	}
	applyConfig(&a, b.MCPConfigs, b.HistoryConfig, b.LLMConfig)
	if bad := h.s.store.admit(a, 0, 0); bad != nil {
		return fakeapi.UpdateAgent400JSONResponse{BadRequestJSONResponse: *bad}, nil
	}
	h.s.store.put(a)
	return fakeapi.UpdateAgent204Response{}, nil
}

func (h handlers) DeleteAgent(_ context.Context, req fakeapi.DeleteAgentRequestObject) (fakeapi.DeleteAgentResponseObject, error) {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	if !h.s.store.remove(req.Params.TeamID, req.AgentID) {
		return fakeapi.DeleteAgent404JSONResponse{NotFoundJSONResponse: notFound()}, nil
	}
	return fakeapi.DeleteAgent204Response{}, nil
}
