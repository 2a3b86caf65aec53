package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/internal/suggest"
)

// agentsListOptions are what "agents list" runs with.
type agentsListOptions struct {
	*factory
}

func newAgentsListCmd(f *factory, runF func(context.Context, *agentsListOptions) error) *cobra.Command {
	opts := &agentsListOptions{factory: f}
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the team's agents (JSON array on stdout).",
		Example: "makeagents agents list --team 42 | jq -r '.[] | .id + \"  \" + .name'",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCommand(cmd, f, opts, runF, agentsListRun)
		},
	}
	f.addGlobalFlags(cmd)
	return cmd
}

func agentsListRun(ctx context.Context, opts *agentsListOptions) error {
	c, _, err := opts.connect()
	if err != nil {
		return err
	}
	agents, err := c.ListAgents(ctx)
	if err != nil {
		return err
	}
	return writeJSON(opts.stdout, api.AgentList(agents)) // an array, also when empty
}

// agentsGetOptions are what "agents get" runs with.
type agentsGetOptions struct {
	*factory
	agentID string
}

func newAgentsGetCmd(f *factory, runF func(context.Context, *agentsGetOptions) error) *cobra.Command {
	opts := &agentsGetOptions{factory: f}
	cmd := &cobra.Command{
		Use:     "get ID",
		Short:   "Show one agent (JSON object on stdout).",
		Example: "makeagents agents get b504aa93-0752-4bf8-887e-c2c717d525bf --team 42",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.agentID = args[0]
			return runCommand(cmd, f, opts, runF, agentsGetRun)
		},
	}
	f.addGlobalFlags(cmd)
	return cmd
}

func agentsGetRun(ctx context.Context, opts *agentsGetOptions) error {
	c, cfg, err := opts.connect()
	if err != nil {
		return err
	}
	id, err := agentIDArg(opts.agentID)
	if err != nil {
		return err
	}
	res, err := c.Generated().GetAgentWithResponse(ctx, id, &api.GetAgentParams{TeamID: cfg.teamID})
	if err != nil {
		return err
	}
	// Print the body as Make sent it (indented), so fields this version
	// of the SDK does not know are shown exactly as they came.
	return writeRawJSON(opts.stdout, res.Body)
}

// agentFields are the agent fields both create and update take as flags.
type agentFields struct {
	name, model, systemPrompt, fromFile string
}

func (a *agentFields) register(fs *pflag.FlagSet) {
	fs.StringVar(&a.name, "name", "", "agent `NAME`")
	fs.StringVar(&a.model, "model", "", "default `MODEL`, e.g. gpt-4.1-mini")
	fs.StringVar(&a.systemPrompt, "system-prompt", "", "system prompt `TEXT`")
	fs.StringVar(&a.fromFile, "from-file", "", "read the request body from this JSON `FILE` ('-' for stdin)")
}

// agentsCreateOptions are what "agents create" runs with.
type agentsCreateOptions struct {
	*factory
	agentFields
	// connection is the makeConnectionId (only create takes it: Make's
	// modify cannot change it); provider picks it instead.
	connection, provider string
}

func newAgentsCreateCmd(f *factory, runF func(context.Context, *agentsCreateOptions) error) *cobra.Command {
	opts := &agentsCreateOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create an agent from flags or a JSON file; prints the created agent with its id under \"id\".",
		Long: `The body is read from --from-file (a CreateAgentRequest as in openapi.yaml) and
the flags --name, --connection, --model and --system-prompt override its fields.
name, connection, model and system prompt are required; teamId defaults to --team.
--provider ID instead of --connection uses the provider's connection (its one
connection whose type is the provider's accountName); when it has several, they are
listed and the command exits 2: pick one with --connection. A key the request does
not know (a typo such as "sytemPrompt") is a usage error naming it.`,
		Example: "makeagents agents create --name Support --connection 123 --model gpt-4.1-mini --system-prompt 'You help customers.'",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCommand(cmd, f, opts, runF, agentsCreateRun)
		},
	}
	opts.agentFields.register(cmd.Flags())
	cmd.Flags().StringVar(&opts.connection, "connection", "", "`ID` of the Make connection to the LLM provider (makeConnectionId)")
	cmd.Flags().StringVar(&opts.provider, "provider", "", "LLM provider `ID` (see 'providers list'): use its one connection instead of --connection")
	f.addGlobalFlags(cmd)
	return cmd
}

