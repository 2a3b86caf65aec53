package agentfile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/makeagents/makeagents-go/api"
)

// Step is one write Apply makes.
type Step struct {
	Agent   string `json:"agent"`
	AgentID string `json:"agentId,omitempty"`
	// Op is what the step does: "create agent", "update agent",
	// "set invocationConfig", "add context", "delete context",
	// "delete agent".
	Op string `json:"op"`
	// Target is the step's object: the fields updated, a context's name.
	Target string `json:"target,omitempty"`

	run func(ctx context.Context, st *applyState) error
}

func (s Step) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %q", s.Op, s.Agent)
	if s.Target != "" {
		fmt.Fprintf(&b, ": %s", s.Target)
	}
	if s.AgentID != "" {
		fmt.Fprintf(&b, " (%s)", s.AgentID)
	}
	return b.String()
}

// Result is what Apply did: every step done, the one that failed (nil when
// none did), and the steps not done. Running the plan again (Plan, then
// Apply) takes up where it stopped.
type Result struct {
	Done    []Step `json:"done"`
	Failed  *Step  `json:"failed,omitempty"`
	NotDone []Step `json:"notDone"`
}

// ApplyOptions adjust Apply.
type ApplyOptions struct {
	// OnStep, when set, is called after each step that succeeds.
	OnStep func(Step)
	// AllowReplace lets Apply replace agents (delete, then create again)
	// whose connection changed. Without it a plan with a replace is
	// refused before any write: the agent's id, threads and contexts
	// would be lost.
	AllowReplace bool
}

// ErrReplaceNotAllowed: the plan replaces an agent and
// ApplyOptions.AllowReplace is not set.
var ErrReplaceNotAllowed = errors.New("the plan replaces an agent, which deletes it and creates it again (new id, no threads); allow replacing to do it")

type applyState struct {
	c    *api.Client
	opts []api.CallOption
	ids  map[string]string // agent name -> id, for the agents created
}

// Apply does what the plan says, one write at a time, in the plan's order:
// for each agent its create, update or replace, then its contexts (added
// before the replaced ones are deleted, so an agent is never without its
// knowledge), then the deletions of agents not in the file. It stops at the
// first failure and returns the Result (never nil) with an error naming
// the step. Plan and Apply again converge: every step is found again by
// name, so nothing done is done twice.
func Apply(ctx context.Context, c *api.Client, cs *Changeset, opts ApplyOptions) (*Result, error) {
	res := &Result{Done: []Step{}, NotDone: []Step{}}
	if cs == nil {
		return res, errors.New("agentfile: no plan")
	}
	var steps []Step
	for i := range cs.Agents {
		ch := &cs.Agents[i]
		if ch.Action == Replace && !opts.AllowReplace {
			return res, fmt.Errorf("agent %q: %w (%s)", ch.Agent, ErrReplaceNotAllowed, ch.Reason)
		}
		steps = append(steps, stepsFor(ch)...)
	}
	// Deleting agents comes last: a failure before it leaves the team
	// with more agents, never fewer.
	slices.SortStableFunc(steps, func(a, b Step) int {
		return btoi(a.Op == "delete agent" && !isReplaceDelete(a)) - btoi(b.Op == "delete agent" && !isReplaceDelete(b))
	})
	st := &applyState{c: c, opts: cs.callOpts, ids: map[string]string{}}
	for i, s := range steps {
		if err := ctx.Err(); err != nil {
			res.NotDone = append(res.NotDone, steps[i:]...)
			return res, err
		}
		if s.AgentID == "" {
			s.AgentID = st.ids[s.Agent]
		}
		if err := s.run(ctx, st); err != nil {
			if s.AgentID == "" {
				s.AgentID = st.ids[s.Agent]
			}
			res.Failed = &s
			res.NotDone = append(res.NotDone, steps[i+1:]...)
			return res, fmt.Errorf("%s: %w", s, err)
		}
		if s.AgentID == "" {
			s.AgentID = st.ids[s.Agent]
		}
		res.Done = append(res.Done, s)
		if opts.OnStep != nil {
			opts.OnStep(s)
		}
	}
	return res, nil
}

