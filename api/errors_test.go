package api

import (
	"context"
	"errors"
	"github.com/makeagents/makeagents-go/internal/redact"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestAPIErrorFields: 401, 403, 404 and a 400 with suberrors arrive as
// *APIError with Make's fields, the request's method and path (no query),
// the raw body, and the right Is... helper; the ...WithResponse call
// returns no response to inspect.
func TestAPIErrorFields(t *testing.T) {
	cases := []struct {
		status          int
		body            string
		code, msg, text string
		is              func(error) bool
	}{
		{401, `{"message":"Invalid credentials","detail":"Token is invalid.","code":"IM102"}`, "IM102", "Invalid credentials",
			"makeagents: GET /api/v2/ai-agents/v1/agents/" + testAgent + ": 401 Unauthorized: Invalid credentials: Token is invalid. (IM102)", IsUnauthorized},
		{403, `{"detail":"Access denied.","message":"Permission denied","code":"SC403"}`, "SC403", "Permission denied",
			"makeagents: GET /api/v2/ai-agents/v1/agents/" + testAgent + ": 403 Forbidden: Permission denied: Access denied. (SC403)", IsForbidden},
		{404, `{"message":"Not found","code":"SC404"}`, "SC404", "Not found",
			"makeagents: GET /api/v2/ai-agents/v1/agents/" + testAgent + ": 404 Not Found (SC404)", IsNotFound},
		{400, `{"message":"Invalid input","detail":"teamId validation failed","code":"IM005","suberrors":[{"message":"name is required"},{"message":"model is unknown"}]}`, "IM005", "Invalid input",
			"makeagents: GET /api/v2/ai-agents/v1/agents/" + testAgent + ": 400 Bad Request: Invalid input: teamId validation failed; name is required; model is unknown (IM005)", nil},
		// Make's own spec shows detail as a list of strings: message, code
		// and every line survive.
		{400, `{"code":"SC400","message":"Invalid input parameters","detail":["Validation failed for 1 parameter(s).","Missing value of required parameter 'teamId'."]}`, "SC400", "Invalid input parameters",
			"makeagents: GET /api/v2/ai-agents/v1/agents/" + testAgent + ": 400 Bad Request: Invalid input parameters: Validation failed for 1 parameter(s).; Missing value of required parameter 'teamId'. (SC400)", nil},
		{502, `<html>bad gateway</html>`, "", "",
			"makeagents: GET /api/v2/ai-agents/v1/agents/" + testAgent + ": 502 Bad Gateway; not retried: retries are off (RetryPolicy.MaxRetries is 0)", nil},
	}
	for _, tc := range cases {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			srv := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("X-Request-Id", "req-1")
				if tc.body[0] == '<' {
					w.Header().Set("Content-Type", "text/html")
					w.WriteHeader(tc.status)
					_, _ = w.Write([]byte(tc.body))
					return
				}
				writeJSON(w, tc.status, tc.body)
			})
			c, _, _ := newTestClient(t, srv.Server, WithRetry(RetryPolicy{}))
			res, err := c.Generated().GetAgentWithResponse(context.Background(), testAgent, &GetAgentParams{TeamID: 7})
			scanErr(err)
			if res != nil {
				t.Errorf("got a response to inspect: %+v", res)
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v", err)
			}
			if apiErr.StatusCode != tc.status || apiErr.Code != tc.code || apiErr.Message != tc.msg ||
				apiErr.Method != "GET" || apiErr.Path != "/api/v2/ai-agents/v1/agents/"+testAgent ||
				string(apiErr.Body) != tc.body || apiErr.Header.Get("X-Request-Id") != "req-1" {
				t.Errorf("APIError = %+v", apiErr)
			}
			if got := err.Error(); got != tc.text {
				t.Errorf("Error() = %q\nwant      %q", got, tc.text)
			}
			if tc.code == "SC400" && (len(apiErr.Details) != 2 || apiErr.Details[1] != "Missing value of required parameter 'teamId'.") {
				t.Errorf("Details = %q, want both lines of the list", apiErr.Details)
			}
			if tc.is != nil && !tc.is(err) {
				t.Errorf("helper does not recognise %d", tc.status)
			}
			if IsNotFound(err) != (tc.status == 404) || IsRateLimited(err) {
				t.Errorf("helpers disagree for %d", tc.status)
			}
		})
	}
}