func agentsCreateRun(ctx context.Context, opts *agentsCreateOptions) error {
	var body api.CreateAgentRequest
	if err := opts.readBodyFile("--from-file", opts.fromFile, &body); err != nil {
		return err
	}
	if err := applyCreateFlags(opts, &body); err != nil {
		return err
	}
	var providerID int64
	if opts.provider != "" {
		if opts.connection != "" {
			return usageErrorf("give --provider or --connection, not both")
		}
		id, err := providerIDArg(opts.provider)
		if err != nil {
			return usageErrorf("--provider: %v", err)
		}
		providerID = id
		body.MakeConnectionID = -1 // found below; not missing
	}
	c, cfg, err := opts.connect()
	if err != nil {
		return err
	}
	if body.TeamID == 0 {
		body.TeamID = cfg.teamID
	}
	if missing := missingCreateFields(body); missing != "" {
		return usageErrorf("agents create needs %s (flags or --from-file)", missing)
	}
	if providerID != 0 {
		if body.MakeConnectionID, err = pickProviderConnection(ctx, c, providerID); err != nil {
			return err
		}
	}
	var raw *http.Response
	// The team of the call is --team (or MAKE_TEAM_ID): a body that
	// names another is refused before sending.
	created, err := c.CreateAgent(ctx, body, api.ForTeam(cfg.teamID), api.CallResponseInto(&raw))
	if err != nil {
		return err
	}
	if created.ID == "" {
		// A script would go on with an agent it cannot name; the agent
		// may exist all the same, so say how to find it.
		sent, _ := io.ReadAll(io.LimitReader(raw.Body, 80))
		return fmt.Errorf("create answered %d without an agent id (body: %.80q); the agent %q may exist: look for it with 'makeagents agents list'",
			raw.StatusCode, sent, body.Name)
	}
	return writeJSON(opts.stdout, createdWithID(created))
}

// agentsUpdateOptions are what "agents update" runs with.
type agentsUpdateOptions struct {
	*factory
	agentFields
	agentID string
}

func newAgentsUpdateCmd(f *factory, runF func(context.Context, *agentsUpdateOptions) error) *cobra.Command {
	opts := &agentsUpdateOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "update ID",
		Short: "Change only the given fields of an agent (PATCH); prints nothing.",
		Long: `Fields come from --from-file (an UpdateAgentRequest as in openapi.yaml) and the
flags --name, --model and --system-prompt, flags winning. At least one field is
required. Make cannot change an agent's connection or contexts, so there is no flag
for them. A key the request does not know is a usage error naming it.`,
		Example: "makeagents agents update b504aa93-0752-4bf8-887e-c2c717d525bf --name 'Support (EU)' --team 42",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.agentID = args[0]
			return runCommand(cmd, f, opts, runF, agentsUpdateRun)
		},
	}
	opts.agentFields.register(cmd.Flags())
	f.addGlobalFlags(cmd)
	return cmd
}

func agentsUpdateRun(ctx context.Context, opts *agentsUpdateOptions) error {
	id, err := agentIDArg(opts.agentID)
	if err != nil {
		return err
	}
	var body api.UpdateAgentRequest
	if err := opts.readBodyFile("--from-file", opts.fromFile, &body); err != nil {
		return err
	}
	applyUpdateFlags(opts.agentFields, &body)
	if encoded, _ := json.Marshal(body); string(encoded) == "{}" {
		return usageErrorf("agents update needs at least one field to change (--name, --model, --system-prompt or --from-file)")
	}
	c, _, err := opts.connect()
	if err != nil {
		return err
	}
	return c.UpdateAgent(ctx, id, body)
}

// agentsDeleteOptions are what "agents delete" runs with.
type agentsDeleteOptions struct {
	*factory
	agentID string
}

func newAgentsDeleteCmd(f *factory, runF func(context.Context, *agentsDeleteOptions) error) *cobra.Command {
	opts := &agentsDeleteOptions{factory: f}
	cmd := &cobra.Command{
		Use:     "delete ID",
		Short:   "Delete an agent; prints nothing.",
		Example: "makeagents agents delete b504aa93-0752-4bf8-887e-c2c717d525bf --team 42",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.agentID = args[0]
			return runCommand(cmd, f, opts, runF, agentsDeleteRun)
		},
	}
	f.addGlobalFlags(cmd)
	return cmd
}

