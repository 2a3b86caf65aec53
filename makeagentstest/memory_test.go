package makeagentstest_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
)

// maxRequestAlloc is the documented bound on what any single request may
// make the fake allocate in total (README, "Offline: makeagents fake"): the
// worst case is a run whose body is the 8 MiB the fake reads, on a thread
// holding the 8 MiB of history a thread keeps: the validator reads the body
// several times, the decoder and the run's steps copy it, and the answer
// (quoting the message) is encoded; about 330 MiB.
const maxRequestAlloc = 400 << 20

// allocated sends req on a fresh connection, reads at most limit bytes of
// the answer, and returns the bytes the whole process (fake and client)
// allocated meanwhile: an upper bound on the fake's heap growth for it.
func allocated(t *testing.T, req *http.Request, limit int64) (uint64, int) {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, limit))
	_ = resp.Body.Close()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, resp.StatusCode
}

// TestSingleRequestMemoryIsBounded: the most expensive requests a client
// can send each stay under maxRequestAlloc, counted by runtime.MemStats
// (allocated in total, so the heap grows by less).
func TestSingleRequestMemoryIsBounded(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("sends hundreds of MiB; the race detector makes that minutes")
	}
	// Start, as makeagents fake does: NewServer's response check, which
	// keeps and decodes what the fake sends, is a test's cost, not the
	// server's.
	s, err := makeagentstest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	agent := s.AddAgent(team, api.Agent{Name: "a", SystemPrompt: "p", DefaultModel: "m"})
	runURL := s.URL() + "/ai-agents/v1/agents/" + agent.ID + "/run?teamId=1"
	streamURL := s.URL() + "/ai-agents/v1/agents/" + agent.ID + "/run/stream?teamId=1"
	bigMessage := `{"messages":[{"role":"user","content":"` + strings.Repeat("w ", 4<<20-64) + `"}],"config":{}}`
	// A thread holding the most history a thread keeps (8 MiB: this
	// message and the answer that quotes it), for a run with the largest
	// body to continue.
	thread := `"threadId":"full"`
	full, _ := http.NewRequest("POST", runURL, strings.NewReader(`{"messages":[{"role":"user","content":"`+strings.Repeat("h ", 1750<<10)+`"}],`+thread+`,"config":{}}`))
	full.Header.Set("Authorization", "Token "+s.Token())
	full.Header.Set("Content-Type", "application/json")
	if _, status := allocated(t, full, 1<<40); status != 200 {
		t.Fatalf("filling a thread: %d", status)
	}
	onThread := strings.Replace(bigMessage, `"config"`, thread+`,"config"`, 1)
	var upload bytes.Buffer
	mw := multipart.NewWriter(&upload)
	_ = mw.WriteField("agentId", agent.ID)
	fw, _ := mw.CreateFormFile("file", "big.txt")
	_, _ = fw.Write(bytes.Repeat([]byte("knowledge\n"), 10<<20))
	_ = mw.Close()
	many := strings.TrimSuffix(strings.Repeat("stream=oversize-after-0, ", 300), ", ")
	for _, tc := range []struct {
		name, method, url, prefer, contentType string
		body                                   func() io.Reader
		limit                                  int64
	}{
		{"an 8 MiB run", "POST", runURL, "", "application/json", func() io.Reader { return strings.NewReader(bigMessage) }, 1 << 40},
		{"an 8 MiB stream", "POST", streamURL, "", "application/json", func() io.Reader { return strings.NewReader(bigMessage) }, 1 << 40},
		{"an 8 MiB run on a full thread", "POST", runURL, "", "application/json", func() io.Reader { return strings.NewReader(onThread) }, 1 << 40},
		{"a 100 MiB upload", "POST", s.URL() + "/ai-agents/v1/contexts?teamId=1", "", mw.FormDataContentType(), func() io.Reader { return bytes.NewReader(upload.Bytes()) }, 1 << 40},
		{"a 7 KB Prefer of oversize faults", "POST", streamURL, many, "application/json", func() io.Reader { return strings.NewReader(runBody) }, 1 << 40},
		{"eight 64 MiB events", "POST", streamURL, strings.TrimSuffix(strings.Repeat("stream=oversize-after-0, ", 8), ", ") + ", size=67108864", "application/json", func() io.Reader { return strings.NewReader(runBody) }, 1 << 40},
		{"a 9 MiB body", "POST", s.URL() + "/ai-agents/v1/agents?teamId=1", "", "application/json", func() io.Reader { return strings.NewReader(strings.Repeat(" ", 9<<20)) }, 1 << 40},
	} {
		req, err := http.NewRequest(tc.method, tc.url, tc.body())
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Token "+s.Token())
		req.Header.Set("Content-Type", tc.contentType)
		if tc.prefer != "" {
			req.Header.Set("Prefer", tc.prefer)
		}
		grew, status := allocated(t, req, tc.limit)
		t.Logf("%s: status %d, %d MiB allocated", tc.name, status, grew>>20)
		if grew > maxRequestAlloc {
			t.Errorf("%s allocated %d MiB, above the documented %d MiB", tc.name, grew>>20, maxRequestAlloc>>20)
		}
	}
}
