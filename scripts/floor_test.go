package scripts

import (
	"slices"
	"strings"
	"testing"
)

const module = "github.com/makeagents/makeagents-go"

// floorViolations returns, for each package under the module's internal/
// (the ground floor: utilities api, sse, the fake and the CLI stand on), the
// module packages outside internal/ that it depends on, directly or not.
// deps maps an import path to its transitive dependencies (go list's Deps).
// A helper that needs api or sse stands above them and lives beside its
// user instead (sse/internal/stepjson, cmd/makeagents/internal/conformance).
func floorViolations(deps map[string][]string) []string {
	ground := module + "/internal/"
	var out []string
	for pkg, ds := range deps {
		if !strings.HasPrefix(pkg, ground) {
			continue
		}
		for _, d := range ds {
			if (d == module || strings.HasPrefix(d, module+"/")) && !strings.HasPrefix(d, ground) {
				out = append(out, pkg+" -> "+d)
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestGroundFloorImportsNothingAbove: no package under internal/ imports
// api, sse, makeagentstest or the CLI, so an import never runs from a lower
// floor back up to a higher one.
func TestGroundFloorImportsNothingAbove(t *testing.T) {
	out, err := run(t, repoRoot(t), "go", "list", "-f", "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}", "./internal/...")
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := map[string][]string{}
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) > 0 {
			deps[f[0]] = f[1:]
		}
	}
	if _, ok := deps[module+"/internal/redact"]; !ok {
		t.Fatalf("go list found %d packages under internal/, not the ground floor:\n%s", len(deps), out)
	}
	for _, v := range floorViolations(deps) {
		t.Errorf("ground package imports a higher floor: %s", v)
	}
}

// The rule catches a ground package that reaches api directly or through
// another package, and allows ground-to-ground and standard imports.
func TestFloorViolationsFindsUpwardImports(t *testing.T) {
	got := floorViolations(map[string][]string{
		module + "/internal/redact":                     {"strings"},
		module + "/internal/contract":                   {module + "/internal/mediatype", module + "/internal/spec"},
		module + "/internal/helper":                     {module + "/sse", module + "/api", "net/http"},
		module + "/sse":                                 {module + "/api"},
		module + "/cmd/makeagents/internal/conformance": {module + "/api"},
	})
	want := []string{module + "/internal/helper -> " + module + "/api", module + "/internal/helper -> " + module + "/sse"}
	if !slices.Equal(got, want) {
		t.Errorf("floorViolations = %q, want %q", got, want)
	}
}
