package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/makeagents/makeagents-go/api"
)

// LLM providers and knowledge contexts: the commands of the "providers" and
// "contexts" groups.

var providersListCmd = &command{
	words:   "providers list",
	summary: "List the team's LLM providers (JSON array on stdout): id, provider and accountName.",
	detail: `accountName is the name of the Make connection behind the provider. Make does not
document whether a provider's id is the makeConnectionId that "agents create --connection"
takes; check the connection's id in Make.`,
	example: "makeagents providers list --team 42 | jq -r '.[] | \"\\(.id) \\(.provider) \\(.accountName)\"'",
	run: func(ctx context.Context, in *invocation) error {
		c, _, err := connect(in)
		if err != nil {
			return err
		}
		providers, err := c.ListLLMProviders(ctx)
		if err != nil {
			return err
		}
		return writeJSON(in.stdout, nonNil(providers))
	},
}

var providersGetCmd = &command{
	words:   "providers get",
	args:    []string{"ID"},
	summary: "Show one LLM provider (JSON as Make sent it; Make documents an array).",
	example: "makeagents providers get 1 --team 42",
	run: func(ctx context.Context, in *invocation) error {
		id, err := providerIDArg(in.args[0])
		if err != nil {
			return err
		}
		c, cfg, err := connect(in)
		if err != nil {
			return err
		}
		res, err := c.Generated().GetLLMProviderWithResponse(ctx, id, &api.GetLLMProviderParams{TeamID: cfg.teamID})
		if err != nil {
			return err
		}
		return writeRawJSON(in.stdout, res.Body)
	},
}

var providersModelsCmd = &command{
	words:   "providers models",
	args:    []string{"ID"},
	summary: "List an LLM provider's models (JSON array): the names agents and runs take as their model.",
	example: "makeagents providers models 1 --team 42 | jq -r '.[].model'",
	run: func(ctx context.Context, in *invocation) error {
		id, err := providerIDArg(in.args[0])
		if err != nil {
			return err
		}
		c, _, err := connect(in)
		if err != nil {
			return err
		}
		models, err := c.ListLLMProviderModels(ctx, id)
		if err != nil {
			return err
		}
		return writeJSON(in.stdout, nonNil(models))
	},
}

var contextsListCmd = &command{
	words:   "contexts list",
	args:    []string{"AGENT_ID"},
	summary: "List an agent's knowledge contexts (JSON array on stdout).",
	example: "makeagents contexts list b504aa93-0752-4bf8-887e-c2c717d525bf --team 42 | jq -r '.[] | .id + \"  \" + .documentName'",
	run: func(ctx context.Context, in *invocation) error {
		agentID, err := agentIDArg(in.args[0])
		if err != nil {
			return err
		}
		c, _, err := connect(in)
		if err != nil {
			return err
		}
		contexts, err := c.ListContexts(ctx, agentID)
		if err != nil {
			return err
		}
		return writeJSON(in.stdout, api.ContextList(contexts)) // an array, also when empty
	},
}

var contextsAddCmd = &command{
	words:   "contexts add",
	args:    []string{"AGENT_ID"},
	summary: "Give an agent knowledge: upload a file (--file) or add a text (--text); prints nothing.",
	detail: `--file PATH uploads the file as multipart/form-data (part "file" with the file's base
name, field "agentId"), streamed: a file of any size is not held in memory. --name N
sends it under another name. --text TEXT adds a text context named --name (optional).
A name must be at most 120 characters of letters, digits, spaces and -_.(), as Make
requires. Make answers with no body: "contexts list" shows the new context.`,
	example: "makeagents contexts add b504aa93-0752-4bf8-887e-c2c717d525bf --file ./pricing.pdf --team 42",
	flags: func(fs *flag.FlagSet, o *options) {
		fs.StringVar(&o.file, "file", "", "upload this `FILE` as a context")
		fs.StringVar(&o.text, "text", "", "add this `TEXT` as a context")
		fs.StringVar(&o.name, "name", "", "the context's `NAME` (default: the file's base name)")
	},
	run: runContextsAdd,
}

var contextsDeleteCmd = &command{
	words:   "contexts delete",
	args:    []string{"CONTEXT_ID"},
	summary: "Delete a knowledge context; prints nothing.",
	example: "makeagents contexts delete 123e4567-e89b-12d3-a456-426614174000 --team 42",
	run: func(ctx context.Context, in *invocation) error {
		if err := api.ValidateContextID(in.args[0]); err != nil {
			return usageErrorf("%v", err)
		}
		c, _, err := connect(in)
		if err != nil {
			return err
		}
		return c.DeleteContext(ctx, in.args[0])
	},
}

func runContextsAdd(ctx context.Context, in *invocation) error {
	agentID, err := agentIDArg(in.args[0])
	if err != nil {
		return err
	}
	o := in.opts
	switch {
	case o.file != "" && o.text != "":
		return usageErrorf("contexts add takes --file or --text, not both")
	case o.file == "" && o.text == "":
		return usageErrorf("contexts add needs --file PATH or --text TEXT")
	}
	if o.text != "" {
		body := api.CreateTextContextRequest{AgentID: agentID, Content: o.text}
		if o.name != "" {
			if err := api.ValidateContextName(o.name); err != nil {
				return usageErrorf("--name: %v", err)
			}
			body.Name = o.name
		}
		c, _, err := connect(in)
		if err != nil {
			return err
		}
		return c.AddTextContext(ctx, body)
	}
	name := o.name
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
	c, _, err := connect(in)
	if err != nil {
		return err
	}
	return c.UploadContext(ctx, agentID, name, f)
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
