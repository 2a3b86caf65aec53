package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/internal/contract"
	"github.com/makeagents/makeagents-go/internal/drift"
	"github.com/makeagents/makeagents-go/internal/lists"
	"github.com/makeagents/makeagents-go/internal/mediatype"
	"github.com/makeagents/makeagents-go/internal/redact"
	"github.com/makeagents/makeagents-go/sse"
)

var conformanceCmd = &command{
	words:   "conformance",
	summary: "Check live API responses against the spec built into this binary and report drift.",
	detail: `--read-only lists the team's agents, gets the first --limit of them and lists each one's
knowledge contexts, lists the LLM providers and gets each of the first --limit with its
models, then reads the token's scopes, the team's connections and one page of --limit
scenarios (a 403 there, a missing scope, is noted and the check goes on): GET requests
only, nothing is changed. It also reports what the answers show about
how agents relate to providers (is an agent's llmProviderId a listed provider, its
makeConnectionType a listed accountName), which Make does not document.

Full mode (--connection ID --model M) creates a scratch agent named
makeagents-conformance-<time>-<random>, gets it, lists, updates it, adds a text context
to it, lists and deletes that context, runs it with a trivial message, streams a run,
then deletes it. It only changes or deletes an agent after a GET
shows it is its own scratch agent. The agent is deleted even on failure or Ctrl-C (a second
Ctrl-C stops waiting for that); when the create's outcome is unknown it is looked for by
name; if it cannot be removed, its id or name is printed with the command to remove it. Running it twice costs
two model calls on the given connection. Asks for confirmation unless --yes.

Every response is checked against openapi.yaml: status documented, JSON body valid,
fields the spec does not declare, required fields missing, types changed, unknown SSE
event types, and undeclared headers (as notes). Exit status 0: no drift; 3: drift found;
1: an API or network error stopped the check.`,
	example: "makeagents conformance --read-only --team 42",
	flags: func(fs *flag.FlagSet, o *options) {
		fs.BoolVar(&o.readOnly, "read-only", false, "only list and get agents, their contexts, the LLM providers and their models (GET requests only)")
		fs.StringVar(&o.connection, "connection", "", "full mode: Make connection `ID` for the scratch agent's AI provider")
		fs.StringVar(&o.model, "model", "", "full mode: `MODEL` for the scratch agent, e.g. gpt-4.1-mini")
		fs.BoolVar(&o.yes, "yes", false, "full mode: do not ask for confirmation")
		fs.BoolVar(&o.json, "json", false, "print the report as JSON")
		fs.IntVar(&o.limit, "limit", 5, "read-only mode: get at most `N` agents and `N` providers")
	},
	run: runConformance,
}

// conformanceMessage is what the full mode asks the scratch agent.
const conformanceMessage = "Reply with the single word OK."

// checkedCall is one HTTP exchange of a conformance run and what was found.
type checkedCall struct {
	Operation string          `json:"operation"`
	Method    string          `json:"method"`
	Path      string          `json:"path"`
	Status    int             `json:"status"`
	Events    int             `json:"events,omitempty"`
	Findings  []drift.Finding `json:"findings"`
}

type conformanceReport struct {
	BaseURL      string        `json:"baseUrl"`
	TeamID       int64         `json:"teamId"`
	Mode         string        `json:"mode"`
	Calls        []checkedCall `json:"calls"`
	Drift        int           `json:"drift"`
	Notes        int           `json:"notes"`
	Error        string        `json:"error,omitempty"`
	ScratchAgent string        `json:"scratchAgent,omitempty"`
	// Observations are facts the answers show that Make does not document
	// (how agents, connections and providers relate); never drift.
	Observations []string `json:"observations,omitempty"`
}

// conformance is one run: the client, the recorder under it and the report.
type conformance struct {
	in     *invocation
	cfg    *config
	client *api.Client
	rec    *recorder
	spec   *drift.Spec
	report conformanceReport
}

