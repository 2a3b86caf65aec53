package makeagentstest_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
)

// TestMain fails the package if any goroutine outlives the tests: every
// server's Close must leave nothing behind, streams included.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const team = int64(1)

// newClient returns the generated client pointed at s, sending s's token,
// without the SDK's pipeline: the fake's own checks are under test.
// Its idle connections are closed when the test ends so that goleak sees no
// client-side goroutines either.
func newClient(t *testing.T, s *makeagentstest.Server) *api.ClientWithResponses {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	return api.NewUnvalidatedClient(s.URL(), hc, auth(s.Token()))
}

func auth(token string) api.RequestEditorFn {
	return func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Token "+token)
		return nil
	}
}

// createAgent creates an agent through the API and returns its id.
func createAgent(t *testing.T, c *api.ClientWithResponses, name, prompt string) string {
	t.Helper()
	res, err := c.CreateAgentWithResponse(context.Background(), &api.CreateAgentParams{TeamID: team}, api.CreateAgentRequest{
		Name: name, TeamID: team, MakeConnectionID: 1001, DefaultModel: "gpt-4.1-mini", SystemPrompt: prompt,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode() != http.StatusCreated || res.JSON201 == nil {
		t.Fatalf("create: status %d, body %s", res.StatusCode(), res.Body)
	}
	return res.JSON201.ID
}

// event is one Server-Sent Event as read raw from the wire. The sse package
// is not used on purpose: these tests check the bytes the fake sends.
type event struct {
	Type, ID, Data string
}

// streamRequest POSTs a run/stream request and returns the response, whose
// body the caller reads and closes.
func streamRequest(ctx context.Context, t *testing.T, s *makeagentstest.Server, agentID, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		s.URL()+"/ai-agents/v1/agents/"+agentID+"/run/stream?teamId=1", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Token "+s.Token())
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	hc := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

const runBody = `{"messages":[{"role":"user","content":"What is the weather in Prague?"}],"config":{}}`

// nextEvent reads one event (up to its blank line). On a body that ends
// without one it returns the partial bytes read and the read error
// (io.EOF for a cleanly ended body).
func nextEvent(br *bufio.Reader) (event, []byte, error) {
	var ev event
	var raw []byte
	for {
		line, err := br.ReadBytes('\n')
		raw = append(raw, line...)
		if err != nil {
			return ev, raw, err
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		if len(line) == 0 {
			return ev, raw, nil
		}
		name, value, _ := strings.Cut(string(line), ":")
		value = strings.TrimPrefix(value, " ")
		switch name {
		case "event":
			ev.Type = value
		case "id":
			ev.ID = value
		case "data":
			ev.Data = value
		}
	}
}

// readAll reads every complete event until the body ends, returning the
// bytes of an incomplete last event and the error that ended the body
// (nil for a clean end).
func readAll(r io.Reader) ([]event, []byte, error) {
	br := bufio.NewReader(r)
	var out []event
	for {
		ev, raw, err := nextEvent(br)
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = nil
				// Make ends its last event without the blank line: an event
				// whose lines are all complete is still an event.
				if len(raw) > 0 && raw[len(raw)-1] == '\n' {
					out, raw = append(out, ev), nil
				}
			}
			return out, raw, err
		}
		out = append(out, ev)
	}
}

func decodeStep(t *testing.T, data string) api.Step {
	t.Helper()
	var st api.Step
	if err := json.Unmarshal([]byte(data), &st); err != nil {
		t.Fatalf("step data %q: %v", data, err)
	}
	return st
}

// errorBody decodes Make's error shape from a response body.
func errorBody(t *testing.T, body []byte) api.Error {
	t.Helper()
	var e api.Error
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	if e.Message == "" || e.Code == "" {
		t.Fatalf("error body %s lacks message or code", body)
	}
	return e
}
