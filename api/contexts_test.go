package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func upstreamFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../testdata/upstream/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The six context and provider operations through api.New against a server
// that answers with Make's examples verbatim (and, where Make declares no
// body, the shapes the SDK promises to decode).
func TestContextAndProviderOperations(t *testing.T) {
	srv := newServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		switch r.Method + " " + r.URL.Path {
		case "GET /api/v2/ai-agents/v1/llm-providers":
			writeJSON(w, 200, upstreamFixture(t, "llm-providers.json"))
		case "GET /api/v2/ai-agents/v1/llm-providers/1":
			writeJSON(w, 200, upstreamFixture(t, "llm-provider.json"))
		case "GET /api/v2/ai-agents/v1/llm-providers/2":
			writeJSON(w, 200, `{"id":2,"provider":"anthropic"}`) // the object a "get one" might return
		case "GET /api/v2/ai-agents/v1/llm-providers/1/models":
			writeJSON(w, 200, upstreamFixture(t, "llm-models.json"))
		case "GET /api/v2/ai-agents/v1/contexts":
			writeJSON(w, 200, `{"contexts":[{"id":"123e4567-e89b-12d3-a456-426614174000","agentId":"`+testAgent+`","documentName":"Example Document",`+
				`"description":"d","createdAt":"2025-06-26T06:53:15.407Z","metadata":{"type":"csv"},"isTemporary":false}]}`)
		case "POST /api/v2/ai-agents/v1/contexts":
			w.WriteHeader(201)
		case "DELETE /api/v2/ai-agents/v1/contexts/123e4567-e89b-12d3-a456-426614174000":
			w.WriteHeader(204)
		default:
			writeJSON(w, 404, makeErrorBody(404, "Not found", r.URL.Path))
		}
	})
	c, _, _ := newTestClient(t, srv.Server)
	ctx := context.Background()

	providers, err := c.Generated().ListLLMProvidersWithResponse(ctx, nil)
	if err != nil || len(*providers.JSON200) != 2 || (*providers.JSON200)[1].AccountName != "anthropic-claude" ||
		(*providers.JSON200)[0].Provider != LLMProviderTypeOpenAi {
		t.Fatalf("providers: %v %+v", err, providers)
	}
	one, err := c.Generated().GetLLMProviderWithResponse(ctx, 1, nil)
	if err != nil || len(*one.JSON200) != 1 || (*one.JSON200)[0].ID != 1 {
		t.Fatalf("get provider (array, as Make documents): %v %+v", err, one)
	}
	obj, err := c.Generated().GetLLMProviderWithResponse(ctx, 2, nil)
	if err != nil || len(*obj.JSON200) != 1 || (*obj.JSON200)[0].Provider != LLMProviderTypeAnthropic {
		t.Fatalf("get provider (object): %v %+v", err, obj)
	}
	models, err := c.Generated().ListLLMProviderModelsWithResponse(ctx, 1, nil)
	if err != nil || len(*models.JSON200) != 1 || (*models.JSON200)[0].Model != "gpt-4o" || (*models.JSON200)[0].TokenLimit != 128000 ||
		(*models.JSON200)[0].Settings.MaxTokens != 128000 {
		t.Fatalf("models: %v %+v", err, models)
	}
	contexts, err := c.Generated().ListContextsWithResponse(ctx, &ListContextsParams{AgentID: testAgent})
	if err != nil || len(*contexts.JSON200) != 1 || (*contexts.JSON200)[0].DocumentName != "Example Document" {
		t.Fatalf("contexts (wrapped): %v %+v", err, contexts)
	}
	created, err := c.Generated().CreateContextWithResponse(ctx, nil, CreateTextContextRequest{
		AgentID: testAgent, Content: "This is the content of the context.", Name: "Example Context", Autosave: "true",
	})
	if err != nil || created.StatusCode() != 201 {
		t.Fatalf("create text context: %v %+v", err, created)
	}
	deleted, err := c.Generated().DeleteContextWithResponse(ctx, "123e4567-e89b-12d3-a456-426614174000", nil)
	if err != nil || deleted.StatusCode() != 204 {
		t.Fatalf("delete context: %v", err)
	}
	hits := srv.seen()
	for _, h := range hits {
		if !strings.Contains(h.Query, "teamId=42") {
			t.Errorf("%s %s without the default team: %q", h.Method, h.Path, h.Query)
		}
	}
	// The body sent is Make's create-context example, field for field (with
	// this test's agent id).
	var sent, want map[string]any
	_ = json.Unmarshal(hits[5].Body, &sent)
	_ = json.Unmarshal([]byte(upstreamFixture(t, "create-context-request.json")), &want)
	want["agentId"] = testAgent
	if !reflect.DeepEqual(sent, want) {
		t.Errorf("text context body = %s, want Make's example %v", hits[5].Body, want)
	}
	if !strings.Contains(hits[4].Query, "agentId="+testAgent) {
		t.Errorf("list contexts query = %q", hits[4].Query)
	}
}

