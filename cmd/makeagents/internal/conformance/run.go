// Package conformance is `makeagents conformance`: it runs the API's
// operations (read-only, or on a scratch agent it creates and always
// deletes), records every response as the server sent it, checks each
// against the embedded openapi.yaml and prints the drift report. It stands
// above the api and sse packages; the CLI's main only parses the flags and
// calls Run.
//
//	err := conformance.Run(ctx, conformance.Options{BaseURL: base, TeamID: 42,
//		Token: token, ReadOnly: true, Limit: 5, Stdout: os.Stdout, Stderr: os.Stderr,
//		NewClient: newClient})
//	if errors.Is(err, conformance.ErrDrift) { /* exit 3 */ }
package conformance

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/internal/contract"
	"github.com/makeagents/makeagents-go/internal/lists"
	"github.com/makeagents/makeagents-go/internal/mediatype"
	"github.com/makeagents/makeagents-go/internal/redact"
	"github.com/makeagents/makeagents-go/sse"
)

// conformanceMessage is what the full mode asks the scratch agent.
const conformanceMessage = "Reply with the single word OK."

// checkedCall is one HTTP exchange of a conformance run and what was found.
type checkedCall struct {
	Operation string    `json:"operation"`
	Method    string    `json:"method"`
	Path      string    `json:"path"`
	Status    int       `json:"status"`
	Events    int       `json:"events,omitempty"`
	Findings  []Finding `json:"findings"`
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
	o      Options
	client *api.Client
	rec    *recorder
	spec   *Spec
	report conformanceReport
}

// Options is one conformance run, as the command line asked for it.
type Options struct {
	BaseURL string
	TeamID  int64
	// Token is only used to keep the token out of the report.
	Token string
	// ReadOnly: list and get, GET requests only, at most Limit agents and
	// Limit providers. Otherwise the full mode runs on a scratch agent on
	// Connection with Model.
	ReadOnly   bool
	Limit      int
	Connection int64
	Model      string
	// JSON prints the report as JSON.
	JSON           bool
	Stdout, Stderr io.Writer
	// NewClient builds the SDK client over transport (the recorder) with
	// maxBody as its body bound; its error is returned by Run as it is.
	NewClient func(transport http.RoundTripper, maxBody int64) (*api.Client, error)
	// MaxRecordedBody bounds how much of one response the recorder keeps
	// (0: the SDK's default bound), so a body the SDK accepts is always
	// checked whole; a larger one is reported as too large to check.
	MaxRecordedBody int64
	// SecondInterrupt, when not nil, is closed at a second Ctrl-C: the
	// cleanup after the first one stops waiting then.
	SecondInterrupt <-chan struct{}
	// Printable makes server text safe for a terminal (nil: unchanged).
	Printable func(string) string
}

// ErrDrift is returned by Run, after the report is printed, when the
// report holds drift.
var ErrDrift = errors.New("drift found")

// Run runs the check Options describe and prints its report on o.Stdout.
// The error is the one that stopped the check, ErrDrift when it ran to the
// end and found drift, or nil.
func Run(ctx context.Context, o Options) error {
	if o.MaxRecordedBody <= 0 {
		o.MaxRecordedBody = api.DefaultMaxBodyBytes
	}
	if o.Printable == nil {
		o.Printable = func(s string) string { return s }
	}
	validator, err := contract.New()
	if err != nil {
		return fmt.Errorf("load the embedded spec: %w", err)
	}
	rec := &recorder{next: api.DefaultTransport(), validator: validator, red: redact.New(o.Token), max: o.MaxRecordedBody}
	c := &conformance{o: o, rec: rec, spec: NewSpec(validator.Spec())}
	c.client, err = o.NewClient(rec, o.MaxRecordedBody)
	if err != nil {
		return err
	}
	c.report = conformanceReport{BaseURL: o.BaseURL, TeamID: o.TeamID, Mode: "read-only"}

	if !o.ReadOnly {
		c.report.Mode = "full"
		err = c.full(ctx, o.Connection, o.Model)
	} else {
		err = c.readOnly(ctx, o.Limit)
	}
	if err != nil {
		c.report.Error = c.errorLine(err)
	}
	if perr := c.print(); perr != nil && err == nil {
		err = perr
	}
	switch {
	case err != nil:
		return err
	case c.report.Drift > 0:
		return ErrDrift
	}
	return nil
}

// errorLine renders err as the CLI's one-line error.
func (c *conformance) errorLine(err error) string {
	msg := strings.TrimPrefix(err.Error(), "makeagents: ")
	msg = strings.ReplaceAll(msg, "\n", " ")
	return "makeagents: " + c.o.Printable(msg)
}

func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode output: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func (c *conformance) readOnly(ctx context.Context, limit int) error {
	team := c.o.TeamID
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
			scopes, _ := api.OperationScopes(api.OperationID(call.op))
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
	team := c.o.TeamID
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
		// These are get-only fields: 0 and "" mean the list left them out.
		if a.LLMProviderID != 0 {
			c.report.Observations = append(c.report.Observations, fmt.Sprintf("agent %s: llmProviderId %d %s a listed provider id",
				a.ID, a.LLMProviderID, yesNo(byID[a.LLMProviderID])))
		}
		if a.MakeConnectionType != "" {
			c.report.Observations = append(c.report.Observations, fmt.Sprintf("agent %s: makeConnectionType %q %s a listed provider accountName",
				a.ID, c.redact(a.MakeConnectionType), yesNo(byAccount[a.MakeConnectionType])))
		}
		if a.MakeConnectionID != 0 {
			c.report.Observations = append(c.report.Observations, fmt.Sprintf("agent %s: makeConnectionId %d %s a listed provider id",
				a.ID, a.MakeConnectionID, yesNo(byID[a.MakeConnectionID])))
		}
	}
}