func isReplaceDelete(s Step) bool { return s.Target == "to replace it" }

func stepsFor(ch *AgentChange) []Step {
	name := ch.Agent
	var steps []Step
	idOf := func(st *applyState) string {
		if id := st.ids[name]; id != "" {
			return id
		}
		return ch.AgentID
	}
	switch ch.Action {
	case Delete:
		id := ch.AgentID
		return []Step{{Agent: name, AgentID: id, Op: "delete agent", run: func(ctx context.Context, st *applyState) error {
			return st.c.DeleteAgent(ctx, id, st.opts...)
		}}}
	case Replace:
		id := ch.AgentID
		// Delete first: creating first would leave two agents of one name
		// if the delete then failed, which the next plan refuses.
		steps = append(steps, Step{Agent: name, AgentID: id, Op: "delete agent", Target: "to replace it", run: func(ctx context.Context, st *applyState) error {
			return st.c.DeleteAgent(ctx, id, st.opts...)
		}})
		fallthrough
	case Create:
		body := ch.create
		steps = append(steps, Step{Agent: name, Op: "create agent", run: func(ctx context.Context, st *applyState) error {
			var req api.CreateAgentRequest
			if err := viaJSON(body, &req); err != nil {
				return err
			}
			created, err := st.c.CreateAgent(ctx, req, st.opts...)
			if err != nil {
				return err
			}
			st.ids[name] = created.ID
			return nil
		}})
		if ch.extra != nil {
			extra := ch.extra
			steps = append(steps, Step{Agent: name, Op: "update agent", Target: strings.Join(sortedKeys(extra), ", "), run: func(ctx context.Context, st *applyState) error {
				return update(ctx, st, idOf(st), extra)
			}})
		}
	case Update:
		if len(ch.update) > 0 {
			body := ch.update
			steps = append(steps, Step{Agent: name, AgentID: ch.AgentID, Op: "update agent", Target: strings.Join(fieldNames(ch.Fields), ", "), run: func(ctx context.Context, st *applyState) error {
				return update(ctx, st, idOf(st), body)
			}})
		}
	default:
		return nil
	}
	var adds, deletes []Step
	for _, k := range ch.Knowledge {
		switch k.Action {
		case AddContext:
			adds = append(adds, Step{Agent: name, AgentID: ch.AgentID, Op: "add context", Target: k.DocumentName, run: func(ctx context.Context, st *applyState) error {
				id := idOf(st)
				if k.file {
					return st.c.UploadContext(ctx, id, k.DocumentName, bytes.NewReader(k.content), st.opts...)
				}
				return st.c.AddTextContext(ctx, api.CreateTextContextRequest{AgentID: id, Content: string(k.content), Name: k.DocumentName}, st.opts...)
			}})
		case DeleteContext:
			contextID := k.ContextID
			deletes = append(deletes, Step{Agent: name, AgentID: ch.AgentID, Op: "delete context", Target: k.DocumentName, run: func(ctx context.Context, st *applyState) error {
				return st.c.DeleteContext(ctx, contextID, st.opts...)
			}})
		}
	}
	return append(append(steps, adds...), deletes...)
}

func fieldNames(fields []FieldChange) []string {
	var out []string
	for _, f := range fields {
		name, _, _ := strings.Cut(f.Field, ".")
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

func update(ctx context.Context, st *applyState, id string, body map[string]any) error {
	var req api.UpdateAgentRequest
	if err := viaJSON(body, &req); err != nil {
		return err
	}
	return st.c.UpdateAgent(ctx, id, req, st.opts...)
}

// viaJSON builds a typed request from a body in Make's field names, so
// the plan depends on Make's names only, not on the Go types' shapes.
func viaJSON(body map[string]any, into any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encoding the request: %w", err)
	}
	if err := json.Unmarshal(b, into); err != nil {
		return fmt.Errorf("building the request: %w", err)
	}
	return nil
}
