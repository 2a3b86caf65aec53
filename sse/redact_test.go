package sse_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/sse"
)

const streamToken = "tok-STREAMLEAK-1c9e7a52-3b7d-4f0e-9a61-2d8c5e4b7f10"

// TestStreamErrorsNeverCarryTheToken: a server that echoes the token in an
// SSE error event's data (however the bytes are split into chunks), or in
// the Content-Type of a 2xx that is not a stream, does not get it into the
// error a caller prints: the SDK's client redacts what it hands over.
func TestStreamErrorsNeverCarryTheToken(t *testing.T) {
	long := strings.Repeat("m", 600) // the error text is cut at 512: cut inside the token too
	cases := map[string]http.HandlerFunc{
		"error event": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			msg := fmt.Sprintf("event: error\ndata: {\"message\":\"bad token %s\",\"detail\":\"Token %s\"}\n\n", streamToken, streamToken)
			for i := 0; i < len(msg); i += 7 { // split the token across chunks
				_, _ = io.WriteString(w, msg[i:min(i+7, len(msg))])
				_ = http.NewResponseController(w).Flush()
			}
		},
		"error event, not JSON, cut in the token": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = io.WriteString(w, "event: error\ndata: "+long[:500]+streamToken+"\n\n")
		},
		"content type": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html; echo="+streamToken)
			_, _ = io.WriteString(w, "<html>")
		},
		"long content type": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html; x="+long[:110]+streamToken)
			_, _ = io.WriteString(w, "<html>")
		},
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(h)
			defer srv.Close()
			c, err := api.New(api.WithoutEnvironment(), api.WithBaseURL(srv.URL), api.WithToken(streamToken), api.WithHTTPClient(srv.Client()), api.WithTeamID(testTeam))
			if err != nil {
				t.Fatal(err)
			}
			s, err := sse.Run(context.Background(), c, testAgentID, testRequest())
			if err == nil {
				for range s.All() {
				}
				err = s.Err()
				_ = s.Close()
			}
			var se *sse.ServerError
			var ce *sse.ContentTypeError
			if !errors.As(err, &se) && !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a ServerError or ContentTypeError", err)
			}
			texts := []string{err.Error(), fmt.Sprintf("%+v", err)}
			if se != nil {
				texts = append(texts, string(se.Data), se.Message, se.Detail)
			}
			if ce != nil {
				texts = append(texts, ce.ContentType)
			}
			for _, s := range texts {
				for k := 4; k <= len(streamToken); k++ {
					if strings.Contains(s, streamToken[:k]) && (k == len(streamToken) || strings.HasSuffix(strings.TrimSuffix(strings.TrimSuffix(s, `"`), "..."), streamToken[:k])) {
						t.Fatalf("token (or its first %d bytes) in %q", k, strings.ReplaceAll(s, streamToken, "<TOKEN>"))
					}
				}
			}
		})
	}
}