// Bad input to the new operations is refused before anything is sent.
func TestContextInputValidated(t *testing.T) {
	srv := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(201) })
	c, _, _ := newTestClient(t, srv.Server)
	ctx := context.Background()
	long := strings.Repeat("é", MaxContextNameLength+1)
	for name, call := range map[string]func() error{
		"name with a slash": func() error {
			_, err := c.Generated().CreateContextWithResponse(ctx, nil, CreateTextContextRequest{AgentID: testAgent, Name: "a/b"})
			return err
		},
		"name too long": func() error {
			_, err := c.Generated().CreateContextWithResponse(ctx, nil, CreateTextContextRequest{AgentID: testAgent, Name: long})
			return err
		},
		"agentId not a UUID": func() error {
			_, err := c.Generated().CreateContextWithResponse(ctx, nil, CreateTextContextRequest{AgentID: "../x"})
			return err
		},
		"list without agent": func() error {
			_, err := c.Generated().ListContextsWithResponse(ctx, &ListContextsParams{})
			return err
		},
		"delete a path trick": func() error {
			_, err := c.Generated().DeleteContextWithResponse(ctx, "../agents/"+testAgent, nil)
			return err
		},
		"provider id 0": func() error {
			_, err := c.Generated().GetLLMProviderWithResponse(ctx, 0, nil)
			return err
		},
		"upload name with a quote": func() error {
			err := c.UploadContext(ctx, testAgent, `a".txt`, strings.NewReader("x"))
			return err
		},
		"upload without a name": func() error {
			err := c.UploadContext(ctx, testAgent, "", strings.NewReader("x"))
			return err
		},
		"upload to a bad agent": func() error {
			err := c.UploadContext(ctx, "nope", "a.txt", strings.NewReader("x"))
			return err
		},
	} {
		if err := call(); !IsValidationError(err) {
			t.Errorf("%s: err = %v, want a *ValidationError", name, err)
		}
	}
	if n := srv.count(); n != 0 {
		t.Errorf("%d request(s) sent for refused input", n)
	}
}

func TestValidateContextName(t *testing.T) {
	for name, ok := range map[string]bool{
		"":                        true,
		"Example Context":         true,
		"report (v2)_final-1.pdf": true,
		"Zürich Ölpreise 2025":    true,
		strings.Repeat("a", 120):  true,
		strings.Repeat("a", 121):  false,
		"a/b":                     false,
		"semi;colon":              false,
		"tab\tok":                 true,
		"quote\"":                 false,
		"emoji 🙂":                 false,
	} {
		if err := ValidateContextName(name); (err == nil) != ok {
			t.Errorf("ValidateContextName(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}

// The upload is the multipart body Make takes, as a server parses it: the
// field agentId and the part file with the base name, its content type and
// the exact bytes.
func TestUploadContextMultipartBody(t *testing.T) {
	content := bytes.Repeat([]byte("line of knowledge\n"), 10000)
	var got struct {
		agentID, fileName, partType string
		data                        []byte
		contentType                 string
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.contentType = r.Header.Get("Content-Type")
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			t.Errorf("server could not parse the body: %v", err)
		}
		got.agentID = r.FormValue("agentId")
		f, h, err := r.FormFile("file")
		if err != nil {
			t.Errorf("no file part: %v", err)
		} else {
			got.fileName, got.partType = h.Filename, h.Header.Get("Content-Type")
			got.data, _ = io.ReadAll(f)
		}
		w.WriteHeader(201)
	}))
	defer srv.Close()
	c, _, _ := newTestClient(t, srv)
	err := c.UploadContext(context.Background(), testAgent, "notes.txt", bytes.NewReader(content))
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	if mt, _, _ := mime.ParseMediaType(got.contentType); mt != "multipart/form-data" {
		t.Errorf("Content-Type = %q", got.contentType)
	}
	if got.agentID != testAgent || got.fileName != "notes.txt" || !strings.HasPrefix(got.partType, "text/plain") || !bytes.Equal(got.data, content) {
		t.Errorf("server saw agentId %q file %q (%s), %d bytes equal=%v", got.agentID, got.fileName, got.partType, len(got.data), bytes.Equal(got.data, content))
	}
}

// A context POST that may have reached Make is never sent again: not after a
// 503, not with MaxRetries 10. An upload is not even retried after a 429,
// since its streamed body cannot be replayed; a text context is (Make
// rejected it unprocessed).
func TestContextPostNotRetried(t *testing.T) {
	for _, status := range []int{503, 429} {
		var n atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			if n.Add(1) == 1 {
				writeJSON(w, status, makeErrorBody(status, "busy", ""))
				return
			}
			w.WriteHeader(201)
		}))
		c, _, _ := newTestClient(t, srv, WithRetry(RetryPolicy{MaxRetries: 10}))
		err := c.UploadContext(context.Background(), testAgent, "a.txt", strings.NewReader("knowledge"))
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != status || n.Load() != 1 {
			t.Errorf("upload after %d: err %v, %d request(s); want the %d and exactly 1", status, err, n.Load(), status)
		}
		n.Store(0)
		_, err = c.Generated().CreateContextWithResponse(context.Background(), nil, CreateTextContextRequest{AgentID: testAgent, Content: "k"})
		want := int32(1)
		if status == 429 {
			want = 2 // unprocessed by Make: safe to repeat, and the body is replayable
		}
		if n.Load() != want || (status == 503) != (err != nil) {
			t.Errorf("text context after %d: err %v, %d request(s), want %d", status, err, n.Load(), want)
		}
		srv.Close()
	}
}