func runConformance(ctx context.Context, in *invocation) error {
	o := in.opts
	full := o.connection != "" || o.model != ""
	switch {
	case o.readOnly && full:
		return usageErrorf("--read-only cannot be combined with --connection/--model")
	case !o.readOnly && !full:
		return usageErrorf("choose --read-only, or --connection ID --model M for the full check")
	case full && (o.connection == "" || o.model == ""):
		return usageErrorf("full mode needs both --connection ID and --model M")
	case o.limit < 0:
		return usageErrorf("--limit must not be negative")
	}
	var connection int64
	if full {
		var err error
		if connection, err = connectionFlag(o.connection); err != nil {
			return err
		}
	}
	cfg, err := resolveConfig(in)
	if err != nil {
		return err
	}
	validator, err := contract.New()
	if err != nil {
		return fmt.Errorf("load the embedded spec: %w", err)
	}
	rec := &recorder{next: api.DefaultTransport(), validator: validator, red: redact.New(cfg.token)}
	c := &conformance{in: in, cfg: cfg, rec: rec, spec: drift.NewSpec(validator.Spec())}
	c.client, err = newClientWithTransport(cfg, rec)
	if err != nil {
		return usageErrorf("%v", err)
	}
	c.report = conformanceReport{BaseURL: cfg.baseURL, TeamID: cfg.teamID, Mode: "read-only"}

	if full {
		c.report.Mode = "full"
		if !o.yes {
			if err := confirm(in, cfg); err != nil {
				return err
			}
		}
		err = c.full(ctx, connection, o.model)
	} else {
		err = c.readOnly(ctx, o.limit)
	}
	if err != nil {
		c.report.Error = errorLine(err)
	}
	if perr := c.print(); perr != nil && err == nil {
		err = perr
	}
	switch {
	case err != nil:
		return err
	case c.report.Drift > 0:
		return errDriftFound
	}
	return nil
}

func (c *conformance) readOnly(ctx context.Context, limit int) error {
	team := c.cfg.teamID
	res, err := c.client.Generated().ListAgentsWithResponse(ctx, &api.ListAgentsParams{TeamID: team})
	checked := c.check()
	if err != nil && !isDecodeError(err) {
		return err
	}
	var ids []string
	if err == nil && res.JSON200 != nil {
		for _, a := range *res.JSON200 {
			ids = append(ids, a.ID)
		}
	} else if len(checked) > 0 {
		// The SDK could not decode the list (the drift is already in the
		// report); read the ids from the wire bytes to go on checking.
		ids = idsFromBody(checked[len(checked)-1].body)
	}
	var agents []api.Agent
	for i, id := range ids {
		if i >= limit {
			break
		}
		if api.ValidateAgentID(id) != nil {
			continue // reported as drift by the list check; do not send a bad path
		}
		got, err := c.client.Generated().GetAgentWithResponse(ctx, id, &api.GetAgentParams{TeamID: team})
		c.check()
		if err != nil && !isDecodeError(err) {
			return err
		}
		if err == nil {
			agents = append(agents, *got.JSON200)
		}
		_, err = c.client.Generated().ListContextsWithResponse(ctx, &api.ListContextsParams{TeamID: team, AgentID: id})
		c.check()
		if err != nil && !isDecodeError(err) {
			return err
		}
	}
	providers, err := c.providers(ctx, limit)
	if err != nil {
		return err
	}
	c.observe(agents, providers)
	return c.discovery(ctx, limit)
}

// discovery reads the three discovery operations: the token's scopes, the
// team's connections and one page of scenarios (at most limit, at least
// one). A 403 (the token lacks the operation's scope) is an observation,
// not a stop: the AI Agents checks before it stand.
func (c *conformance) discovery(ctx context.Context, limit int) error {
	for _, call := range []struct {
		op string
		do func() error
	}{
		{"getCurrentAuthorization", func() error { _, err := c.client.CurrentAuthorization(ctx); return err }},
		{"listConnections", func() error { _, err := c.client.ListConnections(ctx, nil); return err }},
		{"listScenarios", func() error {
			_, err := c.client.ListScenarios(ctx, api.ScenarioQuery{Limit: int64(max(limit, 1))})
			return err
		}},
	} {
		err := call.do()
		c.check()
		var apiErr *api.APIError
		switch {
		case err == nil || isDecodeError(err):
		case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusForbidden:
			scopes, _ := api.OperationScopes(call.op)
			c.report.Observations = append(c.report.Observations,
				fmt.Sprintf("%s not checked: 403 (the token may lack %s)", call.op, strings.Join(scopes, " ")))
		default:
			return err
		}
	}
	return nil
}

