package api

import (
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// The layers below validation change the one copy of a request that the
// validation layer makes (headers, replayable body, attempt context) instead
// of copying it again. This checks that the caller's request still comes out
// untouched, whichever branch of validation made the copy.
func TestStackLeavesCallersRequestAlone(t *testing.T) {
	var sent *http.Request
	bottom := rtDoer(func(r *http.Request) (*http.Response, error) {
		sent = r
		if r.Body != nil {
			_, _ = io.Copy(io.Discard, r.Body)
			_ = r.Body.Close()
		}
		status := 200
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/agents") {
			status = 201 // a create's documented status
		}
		return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(`{}`)), Request: r}, nil
	})
	c, err := New(WithoutEnvironment(), WithToken(testToken), WithTeamID(7), WithHTTPClient(bottom))
	if err != nil {
		t.Fatal(err)
	}
	doer := c.ClientInterface.(*Client).Client
	base := "https://eu1.make.com/api/v2"
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/ai-agents/v1/agents/" + testAgent, ""},
		{"POST", "/ai-agents/v1/agents", `{"name":"n","makeConnectionId":1,"defaultModel":"m","systemPrompt":"s"}`},
		{"POST", "/ai-agents/v1/agents/" + testAgent + "/run", `{"messages":[{"role":"user","content":"hi"}],"config":{}}`},
		{"GET", "/ai-agents/v1/contexts?agentId=" + testAgent, ""},
		{"GET", "/ai-agents/v1/llm-providers/3", ""},
	} {
		var body io.Reader
		if tc.body != "" {
			body = strings.NewReader(tc.body)
		}
		req, err := http.NewRequest(tc.method, base+tc.path, body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Caller", "mine")
		header, url := req.Header.Clone(), req.URL.String()
		resp, err := doer.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.method, tc.path, err)
		}
		_ = resp.Body.Close()
		if sent == req {
			t.Errorf("%s %s: the caller's request itself was sent", tc.method, tc.path)
		}
		if got := sent.Header.Get("Authorization"); got != "Token "+testToken {
			t.Errorf("%s %s: sent Authorization %q", tc.method, tc.path, got)
		}
		if !strings.Contains(sent.URL.RawQuery, "teamId=7") {
			t.Errorf("%s %s: sent query %q, want the default team", tc.method, tc.path, sent.URL.RawQuery)
		}
		if !reflect.DeepEqual(req.Header, header) || req.URL.String() != url {
			t.Errorf("%s %s: the caller's request changed: header %v, url %s", tc.method, tc.path, req.Header, req.URL)
		}
	}
}
