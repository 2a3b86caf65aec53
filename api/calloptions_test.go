package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// clientMethods calls every method of Client that sends a request, with the
// given call options, against the answers of callOptionServer. The test
// below checks the list against Client's method set, so a new method
// cannot miss the walk.
var clientMethods = map[string]func(ctx context.Context, c *Client, opts ...CallOption) error{
	"ListAgents": func(ctx context.Context, c *Client, o ...CallOption) error {
		_, err := c.ListAgents(ctx, o...)
		return err
	},
	"GetAgent": func(ctx context.Context, c *Client, o ...CallOption) error {
		_, err := c.GetAgent(ctx, testAgent, o...)
		return err
	},
	"CreateAgent": func(ctx context.Context, c *Client, o ...CallOption) error {
		_, err := c.CreateAgent(ctx, CreateAgentRequest{Name: "a", MakeConnectionID: 1, DefaultModel: "m", SystemPrompt: "p"}, o...)
		return err
	},
	"UpdateAgent": func(ctx context.Context, c *Client, o ...CallOption) error {
		return c.UpdateAgent(ctx, testAgent, UpdateAgentRequest{Name: new("b")}, o...)
	},
	"DeleteAgent": func(ctx context.Context, c *Client, o ...CallOption) error {
		return c.DeleteAgent(ctx, testAgent, o...)
	},
	"RunAgent": func(ctx context.Context, c *Client, o ...CallOption) error {
		_, err := c.RunAgent(ctx, testAgent, runBody(), o...)
		return err
	},
	"StartRunStream": func(ctx context.Context, c *Client, o ...CallOption) error {
		resp, err := c.StartRunStream(ctx, testAgent, runBody(), o...)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		return errors.Join(err, resp.Body.Close())
	},
	"ListContexts": func(ctx context.Context, c *Client, o ...CallOption) error {
		_, err := c.ListContexts(ctx, testAgent, o...)
		return err
	},
	"AddTextContext": func(ctx context.Context, c *Client, o ...CallOption) error {
		return c.AddTextContext(ctx, CreateTextContextRequest{AgentID: testAgent, Name: "n", Content: "c"}, o...)
	},
	"UploadContext": func(ctx context.Context, c *Client, o ...CallOption) error {
		return c.UploadContext(ctx, testAgent, "notes.txt", strings.NewReader("hello"), o...)
	},
	"DeleteContext": func(ctx context.Context, c *Client, o ...CallOption) error {
		return c.DeleteContext(ctx, testAgent, o...)
	},
	"ListLLMProviders": func(ctx context.Context, c *Client, o ...CallOption) error {
		_, err := c.ListLLMProviders(ctx, o...)
		return err
	},
	"GetLLMProvider": func(ctx context.Context, c *Client, o ...CallOption) error {
		_, err := c.GetLLMProvider(ctx, 1, o...)
		return err
	},
	"ListLLMProviderModels": func(ctx context.Context, c *Client, o ...CallOption) error {
		_, err := c.ListLLMProviderModels(ctx, 1, o...)
		return err
	},
	"ListConnections": func(ctx context.Context, c *Client, o ...CallOption) error {
		_, err := c.ListConnections(ctx, []string{"openai-gpt-3"}, o...)
		return err
	},
	"ProviderConnections": func(ctx context.Context, c *Client, o ...CallOption) error {
		_, err := c.ProviderConnections(ctx, LLMProvider{ID: 1, Provider: LLMProviderTypeOpenAi, AccountName: "openai-gpt-3"}, o...)
		return err
	},
	"ListScenarios": func(ctx context.Context, c *Client, o ...CallOption) error {
		_, err := c.ListScenarios(ctx, ScenarioQuery{Type: ScenarioTypeTool}, o...)
		return err
	},
	"Scenarios": func(ctx context.Context, c *Client, o ...CallOption) error {
		for _, err := range c.Scenarios(ctx, ScenarioQuery{}, o...) {
			if err != nil {
				return err
			}
		}
		return nil
	},
	"CurrentAuthorization": func(ctx context.Context, c *Client, o ...CallOption) error {
		_, err := c.CurrentAuthorization(ctx, o...)
		return err
	},
}

// notSending are Client's exported methods that send nothing themselves.
var notSending = []string{"Generated", "String"}

// callOptionServer answers every operation with a minimal valid success
// and records what each request carried.
type callOptionServer struct {
	mu   sync.Mutex
	seen []*http.Request
}