// providers lists the LLM providers and gets each of the first limit with
// its models. It returns the providers the SDK could decode.
func (c *conformance) providers(ctx context.Context, limit int) ([]api.LLMProvider, error) {
	team := c.cfg.teamID
	res, err := c.client.Generated().ListLLMProvidersWithResponse(ctx, &api.ListLLMProvidersParams{TeamID: team})
	c.check()
	if err != nil {
		if isDecodeError(err) {
			return nil, nil
		}
		return nil, err
	}
	list := *res.JSON200
	for i, p := range list {
		if i >= limit {
			break
		}
		if _, err := c.client.Generated().GetLLMProviderWithResponse(ctx, p.ID, &api.GetLLMProviderParams{TeamID: team}); err != nil && !isDecodeError(err) {
			c.check()
			return list, err
		}
		c.check()
		if _, err := c.client.Generated().ListLLMProviderModelsWithResponse(ctx, p.ID, &api.ListLLMProviderModelsParams{TeamID: team}); err != nil && !isDecodeError(err) {
			c.check()
			return list, err
		}
		c.check()
	}
	return list, nil
}

// observe records what the agents read show about how they relate to the
// listed providers: Make does not say whether an agent's llmProviderId is
// a listed provider's id, whether its makeConnectionType is a provider's
// accountName, or whether a makeConnectionId is a provider id.
func (c *conformance) observe(agents []api.Agent, providers []api.LLMProvider) {
	if len(agents) == 0 || len(providers) == 0 {
		return
	}
	byID, byAccount := map[int64]bool{}, map[string]bool{}
	for _, p := range providers {
		byID[p.ID], byAccount[p.AccountName] = true, true
	}
	yesNo := func(b bool) string {
		if b {
			return "is"
		}
		return "is not"
	}
	for _, a := range agents {
		if a.LlmProviderID != nil {
			c.report.Observations = append(c.report.Observations, fmt.Sprintf("agent %s: llmProviderId %d %s a listed provider id",
				a.ID, *a.LlmProviderID, yesNo(byID[*a.LlmProviderID])))
		}
		if a.MakeConnectionType != nil {
			c.report.Observations = append(c.report.Observations, fmt.Sprintf("agent %s: makeConnectionType %q %s a listed provider accountName",
				a.ID, c.redact(*a.MakeConnectionType), yesNo(byAccount[*a.MakeConnectionType])))
		}
		if a.MakeConnectionID != nil {
			c.report.Observations = append(c.report.Observations, fmt.Sprintf("agent %s: makeConnectionId %d %s a listed provider id",
				a.ID, *a.MakeConnectionID, yesNo(byID[*a.MakeConnectionID])))
		}
	}
}

