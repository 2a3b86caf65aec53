package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/cmd/makeagents/internal/conformance"
	"github.com/makeagents/makeagents-go/cmd/makeagents/internal/conformance/drifttest"
	"github.com/makeagents/makeagents-go/makeagentstest"
)

// options points a run at base (the fake, or a drifting proxy in front of
// it) the way the CLI does: the recorder under an SDK client.
func options(fake *makeagentstest.Server, base string, stdout *bytes.Buffer) conformance.Options {
	return conformance.Options{
		BaseURL: base, TeamID: 7, Token: fake.Token(), Stdout: stdout, Stderr: new(bytes.Buffer), JSON: true,
		NewClient: func(transport http.RoundTripper, maxBody int64) (*api.Client, error) {
			return fake.Client(api.WithBaseURL(base), api.WithTeamID(7),
				api.WithHTTPClient(&http.Client{Transport: transport}), api.WithMaxBodyBytes(maxBody))
		},
	}
}

// Run stands on its own, without the CLI: the full mode against a faithful
// fake finds no drift and leaves no scratch agent.
func TestRunFullModeOnFaithfulFake(t *testing.T) {
	fake := makeagentstest.NewServer(t, makeagentstest.WithTeam(7))
	var out bytes.Buffer
	o := options(fake, fake.URL(), &out)
	o.Connection, o.Model = 1001, "gpt-4.1-mini"
	if err := conformance.Run(context.Background(), o); err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	var rep struct {
		Mode  string
		Drift int
		Calls []struct{ Operation string }
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out.String())
	}
	if rep.Mode != "full" || rep.Drift != 0 || len(rep.Calls) != 11 {
		t.Errorf("report: mode %q, drift %d, %d calls; want full, 0, 11\n%s", rep.Mode, rep.Drift, len(rep.Calls), out.String())
	}
	if n := len(fake.Agents(7)); n != 0 {
		t.Errorf("%d scratch agent(s) left", n)
	}
}

// Drift is reported in the text report and as ErrDrift.
func TestRunReturnsErrDrift(t *testing.T) {
	fake := makeagentstest.NewServer(t, makeagentstest.WithTeam(7))
	fake.AddAgent(7, api.Agent{Name: "seed", SystemPrompt: "s", DefaultModel: "m"})
	base := drifttest.NewProxy(t, fake.URL(), drifttest.UndeclaredField("getAgent", "brandNew", 1))
	var out bytes.Buffer
	o := options(fake, base, &out)
	o.ReadOnly, o.Limit, o.JSON = true, 1, false
	err := conformance.Run(context.Background(), o)
	if !errors.Is(err, conformance.ErrDrift) {
		t.Fatalf("Run: %v, want ErrDrift\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "undeclared-field") || !strings.Contains(out.String(), "$.brandNew") {
		t.Errorf("text report does not show the finding:\n%s", out.String())
	}
}
