package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/makeagents/makeagents-go/api"
)

var agentsListCmd = &command{
	words:   "agents list",
	summary: "List the team's agents (JSON array on stdout).",
	example: "makeagents agents list --team 42 | jq -r '.[] | .id + \"  \" + .name'",
	run: func(ctx context.Context, in *invocation) error {
		c, _, err := connect(in)
		if err != nil {
			return err
		}
		agents, err := c.ListAgents(ctx)
		if err != nil {
			return err
		}
		return writeJSON(in.stdout, api.AgentList(agents)) // an array, also when empty
	},
}

var agentsGetCmd = &command{
	words:   "agents get",
	args:    []string{"ID"},
	summary: "Show one agent (JSON object on stdout).",
	example: "makeagents agents get b504aa93-0752-4bf8-887e-c2c717d525bf --team 42",
	run: func(ctx context.Context, in *invocation) error {
		c, cfg, err := connect(in)
		if err != nil {
			return err
		}
		id, err := agentIDArg(in.args[0])
		if err != nil {
			return err
		}
		res, err := c.Generated().GetAgentWithResponse(ctx, id, &api.GetAgentParams{TeamID: cfg.teamID})
		if err != nil {
			return err
		}
		// Print the body as Make sent it (indented), so fields this version
		// of the SDK does not know are shown exactly as they came.
		return writeRawJSON(in.stdout, res.Body)
	},
}

var agentsCreateCmd = &command{
	words:   "agents create",
	summary: "Create an agent from flags or a JSON file; prints the created agent with its id under \"id\".",
	detail: `The body is read from --from-file (a CreateAgentRequest as in openapi.yaml) and
the flags --name, --connection, --model and --system-prompt override its fields.
name, connection, model and system prompt are required; teamId defaults to --team.
--provider ID instead of --connection uses the provider's connection (its one
connection whose type is the provider's accountName); when it has several, they are
listed and the command exits 2: pick one with --connection.`,
	example: "makeagents agents create --name Support --connection 123 --model gpt-4.1-mini --system-prompt 'You help customers.'",
	flags:   createFlags,
	run: func(ctx context.Context, in *invocation) error {
		var body api.CreateAgentRequest
		if err := readBodyFile(in, "--from-file", in.opts.fromFile, &body); err != nil {
			return err
		}
		if err := applyCreateFlags(in, &body); err != nil {
			return err
		}
		var providerID int64
		if in.opts.provider != "" {
			if in.opts.connection != "" {
				return usageErrorf("give --provider or --connection, not both")
			}
			id, err := providerIDArg(in.opts.provider)
			if err != nil {
				return usageErrorf("--provider: %v", err)
			}
			providerID = id
			body.MakeConnectionID = -1 // found below; not missing
		}
		c, cfg, err := connect(in)
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
		created, err := c.CreateAgent(ctx, body, api.ForTeam(cfg.teamID), api.WithResponseInto(&raw))
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
		return writeJSON(in.stdout, createdWithID(created))
	},
}

var agentsUpdateCmd = &command{
	words:   "agents update",
	args:    []string{"ID"},
	summary: "Change only the given fields of an agent (PATCH); prints nothing.",
	detail: `Fields come from --from-file (an UpdateAgentRequest as in openapi.yaml) and the
flags --name, --model and --system-prompt, flags winning. At least one field is
required. Make cannot change an agent's connection or contexts, so there is no flag
for them.`,
	example: "makeagents agents update b504aa93-0752-4bf8-887e-c2c717d525bf --name 'Support (EU)' --team 42",
	flags:   updateFlags,
	run: func(ctx context.Context, in *invocation) error {
		id, err := agentIDArg(in.args[0])
		if err != nil {
			return err
		}
		var body api.UpdateAgentRequest
		if err := readBodyFile(in, "--from-file", in.opts.fromFile, &body); err != nil {
			return err
		}
		applyUpdateFlags(in, &body)
		if encoded, _ := json.Marshal(body); string(encoded) == "{}" {
			return usageErrorf("agents update needs at least one field to change (--name, --model, --system-prompt or --from-file)")
		}
		c, _, err := connect(in)
		if err != nil {
			return err
		}
		return c.UpdateAgent(ctx, id, body)
	},
}

var agentsDeleteCmd = &command{
	words:   "agents delete",
	args:    []string{"ID"},
	summary: "Delete an agent; prints nothing.",
	example: "makeagents agents delete b504aa93-0752-4bf8-887e-c2c717d525bf --team 42",
	run: func(ctx context.Context, in *invocation) error {
		id, err := agentIDArg(in.args[0])
		if err != nil {
			return err
		}
		c, _, err := connect(in)
		if err != nil {
			return err
		}
		return c.DeleteAgent(ctx, id)
	},
}

// updateFlags are the agent fields both create and update take.
func updateFlags(fs *flag.FlagSet, o *options) {
	fs.StringVar(&o.name, "name", "", "agent `NAME`")
	fs.StringVar(&o.model, "model", "", "default `MODEL`, e.g. gpt-4.1-mini")
	fs.StringVar(&o.systemPrompt, "system-prompt", "", "system prompt `TEXT`")
	fs.StringVar(&o.fromFile, "from-file", "", "read the request body from this JSON `FILE` ('-' for stdin)")
}

// createFlags adds the connection, which only create takes: Make's modify
// operation cannot change it.
func createFlags(fs *flag.FlagSet, o *options) {
	updateFlags(fs, o)
	fs.StringVar(&o.connection, "connection", "", "`ID` of the Make connection to the LLM provider (makeConnectionId)")
	fs.StringVar(&o.provider, "provider", "", "LLM provider `ID` (see 'providers list'): use its one connection instead of --connection")
}

// connect resolves the configuration and builds the client; any problem is
// a usage error raised before a request is made.
func connect(in *invocation) (*api.Client, *config, error) {
	cfg, err := resolveConfig(in)
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
// like every file flag, and anything after the object is a usage error: a
// second object or stray text means the file is not the body the user
// thinks it is. flagName names the flag in errors.
func readBodyFile(in *invocation, flagName, path string, into any) error {
	if path == "" {
		return nil
	}
	b, err := readFlagFile(flagName, path, in.stdin)
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
	return nil
}

func connectionFlag(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, usageErrorf("--connection %q is not a positive integer", s)
	}
	return id, nil
}

func applyCreateFlags(in *invocation, body *api.CreateAgentRequest) error {
	o := in.opts
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

func applyUpdateFlags(in *invocation, body *api.UpdateAgentRequest) {
	o := in.opts
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