// full creates a scratch agent, exercises every operation on it and always
// deletes it, even when ctx is cancelled (Ctrl-C) or a step fails. It only
// ever deletes an agent that a GET shows to be its own scratch agent (by
// its unique name), so a server that names another agent's id, or a
// redirect to the list, cannot make it delete a real agent.
func (c *conformance) full(ctx context.Context, connection int64, model string) (err error) {
	team := c.cfg.teamID
	name := scratchName()
	c.report.ScratchAgent = name
	created, err := c.client.Generated().CreateAgentWithResponse(ctx, &api.CreateAgentParams{TeamID: team}, api.CreateAgentRequest{
		Name: name, TeamID: team, MakeConnectionID: connection, DefaultModel: model,
		SystemPrompt: "You are a test agent created by makeagents conformance. Answer in one word.",
	})
	checked := c.check()
	var id string
	if err == nil && created.JSON201 != nil {
		id = created.JSON201.AgentID
	}
	if id == "" && len(checked) > 0 && (err == nil || isDecodeError(err)) {
		// Drift the SDK cannot decode must not strand the scratch agent:
		// find its id in the wire bytes.
		if ids := idsFromBody(checked[len(checked)-1].body); len(ids) == 1 {
			id = ids[0]
		}
	}
	if id == "" || api.ValidateAgentID(id) != nil {
		// The create's outcome is unknown (cancelled, 5xx, dropped,
		// unreadable, no id): Make may have created the agent. Find it by
		// its unique name and delete it, or say how to.
		c.cleanupByName(ctx, name)
		if err == nil || isDecodeError(err) {
			err = fmt.Errorf("create answered without a usable agent id")
		}
		return err
	}
	c.report.ScratchAgent = id
	names := []string{name, name + "-updated"}
	// Before anything changes or deletes the agent at id: is it ours? A
	// server may name another agent's id (or a redirect may answer with
	// the list); that agent is neither renamed nor deleted.
	if err := c.checkOwn(ctx, id, names[:1]); err != nil {
		if errors.Is(err, errNotOwn) {
			c.cleanupByName(ctx, name)
		}
		return err
	}
	deleted := false
	defer func() {
		if deleted {
			return
		}
		if derr := c.cleanup(ctx, id, names); derr != nil && err == nil {
			err = derr
		}
	}()

	steps := []func() error{
		func() error {
			_, err := c.client.Generated().ListAgentsWithResponse(ctx, &api.ListAgentsParams{TeamID: team})
			return err
		},
		func() error {
			renamed := names[1]
			_, err := c.client.Generated().UpdateAgentWithResponse(ctx, id, &api.UpdateAgentParams{TeamID: team}, api.UpdateAgentRequest{Name: &renamed})
			return err
		},
		func() error { return c.contextRoundTrip(ctx, id, name) },
		func() error {
			_, err := c.client.Generated().RunAgentWithResponse(ctx, id, &api.RunAgentParams{TeamID: team}, runRequest(conformanceMessage))
			return err
		},
		func() error { return c.stream(ctx, id) },
	}
	for _, step := range steps {
		err := step()
		c.check()
		if err != nil && !isDecodeError(err) {
			return err
		}
	}
	deleted = true
	return c.deleteOwn(ctx, id, names)
}

// contextRoundTrip adds a text context named after the scratch agent to it,
// lists the agent's contexts, and deletes the one it added. It deletes only
// a context the list shows under that unique name on the scratch agent; if
// it cannot find it, the agent's own deletion removes it with the agent, or
// the cleanup message names the agent.
func (c *conformance) contextRoundTrip(ctx context.Context, agentID, agentName string) error {
	team := c.cfg.teamID
	name := agentName + "-context"
	content := "makeagents conformance: a scratch context, deleted with its agent."
	_, err := c.client.Generated().CreateContextWithResponse(ctx, &api.CreateContextParams{TeamID: team}, api.CreateTextContextRequest{
		AgentID: agentID, Name: &name, Content: &content,
	})
	c.check()
	if err != nil && !isDecodeError(err) {
		return err
	}
	list, err := c.client.Generated().ListContextsWithResponse(ctx, &api.ListContextsParams{TeamID: team, AgentID: agentID})
	c.check()
	if err != nil {
		if isDecodeError(err) {
			return nil // drift on record; the agent's deletion takes the context with it
		}
		return err
	}
	for _, k := range *list.JSON200 {
		if k.DocumentName != name || k.AgentID != agentID || api.ValidateContextID(k.ID) != nil {
			continue
		}
		_, err := c.client.Generated().DeleteContextWithResponse(ctx, k.ID, &api.DeleteContextParams{TeamID: team})
		c.check()
		if err != nil && !isDecodeError(err) {
			return err
		}
	}
	return nil
}

// scratchName is unique per run: the time to the second and 48 random bits,
// so the cleanup by name never matches another run's agent (nor a user's).
func scratchName() string {
	return "makeagents-conformance-" + time.Now().UTC().Format("20060102T150405") + "-" + randomSuffix()
}

// errNotOwn: the agent at the id is not the scratch agent; it is left alone.
var errNotOwn = errors.New("not this run's scratch agent")

// errGone: checkOwn found no agent at the id.
var errGone = errors.New("agent not found")

// checkOwn GETs id and makes sure the agent there is named as one of
// names: an error wrapping errNotOwn when it is not, errGone when there is
// none.
func (c *conformance) checkOwn(ctx context.Context, id string, names []string) error {
	res, err := c.client.Generated().GetAgentWithResponse(ctx, id, &api.GetAgentParams{TeamID: c.cfg.teamID})
	checked := c.check()
	if api.IsNotFound(err) {
		return errGone
	}
	if err != nil && !isDecodeError(err) {
		return err
	}
	var got string
	if err == nil && res.JSON200 != nil {
		got = res.JSON200.Name
	} else if len(checked) > 0 {
		if agents := wireAgents(checked[len(checked)-1].body); len(agents) == 1 {
			got = agents[0].Name
		}
	}
	if !slices.Contains(names, got) {
		return fmt.Errorf("agent %s is named %.80q, %w %q: left alone", id, got, errNotOwn, names[0])
	}
	return nil
}