func agentsDeleteRun(ctx context.Context, opts *agentsDeleteOptions) error {
	id, err := agentIDArg(opts.agentID)
	if err != nil {
		return err
	}
	c, _, err := opts.connect()
	if err != nil {
		return err
	}
	return c.DeleteAgent(ctx, id)
}

// connect resolves the configuration and builds the client; any problem is
// a usage error raised before a request is made.
func (f *factory) connect() (*api.Client, *config, error) {
	cfg, err := resolveConfig(f)
	if err != nil {
		return nil, nil, err
	}
	c, err := newClient(cfg)
	if err != nil {
		return nil, nil, usageErrorf("%v", err)
	}
	return c, cfg, nil
}

func agentIDArg(id string) (string, error) {
	if err := api.ValidateAgentID(id); err != nil {
		return "", usageErrorf("%v", err)
	}
	return id, nil
}

// readBodyFile decodes the JSON object of a file flag (--from-file,
// --config-file: a file, or stdin for "-") into into. The file is bounded
// like every file flag. Anything the request does not know is a usage
// error naming it: a key that is not a field (a typo such as "sytemPrompt"
// would otherwise be dropped, and the agent created without its prompt),
// and a second object or stray text after the first. flagName names the
// flag in errors.
func (f *factory) readBodyFile(flagName, path string, into any) error {
	if path == "" {
		return nil
	}
	b, err := readFlagFile(flagName, path, f.stdin)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(into); err != nil {
		return usageErrorf("%s %s is not valid: %v", flagName, path, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return usageErrorf("%s %s has data after the JSON object (at byte %d)", flagName, path, dec.InputOffset())
	}
	var raw any
	if err := json.Unmarshal(b, &raw); err != nil {
		return usageErrorf("%s %s is not valid: %v", flagName, path, err)
	}
	if key, near := unknownKey(raw, reflect.TypeOf(into), ""); key != "" {
		return usageErrorf("%s %s: unknown key %q in a %s (keys are case-sensitive; see openapi.yaml)%s", flagName, path, key, bodyName(into), suggest.DidYouMean(near))
	}
	return nil
}

// bodyName is the schema a file flag's body is, for its errors.
func bodyName(into any) string {
	return strings.TrimPrefix(fmt.Sprintf("%T", into), "*api.")
}

func connectionFlag(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, usageErrorf("--connection %q is not a positive integer", s)
	}
	return id, nil
}

func applyCreateFlags(o *agentsCreateOptions, body *api.CreateAgentRequest) error {
	if o.name != "" {
		body.Name = o.name
	}
	if o.model != "" {
		body.DefaultModel = o.model
	}
	if o.systemPrompt != "" {
		body.SystemPrompt = o.systemPrompt
	}
	if o.connection != "" {
		id, err := connectionFlag(o.connection)
		if err != nil {
			return err
		}
		body.MakeConnectionID = id
	}
	return nil
}

func applyUpdateFlags(o agentFields, body *api.UpdateAgentRequest) {
	if o.name != "" {
		body.Name = &o.name
	}
	if o.model != "" {
		body.DefaultModel = &o.model
	}
	if o.systemPrompt != "" {
		body.SystemPrompt = &o.systemPrompt
	}
}

func missingCreateFields(b api.CreateAgentRequest) string {
	var missing []string
	if b.Name == "" {
		missing = append(missing, "--name")
	}
	if b.MakeConnectionID == 0 {
		missing = append(missing, "--connection (or --provider)")
	}
	if b.DefaultModel == "" {
		missing = append(missing, "--model")
	}
	if b.SystemPrompt == "" {
		missing = append(missing, "--system-prompt")
	}
	if len(missing) == 0 {
		return ""
	}
	out := missing[0]
	for _, m := range missing[1:] {
		out += ", " + m
	}
	return out
}

// createdWithID returns the created agent as a JSON object with the new
// agent's id also under "id": Make's 201 names it agentId, while list and
// get call it id, and the CLI contract promises "id".
func createdWithID(c *api.CreatedAgent) map[string]any {
	var out map[string]any
	b, _ := json.Marshal(c)
	_ = json.Unmarshal(b, &out)
	if out == nil {
		out = map[string]any{}
	}
	out["id"] = c.ID
	return out
}

func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode output: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func writeRawJSON(w io.Writer, raw []byte) error {
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return fmt.Errorf("response body is not JSON: %w", err)
	}
	out.WriteByte('\n')
	_, err := w.Write(out.Bytes())
	return err
}
