package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/makeagents/makeagents-go/api"
)

// Discovery commands: where the ids an agent needs come from (connections,
// tool scenarios) and whether the token and team can create and run one
// (doctor).

// connectionsListOptions are what "connections list" runs with.
type connectionsListOptions struct {
	*factory
	types []string // --type, repeatable
}

func newConnectionsListCmd(f *factory, runF func(context.Context, *connectionsListOptions) error) *cobra.Command {
	opts := &connectionsListOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the team's Make connections (JSON array on stdout), of the given types only with --type.",
		Long: `A connection's type is its accountName; an LLM provider's connections are those whose
type is the provider's accountName (see 'providers list'), and an agent's --connection
is the id of one of them. --type may be repeated; Make allows letters, digits and -_.
in a type. Needs the token scope connections:read.`,
		Example: "makeagents connections list --type openai-gpt-3 --team 42 | jq -r '.[] | \"\\(.id) \\(.name)\"'",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCommand(cmd, f, opts, runF, connectionsListRun)
		},
	}
	cmd.Flags().StringArrayVar(&opts.types, "type", nil, "only connections of this `TYPE` (an accountName, e.g. openai-gpt-3); repeatable")
	f.addGlobalFlags(cmd)
	return cmd
}

func connectionsListRun(ctx context.Context, opts *connectionsListOptions) error {
	for _, t := range opts.types {
		var bad *api.ValidationError
		if err := api.ValidateConnectionType(t); errors.As(err, &bad) {
			return usageErrorf("--type %s", bad.Reason)
		}
	}
	c, _, err := opts.connect()
	if err != nil {
		return err
	}
	var resp *http.Response
	if _, err := c.ListConnections(ctx, opts.types, api.CallResponseInto(&resp)); err != nil {
		return err
	}
	// Print the connections as Make sent them: fields this SDK does
	// not know are kept.
	var raw struct {
		Connections []json.RawMessage `json:"connections"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		return fmt.Errorf("connections: decoding the response: %w", err)
	}
	if raw.Connections == nil {
		raw.Connections = []json.RawMessage{}
	}
	if err := writeJSON(opts.stdout, raw.Connections); err != nil {
		return err
	}
	if len(raw.Connections) == 0 && len(opts.types) > 0 {
		// stdout stays the (empty) answer; stderr says why it may be empty.
		fmt.Fprintln(opts.stderr, printable(noConnectionHint(ctx, c, opts.types)))
	}
	return nil
}

// maxHintTypes bounds the connection types noConnectionHint names.
const maxHintTypes = 20

// noConnectionHint explains an empty "connections list --type": the types
// the team's connections do have, and, when a type given is an LLM
// provider's name (openAi) rather than its accountName (openai-gpt-3), the
// type meant. Each lookup is best effort: one that fails is left out.
func noConnectionHint(ctx context.Context, c *api.Client, types []string) string {
	hint := fmt.Sprintf("no connection of type %s in this team", strings.Join(types, " or "))
	if all, err := c.ListConnections(ctx, nil); err == nil {
		var have []string
		for _, k := range all {
			if !slices.Contains(have, k.AccountName) {
				have = append(have, k.AccountName)
			}
		}
		slices.Sort(have)
		more := ""
		if len(have) > maxHintTypes { // a team (or a hostile server) with very many
			more = fmt.Sprintf(" and %d more", len(have)-maxHintTypes)
			have = have[:maxHintTypes]
		}
		if len(have) == 0 {
			hint += "; it has no connections"
		} else {
			hint += "; its connections' types: " + strings.Join(have, ", ") + more
		}
	}
	if providers, err := c.ListLLMProviders(ctx); err == nil {
		for _, t := range types {
			for _, p := range providers {
				if strings.EqualFold(t, string(p.Provider)) && !strings.EqualFold(t, p.AccountName) {
					hint += fmt.Sprintf("; %s is LLM provider %d's name: its connections' type is its accountName, --type %s", t, p.ID, p.AccountName)
				}
			}
		}
	}
	return hint
}

// scenariosListOptions are what "scenarios list" runs with.
type scenariosListOptions struct {
	*factory
	tools                     bool // only type=tool
	limit                     int  // print at most this many (0: all)
	pageSize                  int  // scenarios per request (0: Make's default)
	limitGiven, pageSizeGiven bool
}

func newScenariosListCmd(f *factory, runF func(context.Context, *scenariosListOptions) error) *cobra.Command {
	opts := &scenariosListOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the team's scenarios, all pages (JSON array on stdout); --tools for those an agent can call.",
		Long: `Reads page after page (--page-size scenarios each; Make's default page size without it)
until every scenario is read, or --limit of them: then it stops asking. A scenario of
type "tool" can be given to an agent (scenarios[].makeScenarioId is its id).
Needs the token scope scenarios:read.`,
		Example: "makeagents scenarios list --tools --team 42 | jq -r '.[] | \"\\(.id) \\(.name)\"'",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.limitGiven, opts.pageSizeGiven = cmd.Flags().Changed("limit"), cmd.Flags().Changed("page-size")
			return runCommand(cmd, f, opts, runF, scenariosListRun)
		},
	}
	cmd.Flags().BoolVar(&opts.tools, "tools", false, "only scenarios of type tool (an agent's tools)")
	cmd.Flags().IntVar(&opts.limit, "limit", 0, "print at most `N` scenarios (default: all)")
	cmd.Flags().IntVar(&opts.pageSize, "page-size", 0, "`N` scenarios per request (default: Make's)")
	f.addGlobalFlags(cmd)
	return cmd
}

func scenariosListRun(ctx context.Context, opts *scenariosListOptions) error {
	var q api.ScenarioQuery
	if opts.limitGiven && opts.limit < 1 {
		return usageErrorf("--limit %d: print at least 1 scenario (leave --limit out for all)", opts.limit)
	}
	if opts.pageSizeGiven && opts.pageSize < 1 {
		return usageErrorf("--page-size %d is not a page size of at least 1", opts.pageSize)
	}
	q.Limit = int64(opts.pageSize)
	if opts.tools {
		q.Type = api.ScenarioTypeTool
	}
	c, _, err := opts.connect()
	if err != nil {
		return err
	}
	all := []api.Scenario{}
	for s, err := range c.Scenarios(ctx, q) {
		if err != nil {
			return err
		}
		all = append(all, s)
		if opts.limit > 0 && len(all) == opts.limit {
			break // no further page is asked for
		}
	}
	return writeJSON(opts.stdout, all)
}

// commandOperations are the operations each command sends: what its
// token needs is api.MissingScopes of them. createRunOps are those
// "agents create --provider" and "run" need, which doctor insists on.
var commandOperations = []struct {
	words string
	ops   []api.OperationID
}{
	{"agents list", []api.OperationID{api.OpListAgents}},
	{"agents get", []api.OperationID{api.OpGetAgent}},
	{"agents create", []api.OperationID{api.OpCreateAgent}},
	{"agents create --provider", []api.OperationID{api.OpListLLMProviders, api.OpListConnections, api.OpCreateAgent}},
	{"agents update", []api.OperationID{api.OpUpdateAgent}},
	{"agents delete", []api.OperationID{api.OpDeleteAgent}},
	{"run", []api.OperationID{api.OpRunAgent}},
	{"stream", []api.OperationID{api.OpRunAgentStream}},
	{"providers list", []api.OperationID{api.OpListLLMProviders}},
	{"providers get", []api.OperationID{api.OpGetLLMProvider}},
	{"providers models", []api.OperationID{api.OpListLLMProviderModels}},
	{"contexts list", []api.OperationID{api.OpListContexts}},
	{"contexts add", []api.OperationID{api.OpListContexts, api.OpCreateContext}},
	{"contexts delete", []api.OperationID{api.OpDeleteContext}},
	{"connections list", []api.OperationID{api.OpListConnections}},
	{"scenarios list", []api.OperationID{api.OpListScenarios}},
	{"eval", []api.OperationID{api.OpListAgents, api.OpGetAgent, api.OpRunAgent}},
	{"export", []api.OperationID{api.OpListAgents, api.OpGetAgent, api.OpListContexts, api.OpListLLMProviders, api.OpListConnections, api.OpListScenarios}},
	{"plan", planOps},
	{"apply", append(slices.Clone(planOps), api.OpCreateAgent, api.OpUpdateAgent, api.OpDeleteAgent, api.OpCreateContext, api.OpDeleteContext)},
}

// planOps are the reads of a plan (apply's too, before it writes).
var planOps = []api.OperationID{api.OpListLLMProviders, api.OpListConnections, api.OpListLLMProviderModels, api.OpListScenarios, api.OpListAgents, api.OpGetAgent, api.OpListContexts}

var createRunOps = []api.OperationID{api.OpListLLMProviders, api.OpListLLMProviderModels, api.OpListConnections, api.OpCreateAgent, api.OpRunAgent}

// doctorOptions are what doctor runs with.
type doctorOptions struct {
	*factory
}

func newDoctorCmd(f *factory, runF func(context.Context, *doctorOptions) error) *cobra.Command {
	opts := &doctorOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check that this token and team can create and run an agent; one line per check, exit 1 on a problem.",
		Long: `Checks, in order: the zone and base URL; the client's rate limit (MAKE_RATE_LIMIT: a warn
without one); the token's scopes against what each command needs (a missing scope is
named with the commands that need it; Make's two spellings, ai-agents:read and
read:user, are both read); that the team is reachable; the LLM providers with their
usable connections and models; the tool scenarios. Lines start with "ok", "warn" (not needed to create and run an agent) or
"FAIL". Exit 0 when everything "agents create" and "run" need is there, 1 otherwise.`,
		Example: "makeagents doctor --team 42",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCommand(cmd, f, opts, runF, doctorRun)
		},
	}
	f.addGlobalFlags(cmd)
	return cmd
}

// doctorReport writes the check lines and collects the problems.
type doctorReport struct {
	out      io.Writer
	problems []string // what each FAIL is about, in a few words
}

func (r *doctorReport) line(status, format string, args ...any) {
	msg := printable(fmt.Sprintf(format, args...))
	fmt.Fprintf(r.out, "%-4s %s\n", status, strings.ReplaceAll(msg, "\n", " "))
}

// fail writes a FAIL line and counts the problem under its short name.
func (r *doctorReport) fail(short, format string, args ...any) {
	r.line("FAIL", format, args...)
	r.problems = append(r.problems, short)
}

func doctorRun(ctx context.Context, opts *doctorOptions) error {
	c, cfg, err := opts.connect()
	if err != nil {
		return err
	}
	r := &doctorReport{out: opts.stdout}
	zone := "no zone: a custom base URL"
	for _, z := range api.Zones() {
		if z.BaseURL() == cfg.baseURL {
			zone = "zone " + string(z)
		}
	}
	r.line("ok", "%s, base URL %s, team %d", zone, cfg.baseURL, cfg.teamID)
	if cfg.rateLimit > 0 {
		r.line("ok", "rate limit: %d requests a minute (%s), a 429 pauses every call", cfg.rateLimit, api.EnvRateLimit)
	} else {
		r.line("warn", "rate limit: none; set %s to your plan's requests a minute (60, 120, 240 or 1000) so calls wait their turn instead of meeting 429s", api.EnvRateLimit)
	}

	auth, err := c.CurrentAuthorization(ctx)
	var have []string
	switch {
	case err != nil:
		r.fail("token scopes unknown", "token: reading its scopes failed: %v", errorText(err))
	default:
		have = auth.Scope
		r.line("ok", "token scopes: %s", strings.Join(auth.Scope, " "))
		doctorScopes(r, have)
	}

	agents, err := c.ListAgents(ctx)
	if err != nil {
		r.fail("team not reachable", "team %d: not reachable: %v", cfg.teamID, errorText(err))
	} else {
		r.line("ok", "team %d reachable: %d agent(s)", cfg.teamID, len(agents))
	}

	// Without connections:read (named above) the providers' connections
	// cannot be listed; say so once rather than once per provider.
	doctorProviders(ctx, r, c, auth != nil && !slices.Contains(have, "connections:read"))

	tools := 0
	var names []string
	for s, err := range c.Scenarios(ctx, api.ScenarioQuery{Type: api.ScenarioTypeTool}) {
		if err != nil {
			r.line("warn", "tool scenarios: listing failed: %v", errorText(err))
			tools = -1
			break
		}
		tools++
		if len(names) < 5 {
			names = append(names, fmt.Sprintf("%d %q", s.ID, s.Name))
		}
	}
	switch {
	case tools == 0:
		r.line("warn", "no tool scenarios: agents work without tools (make a scenario on-demand with scenario inputs to offer one)")
	case tools > 0:
		more := ""
		if tools > len(names) {
			more = ", ..."
		}
		r.line("ok", "%d tool scenario(s): %s%s", tools, strings.Join(names, ", "), more)
	}

	if n := len(r.problems); n > 0 {
		return fmt.Errorf("doctor: %d problem(s), agents create and run will not work: %s", n, strings.Join(r.problems, "; "))
	}
	fmt.Fprintln(opts.stdout, "ok   everything agents create and run need is there")
	return nil
}

// doctorScopes names each missing scope once, with the commands that need
// it: FAIL when create or run needs it, warn otherwise.
func doctorScopes(r *doctorReport, have []string) {
	needed := map[string]bool{}
	missing, err := api.MissingScopes(have, createRunOps...)
	if err != nil {
		r.fail("scopes", "%v", err)
		return
	}
	for _, s := range missing {
		needed[s] = true
	}
	var order []string
	users := map[string][]string{}
	for _, c := range commandOperations {
		missing, err := api.MissingScopes(have, c.ops...)
		if err != nil {
			r.fail("scopes", "%v", err)
			return
		}
		for _, s := range missing {
			if users[s] == nil {
				order = append(order, s)
			}
			users[s] = append(users[s], c.words)
		}
	}
	if len(order) == 0 {
		r.line("ok", "token has every scope the commands need")
		return
	}
	for _, s := range order {
		if needed[s] {
			r.fail("token lacks "+s, "token lacks scope %s, needed by: %s", s, strings.Join(users[s], ", "))
		} else {
			r.line("warn", "token lacks scope %s, needed by: %s", s, strings.Join(users[s], ", "))
		}
	}
}

// doctorProviders lists each provider with its usable connections and
// models; one provider with both is what agents create needs.
// With noConnections (the token lacks connections:read, reported with the
// scopes), the connections are not listed.
func doctorProviders(ctx context.Context, r *doctorReport, c *api.Client, noConnections bool) {
	providers, err := c.ListLLMProviders(ctx)
	if err != nil {
		r.fail("LLM providers unknown", "LLM providers: listing failed: %v", errorText(err))
		return
	}
	usable := 0
	for _, p := range providers {
		models, err := c.ListLLMProviderModels(ctx, p.ID)
		if err != nil {
			r.fail(fmt.Sprintf("provider %d models unknown", p.ID), "provider %d (%s): listing its models failed: %v", p.ID, p.AccountName, errorText(err))
			continue
		}
		if noConnections {
			r.line("warn", "provider %d (%s, type %s): %d model(s); its connections not checked (no connections:read)", p.ID, p.Provider, p.AccountName, len(models))
			continue
		}
		conns, err := c.ProviderConnections(ctx, p)
		if err != nil {
			r.fail(fmt.Sprintf("provider %d connections unknown", p.ID), "provider %d (%s): listing its connections failed: %v", p.ID, p.AccountName, errorText(err))
			continue
		}
		ids := make([]string, len(conns))
		for i, k := range conns {
			ids[i] = strconv.FormatInt(k.ID, 10)
		}
		names := make([]string, len(models))
		for i, m := range models {
			names[i] = m.Model
		}
		status := "ok"
		if len(conns) == 0 || len(models) == 0 {
			status = "warn"
		} else {
			usable++
		}
		r.line(status, "provider %d (%s, type %s): %d connection(s) [%s], %d model(s) [%s]",
			p.ID, p.Provider, p.AccountName, len(conns), strings.Join(ids, " "), len(models), strings.Join(names, " "))
	}
	if usable == 0 && !noConnections {
		r.fail("no usable LLM provider", "no LLM provider has both a connection and a model: agents create needs one (add the provider's connection in Make)")
	}
}

// errorText is an error as one line without the CLI's prefix.
func errorText(err error) string {
	return strings.TrimPrefix(errorLine(err), "makeagents: ")
}

// pickProviderConnection resolves "agents create --provider ID": the
// provider's single usable connection. Several is a usage error that lists
// them (the user picks one with --connection); none is an error.
func pickProviderConnection(ctx context.Context, c *api.Client, providerID int64) (int64, error) {
	providers, err := c.ListLLMProviders(ctx)
	if err != nil {
		return 0, err
	}
	var provider *api.LLMProvider
	ids := make([]string, 0, len(providers))
	for i := range providers {
		ids = append(ids, strconv.FormatInt(providers[i].ID, 10))
		if providers[i].ID == providerID {
			provider = &providers[i]
		}
	}
	if provider == nil {
		return 0, usageErrorf("--provider %d is not one of the team's LLM providers (%s); see 'makeagents providers list'", providerID, strings.Join(ids, ", "))
	}
	conns, err := c.ProviderConnections(ctx, *provider)
	if err != nil {
		return 0, err
	}
	switch len(conns) {
	case 0:
		return 0, errors.New(printable(fmt.Sprintf("provider %d (%s) has no connection of type %s in this team; create one in Make", provider.ID, provider.Provider, provider.AccountName)))
	case 1:
		return conns[0].ID, nil
	}
	lines := make([]string, len(conns))
	for i, k := range conns {
		lines[i] = fmt.Sprintf("  --connection %d  %s", k.ID, k.Name)
	}
	return 0, usageErrorf("provider %d has %d connections; pick one:\n%s", provider.ID, len(conns), printable(strings.Join(lines, "\n")))
}