// deleteOwn deletes id after a GET shows it is named as one of names; a
// GET that finds it gone is success (an earlier delete got through).
func (c *conformance) deleteOwn(ctx context.Context, id string, names []string) error {
	team := c.cfg.teamID
	if err := c.checkOwn(ctx, id, names); err != nil {
		if errors.Is(err, errGone) {
			return nil
		}
		return err
	}
	_, err := c.client.Generated().DeleteAgentWithResponse(ctx, id, &api.DeleteAgentParams{TeamID: team})
	c.check()
	if err == nil || api.IsNotFound(err) || isDecodeError(err) {
		return nil
	}
	return err
}

// cleanupContext is the context cleanup runs on: not the command's (Ctrl-C
// or --timeout may have ended it), bounded, and ended at once by a second
// Ctrl-C.
func cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	if second := secondInterrupt(ctx); second != nil {
		// Ends with cctx, which cancel ends at the latest.
		go func() {
			select {
			case <-second:
				cancel()
			case <-cctx.Done():
			}
		}()
	}
	return cctx, cancel
}

// cleanup deletes the scratch agent id on its own context and, when that
// fails, prints the id and the command that removes it.
func (c *conformance) cleanup(ctx context.Context, id string, names []string) error {
	cctx, cancel := cleanupContext(ctx)
	defer cancel()
	err := c.deleteOwn(cctx, id, names)
	if err == nil {
		return nil
	}
	why := strings.TrimPrefix(err.Error(), "makeagents: ")
	if cctx.Err() != nil && errors.Is(err, context.Canceled) {
		why = "cleanup skipped at the second interrupt"
	}
	fmt.Fprintf(c.in.stderr, "makeagents: could not delete scratch agent %s (%s): %s; remove it with: makeagents agents delete %s --team %d\n",
		id, names[0], why, id, c.cfg.teamID)
	return err
}

// cleanupByName looks for the scratch agent by its unique name, after a
// create whose outcome is unknown, and deletes what it finds; when it
// cannot look, it prints the name and the commands to find and remove it.
func (c *conformance) cleanupByName(ctx context.Context, name string) {
	cctx, cancel := cleanupContext(ctx)
	defer cancel()
	team := c.cfg.teamID
	res, err := c.client.Generated().ListAgentsWithResponse(cctx, &api.ListAgentsParams{TeamID: team})
	checked := c.check()
	var ids []string
	switch {
	case err == nil && res.JSON200 != nil:
		for _, a := range *res.JSON200 {
			if a.Name == name {
				ids = append(ids, a.ID)
			}
		}
	case len(checked) > 0 && isDecodeError(err):
		for _, a := range wireAgents(checked[len(checked)-1].body) {
			if a.Name == name && a.id() != "" {
				ids = append(ids, a.id())
			}
		}
	default:
		why := strings.TrimPrefix(err.Error(), "makeagents: ")
		if cctx.Err() != nil && errors.Is(err, context.Canceled) {
			why = "cleanup skipped at the second interrupt"
		}
		fmt.Fprintf(c.in.stderr, "makeagents: the create may have made scratch agent %q and it could not be looked for (%s); find it with: makeagents agents list --team %d, and remove it with: makeagents agents delete ID --team %d\n",
			name, why, team, team)
		return
	}
	for _, id := range ids {
		if api.ValidateAgentID(id) != nil {
			continue
		}
		c.report.ScratchAgent = id
		_ = c.cleanup(ctx, id, []string{name})
	}
}

// isDecodeError reports an error of the SDK decoding a response body: the
// response is on record and its drift in the report, so the check goes on.
func isDecodeError(err error) bool {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var apiErr *api.APIError
	var unexpected *api.UnexpectedResponseError
	return errors.As(err, &unexpected) || errors.Is(err, api.ErrBodyTooLarge) ||
		!errors.As(err, &apiErr) && (errors.As(err, &syntax) || errors.As(err, &typ))
}