// full creates a scratch agent, exercises every operation on it and always
// deletes it, even when ctx is cancelled (Ctrl-C) or a step fails. It only
// ever deletes an agent that a GET shows to be its own scratch agent (by
// its unique name), so a server that names another agent's id, or a
// redirect to the list, cannot make it delete a real agent.
func (c *conformance) full(ctx context.Context, connection int64, model string) (err error) {
	team := c.o.TeamID
	name := scratchName()
	c.report.ScratchAgent = name
	created, err := c.client.Generated().CreateAgentWithResponse(ctx, &api.CreateAgentParams{TeamID: team}, api.CreateAgentRequest{
		Name: name, TeamID: team, MakeConnectionID: connection, DefaultModel: model,
		SystemPrompt: "You are a test agent created by makeagents conformance. Answer in one word.",
	})
	checked := c.check()
	var id string
	if err == nil && created.JSON201 != nil {
		id = created.JSON201.ID
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
		c.cleanupByName(ctx, name, !refused(err))
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
			c.cleanupByName(ctx, name, true)
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
	team := c.o.TeamID
	name := agentName + "-context"
	content := "makeagents conformance: a scratch context, deleted with its agent."
	_, err := c.client.Generated().CreateContextWithResponse(ctx, &api.CreateContextParams{TeamID: team}, api.CreateTextContextRequest{
		AgentID: agentID, Name: name, Content: content,
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
	res, err := c.client.Generated().GetAgentWithResponse(ctx, id, &api.GetAgentParams{TeamID: c.o.TeamID})
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
	team := c.o.TeamID
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
func (c *conformance) cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	if second := c.o.SecondInterrupt; second != nil {
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
	cctx, cancel := c.cleanupContext(ctx)
	defer cancel()
	err := c.deleteOwn(cctx, id, names)
	if err == nil {
		return nil
	}
	why := strings.TrimPrefix(err.Error(), "makeagents: ")
	if cctx.Err() != nil && errors.Is(err, context.Canceled) {
		why = "cleanup skipped at the second interrupt"
	}
	fmt.Fprintf(c.o.Stderr, "makeagents: could not delete scratch agent %s (%s): %s; remove it with: makeagents agents delete %s --team %d\n",
		id, names[0], why, id, c.o.TeamID)
	return err
}

// cleanupByName looks for the scratch agent by its unique name, after a
// create whose outcome is unknown, and deletes what it finds; when it
// cannot look, it prints the name and the commands to find and remove it.
// When it looks and finds nothing while mayComplete (the create was not
// refused: Ctrl-C or a network error cut it short, say), Make may still
// finish the create after the look, so it prints the same.
func (c *conformance) cleanupByName(ctx context.Context, name string, mayComplete bool) {
	cctx, cancel := c.cleanupContext(ctx)
	defer cancel()
	team := c.o.TeamID
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
		fmt.Fprintf(c.o.Stderr, "makeagents: the create may have made scratch agent %q and it could not be looked for (%s); %s\n",
			name, why, findAndDelete(name, team))
		return
	}
	if len(ids) == 0 && mayComplete {
		fmt.Fprintf(c.o.Stderr, "makeagents: the create's outcome is unknown and no agent named %q exists yet, but the create may still complete; %s\n",
			name, findAndDelete(name, team))
	}
	for _, id := range ids {
		if api.ValidateAgentID(id) != nil {
			continue
		}
		c.report.ScratchAgent = id
		_ = c.cleanup(ctx, id, []string{name})
	}
}

// findAndDelete says how to find the scratch agent by its name and remove
// it, with the commands a user can paste.
func findAndDelete(name string, team int64) string {
	return fmt.Sprintf("find it with: makeagents agents list --team %d | jq -r '.[] | select(.name == \"%s\") | .id', and remove it with: makeagents agents delete ID --team %d",
		team, name, team)
}

// refused reports a create that Make answered with a 4xx: it created
// nothing, so nothing can appear later.
func refused(err error) bool {
	var apiErr *api.APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode >= 400 && apiErr.StatusCode < 500
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
		c.report.Calls = append(c.report.Calls, checkedCall{Operation: ex.operation, Method: ex.method, Path: ex.path, Status: ex.status, Findings: []Finding{}})
		call := &c.report.Calls[len(c.report.Calls)-1]
		if ex.tooLarge {
			c.add(call, []Finding{{Operation: ex.operation, Where: fmt.Sprintf("response %d", ex.status), Kind: TooLarge, Path: "$",
				Spec: fmt.Sprintf("a body of at most %d bytes (the SDK's bound)", c.o.MaxRecordedBody), Got: "a larger body, not checked"}})
			continue
		}
		c.add(call, c.spec.Response(ex.operation, ex.status, ex.header, ex.body))
	}
	return taken
}

func (c *conformance) add(call *checkedCall, findings []Finding) {
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
// (so a value cut at MaxValueLen cannot keep a prefix of it); this
// pass covers whatever else a finding quotes, and strips terminal control
// characters, since the report is printed.
func (c *conformance) redact(s string) string {
	return c.o.Printable(redact.New(c.o.Token).String(s))
}

func (c *conformance) print() error {
	w := c.o.Stdout
	if c.o.JSON {
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

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// recorder is the transport under the SDK client during conformance: it
// keeps a copy of every response exactly as the server sent it (the token
// redacted), so drift is judged on the wire bytes even when the SDK could
// not decode them.
type recorder struct {
	next      http.RoundTripper
	validator *contract.Validator
	red       redact.Redactor
	max       int64 // Options.MaxRecordedBody
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
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, r.max+1))
		if rerr != nil {
			_ = resp.Body.Close()
			return nil, rerr
		}
		if int64(len(body)) > r.max {
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