// A 500 MiB upload streams: the bytes the SDK allocates while sending it are
// a small, fixed amount, not the file. The server reads the part as it
// arrives and checks its size and digest.
func TestUploadContextMemoryBounded(t *testing.T) {
	const size = 500 << 20
	want := sha256.New()
	_, _ = io.Copy(want, io.LimitReader(zeros{}, size))
	var received atomic.Int64
	var digestOK atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			part, err := mr.NextPart()
			if err != nil {
				break
			}
			if part.FormName() == "file" {
				h := sha256.New()
				n, _ := io.Copy(h, part)
				received.Store(n)
				digestOK.Store(bytes.Equal(h.Sum(nil), want.Sum(nil)))
			}
		}
		w.WriteHeader(201)
	}))
	defer srv.Close()
	c, _, _ := newTestClient(t, srv)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err := c.UploadContext(context.Background(), testAgent, "big.bin", io.LimitReader(zeros{}, size))
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	if received.Load() != size || !digestOK.Load() {
		t.Fatalf("server received %d bytes (digest ok %v), want %d", received.Load(), digestOK.Load(), size)
	}
	// Client and server share the process, so this counts both sides'
	// allocations: still a few MiB against 500.
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("uploading %d MiB allocated %.1f MiB in the process (client and server)", size>>20, float64(allocated)/(1<<20))
	if allocated > 16<<20 {
		t.Errorf("uploading %d MiB allocated %d MiB; the file is being held in memory", size>>20, allocated>>20)
	}
}

// The header timeout counts from the end of the upload, not its start: a
// file that takes longer to send than WithHeaderTimeout is not cut, and a
// server that then keeps quiet still is.
func TestUploadOutlastsTheHeaderTimeout(t *testing.T) {
	const size, slowPart = 32 << 20, 24 << 20
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read the first 24 MiB slowly (about 0.6 s, longer than the 300 ms
		// header timeout), the rest at once, then answer.
		buf := make([]byte, 1<<20)
		for read := 0; read < slowPart; {
			n, err := io.ReadFull(r.Body, buf)
			read += n
			if err != nil {
				return
			}
			time.Sleep(25 * time.Millisecond)
		}
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(201)
	}))
	defer srv.Close()
	c, _, _ := newTestClient(t, srv, WithHeaderTimeout(300*time.Millisecond))
	err := c.UploadContext(context.Background(), testAgent, "big.bin", io.LimitReader(zeros{}, size))
	if err != nil {
		t.Fatalf("upload slower than the header timeout: %v", err)
	}

	quiet := stallServer(t)
	c, _, _ = newTestClient(t, quiet.Server, WithHeaderTimeout(50*time.Millisecond))
	err = c.UploadContext(context.Background(), testAgent, "a.txt", strings.NewReader("small"))
	if !errors.Is(err, ErrHeaderTimeout) {
		t.Fatalf("a server quiet after the upload: err = %v, want ErrHeaderTimeout", err)
	}
}

// An upload's content type comes from its extension, the common knowledge
// formats without the machine's MIME tables.
func TestUploadContentType(t *testing.T) {
	for name, want := range map[string]string{
		"notes.txt": "text/plain; charset=utf-8", "Prices.CSV": "text/csv; charset=utf-8", "manual.pdf": "application/pdf",
		"spec.md": "text/markdown; charset=utf-8", "blob": "application/octet-stream", "data.unknownext": "application/octet-stream",
	} {
		if got := uploadContentType(name); got != want {
			t.Errorf("uploadContentType(%q) = %q, want %q", name, got, want)
		}
	}
}

// failingReader gives n bytes, then err.
type failingReader struct {
	n   int
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, f.err
	}
	p = p[:min(len(p), f.n)]
	clear(p)
	f.n -= len(p)
	return len(p), nil
}

// A file that fails while it is read (a disk error, a closed pipe) ends the
// upload with an error that names the file and wraps the reader's error;
// the server never sees a complete body, and no goroutine is left (goleak
// in TestMain).
func TestUploadContextReaderFails(t *testing.T) {
	var complete atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				complete.Store(true)
				break
			}
			if err != nil {
				break
			}
			if _, err := io.Copy(io.Discard, part); err != nil {
				break
			}
		}
		w.WriteHeader(201)
	}))
	defer srv.Close()
	c, _, _ := newTestClient(t, srv)
	diskErr := errors.New("disk on fire")
	err := c.UploadContext(context.Background(), testAgent, "broken.txt", &failingReader{n: 1 << 20, err: diskErr})
	if !errors.Is(err, diskErr) || !strings.Contains(err.Error(), `"broken.txt"`) {
		t.Fatalf("err = %v, want it to name the file and wrap the reader's error", err)
	}
	if complete.Load() {
		t.Error("the server received a complete multipart body from a failed read")
	}
}
