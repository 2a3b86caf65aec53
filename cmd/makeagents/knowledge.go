package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/makeagents/makeagents-go/api"
)

// LLM providers and knowledge contexts: the commands of the "providers" and
// "contexts" groups.

// providersListOptions are what "providers list" runs with.
type providersListOptions struct {
	*factory
}

func newProvidersListCmd(f *factory, runF func(context.Context, *providersListOptions) error) *cobra.Command {
	opts := &providersListOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the team's LLM providers (JSON array on stdout): id, provider and accountName.",
		Long: `accountName is the name of the Make connection behind the provider. Make does not
document whether a provider's id is the makeConnectionId that "agents create --connection"
takes; check the connection's id in Make.`,
		Example: "makeagents providers list --team 42 | jq -r '.[] | \"\\(.id) \\(.provider) \\(.accountName)\"'",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCommand(cmd, f, opts, runF, providersListRun)
		},
	}
	f.addGlobalFlags(cmd)
	return cmd
}

func providersListRun(ctx context.Context, opts *providersListOptions) error {
	c, _, err := opts.connect()
	if err != nil {
		return err
	}
	providers, err := c.ListLLMProviders(ctx)
	if err != nil {
		return err
	}
	return writeJSON(opts.stdout, nonNil(providers))
}

// providerOptions are what "providers get" and "providers models" run with.
type providerOptions struct {
	*factory
	providerID string
}

func newProvidersGetCmd(f *factory, runF func(context.Context, *providerOptions) error) *cobra.Command {
	opts := &providerOptions{factory: f}
	cmd := &cobra.Command{
		Use:     "get ID",
		Short:   "Show one LLM provider (JSON as Make sent it; Make documents an array).",
		Example: "makeagents providers get 1 --team 42",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.providerID = args[0]
			return runCommand(cmd, f, opts, runF, providersGetRun)
		},
	}
	f.addGlobalFlags(cmd)
	return cmd
}

func providersGetRun(ctx context.Context, opts *providerOptions) error {
	id, err := providerIDArg(opts.providerID)
	if err != nil {
		return err
	}
	c, cfg, err := opts.connect()
	if err != nil {
		return err
	}
	res, err := c.Generated().GetLLMProviderWithResponse(ctx, id, &api.GetLLMProviderParams{TeamID: cfg.teamID})
	if err != nil {
		return err
	}
	return writeRawJSON(opts.stdout, res.Body)
}

func newProvidersModelsCmd(f *factory, runF func(context.Context, *providerOptions) error) *cobra.Command {
	opts := &providerOptions{factory: f}
	cmd := &cobra.Command{
		Use:     "models ID",
		Short:   "List an LLM provider's models (JSON array): the names agents and runs take as their model.",
		Example: "makeagents providers models 1 --team 42 | jq -r '.[].model'",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.providerID = args[0]
			return runCommand(cmd, f, opts, runF, providersModelsRun)
		},
	}
	f.addGlobalFlags(cmd)
	return cmd
}

func providersModelsRun(ctx context.Context, opts *providerOptions) error {
	id, err := providerIDArg(opts.providerID)
	if err != nil {
		return err
	}
	c, _, err := opts.connect()
	if err != nil {
		return err
	}
	models, err := c.ListLLMProviderModels(ctx, id)
	if err != nil {
		return err
	}
	return writeJSON(opts.stdout, nonNil(models))
}

// contextsListOptions are what "contexts list" runs with.
type contextsListOptions struct {
	*factory
	agentID string
}

func newContextsListCmd(f *factory, runF func(context.Context, *contextsListOptions) error) *cobra.Command {
	opts := &contextsListOptions{factory: f}
	cmd := &cobra.Command{
		Use:     "list AGENT_ID",
		Short:   "List an agent's knowledge contexts (JSON array on stdout).",
		Example: "makeagents contexts list b504aa93-0752-4bf8-887e-c2c717d525bf --team 42 | jq -r '.[] | .id + \"  \" + .documentName'",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.agentID = args[0]
			return runCommand(cmd, f, opts, runF, contextsListRun)
		},
	}
	f.addGlobalFlags(cmd)
	return cmd
}

func contextsListRun(ctx context.Context, opts *contextsListOptions) error {
	agentID, err := agentIDArg(opts.agentID)
	if err != nil {
		return err
	}
	c, _, err := opts.connect()
	if err != nil {
		return err
	}
	contexts, err := c.ListContexts(ctx, agentID)
	if err != nil {
		return err
	}
	return writeJSON(opts.stdout, api.ContextList(contexts)) // an array, also when empty
}

// contextsAddOptions are what "contexts add" runs with.
type contextsAddOptions struct {
	*factory
	agentID          string
	file, text, name string
}