func (s *callOptionServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	s.mu.Lock()
	s.seen = append(s.seen, r.Clone(context.Background()))
	s.mu.Unlock()
	p := strings.TrimPrefix(r.URL.Path, "/api/v2")
	switch {
	case r.Method == http.MethodPatch || r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	case p == "/ai-agents/v1/agents" && r.Method == http.MethodPost:
		writeJSON(w, 201, `{"agentId":"`+testAgent+`","name":"a","teamId":42,"makeConnectionId":1,"defaultModel":"m","systemPrompt":"p"}`)
	case p == "/ai-agents/v1/agents":
		writeJSON(w, 200, `[]`)
	case strings.HasSuffix(p, "/run/stream"):
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "event:step\ndata:{\"role\":\"assistant\",\"content\":\"hi\"}\n\n")
	case strings.HasSuffix(p, "/run"):
		writeJSON(w, 200, `{"response":"hi","executionSteps":[],"threadId":"t","tokenUsageSummary":{}}`)
	case strings.HasPrefix(p, "/ai-agents/v1/agents/"):
		writeJSON(w, 200, `{"id":"`+testAgent+`","name":"a"}`)
	case p == "/ai-agents/v1/contexts" && r.Method == http.MethodPost:
		w.WriteHeader(http.StatusCreated)
	case p == "/ai-agents/v1/contexts":
		writeJSON(w, 200, `[]`)
	case p == "/ai-agents/v1/llm-providers":
		writeJSON(w, 200, `[{"id":1,"provider":"openAi","accountName":"openai-gpt-3"}]`)
	case strings.HasSuffix(p, "/models"):
		writeJSON(w, 200, `[]`)
	case strings.HasPrefix(p, "/ai-agents/v1/llm-providers/"):
		writeJSON(w, 200, `[{"id":1,"provider":"openAi"}]`)
	case p == "/connections":
		writeJSON(w, 200, `{"connections":[]}`)
	case p == "/scenarios":
		writeJSON(w, 200, `{"scenarios":[],"pg":{"limit":10,"offset":0}}`)
	case p == "/users/me/current-authorization":
		writeJSON(w, 200, `{"authorization":{"scope":["ai-agents:read"]}}`)
	default:
		http.NotFound(w, r)
	}
}

func (s *callOptionServer) take() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.seen
	s.seen = nil
	return out
}

// TestClientMethodsCoverClient: clientMethods names every method of Client
// that sends (the walk below covers them all).
func TestClientMethodsCoverClient(t *testing.T) {
	typ := reflect.TypeFor[*Client]()
	for i := range typ.NumMethod() {
		name := typ.Method(i).Name
		if _, ok := clientMethods[name]; !ok && !slices.Contains(notSending, name) {
			t.Errorf("Client.%s is not walked by TestEveryCallOptionOnEveryMethod (add it to clientMethods)", name)
		}
	}
}

// TestEveryCallOptionOnEveryMethod: each call option does what it says on
// every Client method, or is refused where it cannot apply (ForTeam on the
// token's own authorization), with nothing sent.
func TestEveryCallOptionOnEveryMethod(t *testing.T) {
	srv := &callOptionServer{}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	// The deadline a request carries is its call's (CallTimeout): an editor
	// reads it from the request's context, so no clock is raced.
	var deadlineMu sync.Mutex
	var deadlines []bool
	editor := WithRequestEditorFn(func(ctx context.Context, r *http.Request) error {
		_, ok := r.Context().Deadline()
		deadlineMu.Lock()
		deadlines = append(deadlines, ok)
		deadlineMu.Unlock()
		return nil
	})
	c, _, _ := newTestClient(t, hs, editor)
	takeDeadlines := func() []bool {
		deadlineMu.Lock()
		defer deadlineMu.Unlock()
		out := deadlines
		deadlines = nil
		return out
	}
	ctx := context.Background()
	for name, call := range clientMethods {
		t.Run(name, func(t *testing.T) {
			// No option: the baseline works, sends the default team and no
			// deadline.
			srv.take()
			takeDeadlines()
			if err := call(ctx, c); err != nil {
				t.Fatalf("without options: %v", err)
			}
			base := srv.take()
			if len(base) == 0 {
				t.Fatal("nothing was sent")
			}
			if slices.Contains(takeDeadlines(), true) {
				t.Error("a request without CallTimeout has a deadline")
			}

			// ForTeam.
			err := call(ctx, c, ForTeam(99))
			sent := srv.take()
			if name == "CurrentAuthorization" {
				if !IsValidationError(err) || !strings.Contains(err.Error(), "takes no team") || len(sent) != 0 {
					t.Errorf("ForTeam on a teamless operation: err %v, %d request(s) sent; want a ValidationError and none", err, len(sent))
				}
			} else {
				if err != nil {
					t.Fatalf("ForTeam: %v", err)
				}
				for _, r := range sent {
					if got := r.URL.Query().Get("teamId"); got != "99" {
						t.Errorf("ForTeam(99): %s %s sent teamId=%q", r.Method, r.URL.Path, got)
					}
				}
			}

			// CallHeader.
			if err := call(ctx, c, CallHeader("X-Probe", "v1")); err != nil {
				t.Fatalf("CallHeader: %v", err)
			}
			for _, r := range srv.take() {
				if got := r.Header.Get("X-Probe"); got != "v1" {
					t.Errorf("CallHeader: %s %s sent X-Probe %q", r.Method, r.URL.Path, got)
				}
			}

			// CallTimeout: every request of the call has its deadline.
			takeDeadlines()
			if err := call(ctx, c, CallTimeout(time.Hour)); err != nil {
				t.Fatalf("CallTimeout: %v", err)
			}
			srv.take()
			if d := takeDeadlines(); len(d) == 0 || slices.Contains(d, false) {
				t.Errorf("CallTimeout: deadlines per request %v, want all true", d)
			}

			// CallResponseInto: the call's HTTP response, its body readable.
			var resp *http.Response
			if err := call(ctx, c, CallResponseInto(&resp)); err != nil {
				t.Fatalf("CallResponseInto: %v", err)
			}
			srv.take()
			if resp == nil {
				t.Fatal("CallResponseInto left the response nil")
			}
			if resp.StatusCode < 200 || resp.StatusCode > 299 || resp.Request == nil {
				t.Errorf("CallResponseInto: status %d, request %v", resp.StatusCode, resp.Request)
			}
			if _, err := io.ReadAll(resp.Body); err != nil && name != "StartRunStream" {
				t.Errorf("CallResponseInto: reading the kept body: %v", err)
			}
		})
	}
}
