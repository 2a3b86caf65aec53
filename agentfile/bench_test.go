package agentfile_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/makeagents/makeagents-go/agentfile"
	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
)

// BenchmarkPlanUnchanged: a plan of the two-agent file against the fake
// over loopback, once the team matches it (ten GETs: the catalogue, the
// agents, one agent's contexts).
func BenchmarkPlanUnchanged(b *testing.B) {
	s := makeagentstest.NewServer(b)
	hc := &http.Client{Transport: &http.Transport{}}
	b.Cleanup(hc.CloseIdleConnections)
	c, err := s.Client(api.WithHTTPClient(hc))
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "docs"), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "docs", "faq.md"), []byte("# FAQ\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, "agents.yaml")
	if err := os.WriteFile(path, []byte(twoAgents), 0o644); err != nil {
		b.Fatal(err)
	}
	f, err := agentfile.Load(path)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	cs, err := agentfile.Plan(ctx, c, f, agentfile.PlanOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := agentfile.Apply(ctx, c, cs, agentfile.ApplyOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		cs, err := agentfile.Plan(ctx, c, f, agentfile.PlanOptions{})
		if err != nil || cs.HasChanges() {
			b.Fatal(err, cs.HasChanges())
		}
		s.ResetRequests()
	}
}

// BenchmarkParse: reading the two-agent file.
func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := agentfile.Parse("f.yaml", []byte(twoAgents)); err != nil {
			b.Fatal(err)
		}
	}
}