// TestEchoedTokenRedacted: a server (or proxy) that echoes the
// Authorization header in its error body and headers does not put the
// token into the error, its fields or its message.
func TestEchoedTokenRedacted(t *testing.T) {
	srv := newServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		w.Header().Set("X-Echo", auth)
		writeJSON(w, 401, `{"message":"bad `+auth+`","detail":"`+auth+`","code":"IM102","suberrors":[{"message":"`+auth+`"}]}`)
	})
	c, _, _ := newTestClient(t, srv.Server)
	_, err := c.Generated().ListAgentsWithResponse(context.Background(), nil)
	scanErr(err)
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatal(err)
	}
	all := err.Error() + string(apiErr.Body) + apiErr.Message + apiErr.Detail + apiErr.SubErrors[0].Message + strings.Join(apiErr.Header.Values("X-Echo"), "")
	if strings.Contains(all, testToken) {
		t.Fatal("token present in the APIError")
	}
	if apiErr.Detail != "Token "+redactedMark || apiErr.Header.Get("X-Echo") != "Token "+redactedMark {
		t.Errorf("detail %q, header %q; want the token replaced by %s", apiErr.Detail, apiErr.Header.Get("X-Echo"), redactedMark)
	}
}

func TestErrorBodyBounded(t *testing.T) {
	srv := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 413, strings.Repeat("x", MaxErrorBodyBytes+1000))
	})
	c, _, _ := newTestClient(t, srv.Server, WithLogBodies(0))
	_, err := c.Generated().ListAgentsWithResponse(context.Background(), nil)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || len(apiErr.Body) != MaxErrorBodyBytes {
		t.Fatalf("err %v; want a body cut at %d bytes", err, MaxErrorBodyBytes)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"":      0,
		"0":     0,
		"-3":    0,
		"12":    12 * time.Second,
		" 5 ":   5 * time.Second,
		"1e3":   0,
		"later": 0,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Second).Format(http.TimeFormat):     0,
		"99999999999": 24 * time.Hour,
	}
	for in, want := range cases {
		if got := ParseRetryAfter(in, now); got != want {
			t.Errorf("ParseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestRedactorShortSecretsLeftAlone(t *testing.T) {
	r := redact.New("abc")
	if got := r.String("abcabc"); got != "abcabc" {
		t.Errorf("got %q", got)
	}
	r = redact.New(testToken)
	if got := string(r.Bytes([]byte("x" + testToken + "y"))); got != "x"+redactedMark+"y" {
		t.Errorf("got %q", got)
	}
}

// TestTokenScanFindsLeaks proves the suite-wide scan in TestMain can fail.
func TestTokenScanFindsLeaks(t *testing.T) {
	s := &tokenScan{secret: testToken}
	s.add("fine")
	s.add("Authorization: Token " + testToken)
	leaked, total := s.leaks()
	if total != 2 || len(leaked) != 1 || strings.Contains(leaked[0], testToken) {
		t.Fatalf("leaks = %q of %d", leaked, total)
	}
}

func TestNewAPIErrorFromBareResponse(t *testing.T) {
	body := &trackedBody{Reader: strings.NewReader(`{"message":"Conflict","code":"IM016"}`)}
	e := NewAPIError(&http.Response{StatusCode: 409, Header: http.Header{"Retry-After": {"3"}}, Body: body})
	if e.StatusCode != 409 || e.Code != "IM016" || e.RetryAfter != 3*time.Second || e.Method != "" || !body.closed.Load() {
		t.Fatalf("e = %+v, closed %v", e, body.closed.Load())
	}
	if got := e.Error(); got != "makeagents: 409 Conflict (IM016)" {
		t.Errorf("Error() = %q", got)
	}
}

// A sub-error Make repeats in detail (as its validation errors do) is said
// once in the message; one that only the suberrors carry is kept.
func TestAPIErrorSaysEachProblemOnce(t *testing.T) {
	e := &APIError{StatusCode: 400, Message: "Bad request", Details: []string{"name: required", "model: unknown"},
		Detail: "name: required; model: unknown", Code: "SC400",
		SubErrors: []SubError{{Message: "name: required"}, {Message: "teamId: mismatch"}}}
	msg := e.Error()
	if strings.Count(msg, "name: required") != 1 || !strings.Contains(msg, "teamId: mismatch") || !strings.Contains(msg, "model: unknown") {
		t.Errorf("message %q: want each problem once", msg)
	}
}

// An HTTP-date far ahead is capped like a delay in seconds: a server (or a
// proxy with a broken clock) cannot make the SDK report, or pause for, a
// wait of centuries.
func TestParseRetryAfterCapsDates(t *testing.T) {
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	for _, in := range []string{"Fri, 31 Dec 9999 23:59:59 GMT", now.Add(25 * time.Hour).Format(http.TimeFormat)} {
		if got := ParseRetryAfter(in, now); got != maxRetryAfter {
			t.Errorf("ParseRetryAfter(%q) = %v, want the cap %v", in, got, maxRetryAfter)
		}
	}
}
