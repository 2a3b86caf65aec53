// Package conversation keeps one thread with one agent: each Send or Stream
// continues the thread of the turns before it, so the agent sees the
// conversation so far (Make keeps the history; a run only names its thread).
//
//	conv := conversation.New(client, agentID, conversation.WithTeamID(42))
//	res, err := conv.Send(ctx, "Book a table for two")      // starts a thread
//	res, err = conv.Send(ctx, "Make it eight o'clock")       // continues it
//	fmt.Println(conv.ThreadID())                             // store it to resume later
//
// A Conversation is for one goroutine at a time: it has no lock, and two
// turns sent at once would race for the thread id. Use one Conversation per
// user or session, and WithThread to resume a stored thread.
package conversation

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/sse"
)

// Client is what a Conversation needs of the API: a run and a streamed run.
// *api.Client (api.New) has both.
type Client interface {
	RunAgent(ctx context.Context, agentID string, body api.RunAgentRequest, opts ...api.CallOption) (*api.RunAgentResult, error)
	sse.RunStarter
}

// Conversation is one thread with one agent.
type Conversation struct {
	client   Client
	agentID  string
	teamID   int64
	threadID string
	config   api.RunConfig
	sseOpts  []sse.Option
}

// Option configures a Conversation.
type Option func(*Conversation)

// WithThread continues an existing thread instead of starting a new one.
func WithThread(threadID string) Option { return func(c *Conversation) { c.threadID = threadID } }

// WithTeamID sets the team of every turn (0: the client's default team).
func WithTeamID(teamID int64) Option { return func(c *Conversation) { c.teamID = teamID } }

// WithConfig sets the run configuration sent with every turn (an output
// parser, model, extra system prompt, ...).
func WithConfig(cfg api.RunConfig) Option { return func(c *Conversation) { c.config = cfg } }

// WithStreamOptions sets the sse options of every streamed turn.
func WithStreamOptions(opts ...sse.Option) Option {
	return func(c *Conversation) { c.sseOpts = append(c.sseOpts, opts...) }
}

// New returns a conversation with agentID through c. Nothing is sent until
// the first Send or Stream.
func New(c Client, agentID string, opts ...Option) *Conversation {
	conv := &Conversation{client: c, agentID: agentID}
	for _, o := range opts {
		o(conv)
	}
	return conv
}

// ThreadID returns the conversation's thread, "" before the first turn
// that started one.
func (c *Conversation) ThreadID() string { return c.threadID }

func (c *Conversation) body(message string) api.RunAgentRequest {
	// An empty threadID is left out of the body: the first turn starts a
	// thread.
	return api.RunAgentRequest{Messages: []api.Message{{Role: api.MessageRoleUser, Content: message}}, Config: c.config, ThreadID: c.threadID}
}

// callOpts are the options of every turn's call: its team, if one was set.
func (c *Conversation) callOpts() []api.CallOption {
	if c.teamID != 0 {
		return []api.CallOption{api.ForTeam(c.teamID)}
	}
	return nil
}

// Send runs the agent on message in the conversation's thread and returns
// Make's answer. The first Send learns the thread from the answer.
func (c *Conversation) Send(ctx context.Context, message string) (*api.RunAgentResult, error) {
	res, err := c.client.RunAgent(ctx, c.agentID, c.body(message), c.callOpts()...)
	if err != nil {
		return nil, err
	}
	if res == nil { // a Client that is not api.New's may return no error without a result
		return nil, errors.New("conversation: the run answered without a result")
	}
	if res.ThreadID != "" {
		c.threadID = res.ThreadID
	}
	return res, nil
}

// Stream runs the agent on message in the conversation's thread and returns
// its event stream; Close it when done. Make's stream does not say which
// thread a run used, so a conversation that starts with Stream names its
// thread itself: a new random UUID, sent as threadId.
func (c *Conversation) Stream(ctx context.Context, message string) (*sse.Stream, error) {
	started := c.threadID == ""
	if started {
		c.threadID = NewThreadID()
	}
	opts := append([]sse.Option{sse.WithCallOptions(c.callOpts()...)}, c.sseOpts...)
	s, err := sse.Run(ctx, c.client, c.agentID, c.body(message), opts...)
	if err != nil && started {
		c.threadID = "" // no turn was taken: the next one starts afresh
	}
	return s, err
}

// NewThreadID returns a new random thread id: a version 4 UUID, the form of
// Make's own thread ids. Make lets a client name a thread: its Help Center
// (https://help.make.com/make-ai-agents-app, "Thread ID") suggests mapping a
// user id or a first message's timestamp to it, and a run with a new id
// starts that thread.
func NewThreadID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
