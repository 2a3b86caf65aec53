package makeagentstest_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
)

// FuzzRequest drives the fake's request handling, over a raw TCP
// connection, with random methods, paths, Prefer values, content types,
// one more header of any name and value, and bodies. Whatever arrives, the
// fake answers with a status (a Make-shaped JSON body for an error of its
// own), never hangs, never drops the connection unless asked to
// (stream=drop), and allocates less than maxRequestAlloc for the request.
// The seed corpus is in testdata/fuzz/FuzzRequest.
func FuzzRequest(f *testing.F) {
	for _, seed := range []struct {
		method, path       uint8
		prefer, ctype, hdr string
		body               []byte
	}{
		{0, 0, "", "", "", nil},
		{1, 0, "", "application/json", "", []byte(`{"name":"a","teamId":1,"makeConnectionId":1001,"defaultModel":"gpt-4.1-mini","systemPrompt":"p"}`)},
		{1, 3, "stream=cut-after-1, stream=malformed-after-0", "application/json", "Accept: text/event-stream", []byte(runBody)},
		{1, 3, "stream=oversize-after-0, size=67108864", "application/json", "", []byte(runBody)},
		{1, 3, strings.Repeat("stream=oversize-after-0,", 60), "application/json", "", []byte(runBody)},
		{1, 2, "code=429, retry-after=99999999999", "application/json", "", []byte(runBody)},
		{0, 0, `scopes="ai-agents:read"`, "", "Authorization: Bearer x", nil},
		{1, 4, "", "multipart/form-data; boundary=b", "", []byte("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../x\"\r\n\r\nhi\r\n--b--\r\n")},
		{3, 1, "size=1", "application/json", "X-Forwarded-For: 10.0.0.1", []byte(`{"name":null}`)},
		{4, 9, "code=abc", "text/plain", "Prefer: stream=drop-after-0", []byte{0xff, 0xfe, 0}},
	} {
		f.Add(seed.method, seed.path, seed.prefer, seed.ctype, seed.hdr, seed.body)
	}
	s, err := makeagentstest.Start(makeagentstest.WithLimits(makeagentstest.Limits{
		// A fuzzed body may be framed wrongly on purpose; do not wait minutes.
		ReadTimeout: 2 * time.Second, ReadHeaderTimeout: 2 * time.Second,
	}))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(s.Close)
	agent := s.AddAgent(team, api.Agent{Name: "fuzz", SystemPrompt: "p", DefaultModel: "gpt-4.1-mini"})
	u, err := url.Parse(s.URL())
	if err != nil {
		f.Fatal(err)
	}
	methods := []string{"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"}
	paths := []string{
		"/ai-agents/v1/agents?teamId=1",
		"/ai-agents/v1/agents/" + agent.ID + "?teamId=1",
		"/ai-agents/v1/agents/" + agent.ID + "/run?teamId=1",
		"/ai-agents/v1/agents/" + agent.ID + "/run/stream?teamId=1",
		"/ai-agents/v1/contexts?teamId=1",
		"/ai-agents/v1/contexts?teamId=1&agentId=" + agent.ID,
		"/ai-agents/v1/llm-providers",
		"/ai-agents/v1/llm-providers/1/models",
		"/users/me/current-authorization",
		"/ai-agents/v1/agents/%2e%2e/run?teamId=-1",
	}
	oneLine := strings.NewReplacer("\r", "", "\n", "")
	f.Fuzz(func(t *testing.T, method, path uint8, prefer, ctype, hdr string, body []byte) {
		prefer, ctype, hdr = oneLine.Replace(prefer), oneLine.Replace(ctype), oneLine.Replace(hdr)
		name, _, _ := strings.Cut(hdr, ":")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "content-length", "transfer-encoding", "connection", "expect", "host", "upgrade":
			t.Skip("framing headers are the test's to set")
		}
		if strings.Contains(strings.ToLower(prefer+hdr), "stall") {
			t.Skip("a stalled stream waits for its client by design")
		}
		m := methods[int(method)%len(methods)]
		conn, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		req := fmt.Sprintf("%s %s%s HTTP/1.1\r\nHost: fuzz\r\nAuthorization: Token %s\r\nConnection: close\r\nContent-Length: %d\r\n",
			m, u.Path, paths[int(path)%len(paths)], s.Token(), len(body))
		if prefer != "" {
			req += "Prefer: " + prefer + "\r\n"
		}
		if ctype != "" {
			req += "Content-Type: " + ctype + "\r\n"
		}
		if hdr != "" {
			req += hdr + "\r\n"
		}
		go func() {
			_, _ = io.WriteString(conn, req+"\r\n")
			_, _ = conn.Write(body)
		}()
		resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: m})
		if err != nil {
			if errors.Is(err, io.EOF) && strings.Contains(strings.ToLower(prefer+hdr), "drop") {
				return
			}
			t.Fatalf("no response: %v", err)
		}
		defer resp.Body.Close()
		got, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		runtime.ReadMemStats(&after)
		// net/http itself answers a malformed request (400, no fake header)
		// and closes at once, which may reset a body still arriving.
		fake := resp.Header.Get(makeagentstest.HeaderName) != ""
		if err != nil && fake && !strings.Contains(strings.ToLower(prefer+hdr), "drop") {
			t.Fatalf("status %d, body cut: %v", resp.StatusCode, err)
		}
		if resp.StatusCode < 200 || resp.StatusCode > 599 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		// net/http's own 400s for malformed requests are plain text and do
		// not pass the fake's handler; the fake's errors are Make's shape.
		if resp.StatusCode >= 400 && fake && m != "HEAD" {
			var e api.Error
			if err := json.Unmarshal(got, &e); err != nil || e.Message == "" || e.Code == "" {
				t.Fatalf("status %d with a body that is not Make's error shape: %q", resp.StatusCode, got)
			}
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > maxRequestAlloc {
			t.Fatalf("one request allocated %d MiB", grew>>20)
		}
	})
}