// wireAgent is what the cleanup needs of an agent, read from the recorded
// bytes when the SDK could not decode a response (the drift is in the
// report): its id (under id, or agentId in a create's answer) and its name.
type wireAgent struct{ ID, AgentID, Name string }

// wireAgents reads agents from a recorded body with the SDK's one list
// decoder (an array, a wrapper object, or one agent). Each field is read on
// its own, so drift elsewhere in an agent (a name that became a number, say)
// cannot hide its id.
func wireAgents(body []byte) []wireAgent {
	var raw []map[string]json.RawMessage
	if lists.Decode(body, &raw, "agents", "agents") != nil {
		return nil
	}
	text := func(v json.RawMessage) string {
		var s string
		_ = json.Unmarshal(v, &s)
		return s
	}
	out := make([]wireAgent, len(raw))
	for i, m := range raw {
		out[i] = wireAgent{ID: text(m["id"]), AgentID: text(m["agentId"]), Name: text(m["name"])}
	}
	return out
}

func (a wireAgent) id() string {
	if a.AgentID != "" {
		return a.AgentID
	}
	return a.ID
}

// idsFromBody returns the ids of the agents in a recorded body.
func idsFromBody(body []byte) []string {
	var ids []string
	for _, a := range wireAgents(body) {
		if id := a.id(); id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}

// stream runs the agent on the stream endpoint and checks every event.
func (c *conformance) stream(ctx context.Context, id string) error {
	s, err := sse.Run(ctx, c.client, id, runRequest(conformanceMessage))
	if err != nil {
		return err
	}
	defer func() { _ = s.Close() }()
	c.check() // the stream's status and headers
	call := &c.report.Calls[len(c.report.Calls)-1]
	for ev, err := range s.All() {
		if err != nil {
			return err
		}
		call.Events++
		c.add(call, c.spec.Event("runAgentStream", call.Events, ev.Type, ev.Data))
	}
	return nil
}

func runRequest(msg string) api.RunAgentRequest {
	return api.RunAgentRequest{Messages: []api.Message{{Role: api.MessageRoleUser, Content: msg}}}
}

// check turns the exchanges recorded since the last check into report
// entries, comparing each with the spec.
func (c *conformance) check() []exchange {
	taken := c.rec.take()
	for _, ex := range taken {
		c.report.Calls = append(c.report.Calls, checkedCall{Operation: ex.operation, Method: ex.method, Path: ex.path, Status: ex.status, Findings: []drift.Finding{}})
		call := &c.report.Calls[len(c.report.Calls)-1]
		if ex.tooLarge {
			c.add(call, []drift.Finding{{Operation: ex.operation, Where: fmt.Sprintf("response %d", ex.status), Kind: drift.TooLarge, Path: "$",
				Spec: fmt.Sprintf("a body of at most %d bytes (the SDK's bound)", maxRecordedBody), Got: "a larger body, not checked"}})
			continue
		}
		c.add(call, c.spec.Response(ex.operation, ex.status, ex.header, ex.body))
	}
	return taken
}

func (c *conformance) add(call *checkedCall, findings []drift.Finding) {
	for _, f := range findings {
		f.Spec, f.Got, f.Path, f.Where = c.redact(f.Spec), c.redact(f.Got), c.redact(f.Path), c.redact(f.Where)
		call.Findings = append(call.Findings, f)
		if f.Kind.Informational() {
			c.report.Notes++
		} else {
			c.report.Drift++
		}
	}
}

// redact keeps the token out of the report even if a server echoes it.
// The recorded bodies and headers were redacted before they were checked
// (so a value cut at drift.MaxValueLen cannot keep a prefix of it); this
// pass covers whatever else a finding quotes, and strips terminal control
// characters, since the report is printed.
func (c *conformance) redact(s string) string {
	return printable(redact.New(c.cfg.token).String(s))
}

func (c *conformance) print() error {
	w := c.in.stdout
	if c.in.opts.json {
		return writeJSON(w, c.report)
	}
	r := c.report
	fmt.Fprintf(w, "makeagents conformance: %s, team %d, %s mode\n", r.BaseURL, r.TeamID, r.Mode)
	var order []string
	byOp := map[string][]checkedCall{}
	for _, call := range r.Calls {
		if _, ok := byOp[call.Operation]; !ok {
			order = append(order, call.Operation)
		}
		byOp[call.Operation] = append(byOp[call.Operation], call)
	}
	for _, op := range order {
		fmt.Fprintf(w, "\n%s\n", op)
		for _, call := range byOp[op] {
			verdict := "ok"
			if n := len(call.Findings); n > 0 {
				verdict = fmt.Sprintf("%d finding(s)", n)
			}
			events := ""
			if call.Events > 0 {
				events = fmt.Sprintf(", %d event(s)", call.Events)
			}
			fmt.Fprintf(w, "  %s %s -> %d%s: %s\n", call.Method, call.Path, call.Status, events, verdict)
			for _, f := range call.Findings {
				level := "drift"
				if f.Kind.Informational() {
					level = "note "
				}
				fmt.Fprintf(w, "    %s %-23s %s  (%s)\n", level, f.Kind, f.Path, f.Where)
				fmt.Fprintf(w, "          spec: %s\n          got:  %s\n", f.Spec, f.Got)
			}
		}
	}
	if len(r.Observations) > 0 {
		fmt.Fprintln(w, "\nwhat the answers show (Make does not document it; not drift):")
		for _, o := range r.Observations {
			fmt.Fprintf(w, "  %s\n", o)
		}
	}
	fmt.Fprintf(w, "\n%d call(s), %d drift finding(s), %d note(s).", len(r.Calls), r.Drift, r.Notes)
	switch {
	case r.Error != "":
		fmt.Fprintf(w, " Stopped early: %s\n", r.Error)
	case r.Drift > 0:
		fmt.Fprintln(w, " The API has drifted from openapi.yaml: see README, \"When Make changes the API\".")
	default:
		fmt.Fprintln(w, " No drift.")
	}
	return nil
}

func confirm(in *invocation, cfg *config) error {
	fmt.Fprintf(in.stderr, "This creates a scratch agent in team %d at %s, runs it twice (two model calls), and deletes it.\nContinue? [y/N] ",
		cfg.teamID, cfg.baseURL)
	line, _ := bufio.NewReader(in.stdin).ReadString('\n')
	if answer := strings.ToLower(strings.TrimSpace(line)); answer != "y" && answer != "yes" {
		return usageErrorf("not confirmed; nothing was created (pass --yes to skip the question)")
	}
	return nil
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// maxRecordedBody bounds how much of one response the recorder keeps: the
// SDK's own bound, so a body the SDK accepts is always checked whole. A
// larger one is reported as too large to check, not as drift. A variable
// for tests.
var maxRecordedBody int64 = api.DefaultMaxBodyBytes

// recorder is the transport under the SDK client during conformance: it
// keeps a copy of every response exactly as the server sent it (the token
// redacted), so drift is judged on the wire bytes even when the SDK could
// not decode them.
type recorder struct {
	next      http.RoundTripper
	validator *contract.Validator
	red       redact.Redactor
	mu        sync.Mutex
	pending   []exchange
}

type exchange struct {
	operation, method, path string
	status                  int
	header                  http.Header
	body                    []byte
	tooLarge                bool
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	op, oerr := r.validator.OperationID(req)
	if oerr != nil {
		op = req.Method + " (no operation)"
	}
	ex := exchange{operation: op, method: req.Method, path: req.URL.Path, status: resp.StatusCode, header: resp.Header.Clone()}
	r.red.Header(ex.header)
	if !mediatype.IsEventStream(resp.Header.Get("Content-Type")) {
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxRecordedBody+1))
		if rerr != nil {
			_ = resp.Body.Close()
			return nil, rerr
		}
		if int64(len(body)) > maxRecordedBody {
			// Hand the SDK all of it (it stops at the same bound with
			// api.ErrBodyTooLarge); keep none of it for the check.
			ex.tooLarge = true
			resp.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(body), resp.Body), resp.Body}
		} else {
			_ = resp.Body.Close()
			ex.body = r.red.Bytes(body)
			resp.Body = io.NopCloser(bytes.NewReader(body))
		}
	}
	r.mu.Lock()
	r.pending = append(r.pending, ex)
	r.mu.Unlock()
	return resp, nil
}

func (r *recorder) take() []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.pending
	r.pending = nil
	return out
}