func newContextsAddCmd(f *factory, runF func(context.Context, *contextsAddOptions) error) *cobra.Command {
	opts := &contextsAddOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "add AGENT_ID",
		Short: "Give an agent knowledge: upload a file (--file) or add a text (--text); prints the new context.",
		Long: `--file PATH uploads the file as multipart/form-data (part "file" with the file's base
name, field "agentId"), streamed: a file of any size is not held in memory. --name N
sends it under another name. --text TEXT adds a text context named --name (optional).
A name must be at most 120 characters of letters, digits, spaces and -_.(), as Make
requires. Prints the new context (a JSON object with its id). Make answers the create
with no body, so the command lists the agent's contexts before and after it and prints
the one that appeared; if that cannot be told (the list fails, or another context of
the same name appeared at the same time) it says so on stderr and prints nothing.`,
		Example: "makeagents contexts add b504aa93-0752-4bf8-887e-c2c717d525bf --file ./pricing.pdf --team 42",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.agentID = args[0]
			return runCommand(cmd, f, opts, runF, contextsAddRun)
		},
	}
	cmd.Flags().StringVar(&opts.file, "file", "", "upload this `FILE` as a context")
	cmd.Flags().StringVar(&opts.text, "text", "", "add this `TEXT` as a context")
	cmd.Flags().StringVar(&opts.name, "name", "", "the context's `NAME` (default: the file's base name)")
	noDefaultTimeout(cmd)
	f.addGlobalFlags(cmd)
	return cmd
}

// contextsDeleteOptions are what "contexts delete" runs with.
type contextsDeleteOptions struct {
	*factory
	contextID string
}

func newContextsDeleteCmd(f *factory, runF func(context.Context, *contextsDeleteOptions) error) *cobra.Command {
	opts := &contextsDeleteOptions{factory: f}
	cmd := &cobra.Command{
		Use:     "delete CONTEXT_ID",
		Short:   "Delete a knowledge context; prints nothing.",
		Example: "makeagents contexts delete 123e4567-e89b-12d3-a456-426614174000 --team 42",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.contextID = args[0]
			return runCommand(cmd, f, opts, runF, contextsDeleteRun)
		},
	}
	f.addGlobalFlags(cmd)
	return cmd
}

func contextsDeleteRun(ctx context.Context, opts *contextsDeleteOptions) error {
	if err := api.ValidateContextID(opts.contextID); err != nil {
		return usageErrorf("%v", err)
	}
	c, _, err := opts.connect()
	if err != nil {
		return err
	}
	return c.DeleteContext(ctx, opts.contextID)
}

func contextsAddRun(ctx context.Context, o *contextsAddOptions) error {
	agentID, err := agentIDArg(o.agentID)
	if err != nil {
		return err
	}
	switch {
	case o.file != "" && o.text != "":
		return usageErrorf("contexts add takes --file or --text, not both")
	case o.file == "" && o.text == "":
		return usageErrorf("contexts add needs --file PATH or --text TEXT")
	}
	var add func(c *api.Client) error
	name := o.name
	if o.text != "" {
		body := api.CreateTextContextRequest{AgentID: agentID, Content: o.text}
		if o.name != "" {
			if err := api.ValidateContextName(o.name); err != nil {
				return usageErrorf("--name: %v", err)
			}
			body.Name = o.name
		}
		add = func(c *api.Client) error { return c.AddTextContext(ctx, body) }
	} else {
		if name == "" {
			name = filepath.Base(o.file)
		}
		if err := api.ValidateContextName(name); err != nil {
			return usageErrorf("the context's name %q: %v (rename the file or pass --name)", name, err)
		}
		f, err := openUpload(o.file)
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }()
		add = func(c *api.Client) error { return c.UploadContext(ctx, agentID, name, f) }
	}
	c, _, err := o.connect()
	if err != nil {
		return err
	}
	// Make answers the create with no body: the new context is the one
	// the list shows after it and did not before.
	before, beforeErr := c.ListContexts(ctx, agentID)
	if err := add(c); err != nil {
		return err
	}
	after, err := c.ListContexts(ctx, agentID)
	if err == nil {
		err = beforeErr
	}
	if err != nil {
		fmt.Fprintf(o.stderr, "added; listing the agent's contexts to show it failed: %s\n", errorText(err))
		return nil
	}
	added := newContexts(before, after, name)
	if len(added) != 1 {
		fmt.Fprintf(o.stderr, "added; %d new contexts named %q appeared meanwhile, so which is this one is unknown: see 'makeagents contexts list %s'\n",
			len(added), printable(name), agentID)
		return nil
	}
	return writeJSON(o.stdout, added[0])
}

// newContexts are the contexts of after that before does not have, named
// name (any name when name is "": Make names a text context itself).
func newContexts(before, after []api.AgentContext, name string) []api.AgentContext {
	var out []api.AgentContext
	for _, a := range after {
		known := slices.ContainsFunc(before, func(b api.AgentContext) bool { return b.ID == a.ID })
		if !known && (name == "" || a.DocumentName == name) {
			out = append(out, a)
		}
	}
	return out
}

// openUpload opens a file to upload: it must exist, be readable and be a
// regular file (not a directory, a device or a pipe, which could be endless).
func openUpload(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, usageErrorf("--file %s: no such file", path)
		}
		return nil, usageErrorf("--file: %v", err)
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file", path)
	}
	if err != nil {
		_ = f.Close()
		return nil, usageErrorf("--file: %v", err)
	}
	return f, nil
}

func providerIDArg(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, usageErrorf("provider id %q is not a positive integer", s)
	}
	return id, nil
}

// nonNil makes an empty list print as [] rather than null: the CLI's lists
// are JSON arrays, whatever the server sent for "none".
func nonNil[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}
