package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A token pasted by mistake as any argument or flag value never reaches
// stdout or stderr, whether the command refuses it as a usage error (before
// the configuration is read), the SDK refuses it, or it reaches a server
// that echoes it back; from MAKE_API_TOKEN or from --token-file.
func TestTokenPassedAsAnArgumentNeverPrinted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"message":"Not found","detail":"nothing at %s?%s","code":"SC404"}`, r.URL.Path, r.URL.RawQuery)
	}))
	defer srv.Close()
	for _, token := range []string{"7d3c2b1a-0f9e-4d8c-b7a6-5e4f3a2b1c0d", "tok-PASTED-5c1f8e2a90b34d7e"} {
		file := filepath.Join(t.TempDir(), "token")
		if err := os.WriteFile(file, []byte(token+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, source := range []string{"env", "file"} {
			env := map[string]string{"MAKE_TEAM_ID": "7", "MAKE_BASE_URL": srv.URL + "/api/v2"}
			var extra []string
			if source == "env" {
				env["MAKE_API_TOKEN"] = token
			} else {
				extra = []string{"--token-file", file}
			}
			for _, args := range [][]string{
				{"agents", "get", token},
				{"agents", "delete", token},
				{"agents", "update", token, "--name", "x"},
				{"run", token, "hello"},
				{"stream", token, "hello"},
				{"run", "3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "hello", "--thread", token},
				{"contexts", "list", token},
				{"contexts", "delete", token},
				{"contexts", "add", token, "--text", "x"},
				{"contexts", "add", "3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "--text", "x", "--name", token + "!"},
				{"providers", "get", token},
				{"connections", "list", "--type", token},
				{"scenarios", "list", "--limit", token},
				{"scenarios", "list", "--page-size", token},
				{"agents", "list", "--team", token},
				{"agents", "list", "--timeout", token},
				{"agents", "list", "--zone", token},
				{"agents", "get", "--" + token},
			} {
				r := runCLI(t, env, append(args, extra...)...)
				for _, out := range []string{r.stdout, r.stderr} {
					if strings.Contains(out, token) {
						t.Errorf("token from %s, makeagents %s: printed: %s", source, strings.Join(args, " "), strings.ReplaceAll(out, token, "<TOKEN>"))
					}
				}
				if r.code == 0 {
					t.Errorf("makeagents %s: exit 0", strings.Join(args, " "))
				}
			}
		}
	}
}
