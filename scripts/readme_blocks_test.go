package scripts

import (
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/makeagents/makeagents-go/makeagentstest"
)

// readmeBlock is one ```go block of README.md and how it is checked.
type readmeBlock struct {
	line int    // of the opening fence, for messages
	src  string // the block's text
	// kind says how the block is made a package: "program" (a whole
	// package main, as written), "fragment" (statements, wrapped in a
	// function whose parameters are params) or "test" (top-level
	// declarations with a func TestXxx, run by go test).
	kind   string
	params string // a fragment's parameters: "ctx context.Context, client *api.Client"
	run    bool   // run it against the fake (programs and tests always are)
}

// A block is marked by an HTML comment on the line before its fence:
//
//	<!-- go fragment: ctx context.Context, client *api.Client -->      compiled
//	<!-- go fragment run: ctx context.Context, client *api.Client -->  compiled and run
//	<!-- go test -->                                                   go test runs it
//
// A block without a mark must be a whole program (package main); it is
// compiled and run. No block is skipped.
var (
	goFence         = regexp.MustCompile("(?m)^```go\n")
	indentedGoFence = regexp.MustCompile("(?m)^[ \t]+```go\n")
	blockMark       = regexp.MustCompile(`^<!-- go (fragment|fragment run|test)(?::\s*(.*?))?\s*-->$`)
	importLine      = regexp.MustCompile(`(?m)^import "([^"]+)"\n+`)
)

func readmeBlocks(t *testing.T, readme string) []readmeBlock {
	t.Helper()
	var out []readmeBlock
	// An indented fence (a block inside a list item) would escape the
	// checks below: refuse it rather than skip it.
	for _, loc := range indentedGoFence.FindAllStringIndex(readme, -1) {
		t.Errorf("README line %d: an indented go block is not checked; put it at the left margin", lineOf(readme, loc[0]))
	}
	for _, loc := range goFence.FindAllStringIndex(readme, -1) {
		end := strings.Index(readme[loc[1]:], "\n```\n")
		if end < 0 {
			t.Fatalf("README: the go block at line %d has no closing fence", lineOf(readme, loc[0]))
		}
		b := readmeBlock{line: lineOf(readme, loc[0]), src: readme[loc[1] : loc[1]+end+1], kind: "program", run: true}
		before := strings.TrimRight(readme[:loc[0]], "\n")
		prev := before[strings.LastIndex(before, "\n")+1:]
		if m := blockMark.FindStringSubmatch(prev); m != nil {
			b.kind, b.params, b.run = m[1], m[2], m[1] != "fragment"
			if m[1] == "fragment run" {
				b.kind = "fragment"
			}
		} else if !strings.HasPrefix(b.src, "package main\n") {
			t.Errorf("README line %d: a go block that is not a whole program (package main) needs a mark on the line before it: <!-- go fragment: PARAMS --> or <!-- go test -->", b.line)
		}
		out = append(out, b)
	}
	return out
}

func lineOf(s string, offset int) int { return strings.Count(s[:offset], "\n") + 1 }

// readmePackages are the packages a fragment may use without importing
// them, by the name it uses.
var readmePackages = map[string]string{
	"api": "github.com/makeagents/makeagents-go/api", "sse": "github.com/makeagents/makeagents-go/sse",
	"structured":   "github.com/makeagents/makeagents-go/structured",
	"conversation": "github.com/makeagents/makeagents-go/conversation", "makeagentstest": "github.com/makeagents/makeagents-go/makeagentstest",
	"agentfile": "github.com/makeagents/makeagents-go/agentfile", "filepath": "path/filepath",
	"otelmakeagents": "github.com/makeagents/makeagents-go/otelmakeagents", "rate": "golang.org/x/time/rate",
	"eval":    "github.com/makeagents/makeagents-go/eval",
	"context": "context", "errors": "errors", "fmt": "fmt", "io": "io", "log": "log", "slog": "log/slog", "os": "os",
	"http": "net/http", "strings": "strings", "time": "time", "json": "encoding/json", "testing": "testing",
}

// fragmentSetup is how a run fragment's parameters get their values: each
// known parameter (name and type) and the Go that makes it in main, on the
// fake the test starts (its URL, token and team in the environment).
var fragmentSetup = []struct{ param, code string }{
	{"ctx context.Context", "ctx := context.Background()"},
	{"client *api.Client", "client, err := api.New()\n\tcheck(err)"},
	{"agentID string", `created, err := client.CreateAgent(ctx, api.CreateAgentRequest{Name: "Readme", SystemPrompt: "Be brief.", MakeConnectionID: 1001, DefaultModel: "gpt-4.1-mini"})
	check(err)
	agentID := created.ID`},
	{"agent *api.CreatedAgent", "agent := created"},
	{"req api.RunAgentRequest", `req := api.NewRunRequest("Hello!")`},
	{"msgs []api.Message", `msgs := []api.Message{{Role: api.MessageRoleUser, Content: "Hello!"}}`},
	{"provider api.LLMProvider", "providers, err := client.ListLLMProviders(ctx)\n\tcheck(err)\n\tprovider := providers[0]"},
	{"connectionID int64", "connectionID := int64(1001)"},
}

// TestREADMEGoBlocks compiles every Go block of README.md, and runs those
// that can run against the fake: whole programs, marked fragments (wrapped
// in a function whose parameters main makes on the fake) and test blocks.
// A fragment's trailing "// Output: X" is compared with what it printed.
func TestREADMEGoBlocks(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs every README block (-short)")
	}
	root := repoRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := readmeBlocks(t, string(readme))
	if len(blocks) < 10 {
		t.Fatalf("found %d go blocks in README.md; the extraction is broken", len(blocks))
	}
	// Inside the module (so the blocks import this working tree), under
	// testdata (so ./... never sees it).
	if err := os.MkdirAll(filepath.Join(root, "scripts", "testdata"), 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp(filepath.Join(root, "scripts", "testdata"), "readme-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	var pkgs []string
	for i, b := range blocks {
		name := fmt.Sprintf("block%02d_line%d", i+1, b.line)
		src, err := blockSource(b)
		if err != nil {
			t.Errorf("README line %d: %v", b.line, err)
			continue
		}
		file := "main.go"
		if b.kind == "test" {
			file = "readme_test.go"
		}
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, file), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		if b.kind == "test" { // a package needs a non-test file to build
			if err := os.WriteFile(filepath.Join(dir, name, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		pkgs = append(pkgs, name)
	}
	if t.Failed() {
		return
	}

	// Compile everything at once: one go command, the packages in parallel.
	// (Test blocks compile when go test runs them below.)
	bin := filepath.Join(dir, "bin")
	build := exec.Command("go", "build", "-o", bin+string(filepath.Separator), "./...")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("README go blocks do not compile:\n%s", readmeLines(string(out), blocks))
	}
	// Run what can run, each against a fresh fake whose clock is the
	// structured example's.
	work := t.TempDir()
	if err := os.WriteFile(filepath.Join(work, "manual.pdf"), []byte("%PDF-1.4 the manual\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ran := 0
	for i, b := range blocks {
		if !b.run {
			continue
		}
		fake := makeagentstest.NewServer(t, makeagentstest.WithClock(func() time.Time { return time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC) }))
		env := append(os.Environ(), "MAKE_API_TOKEN="+fake.Token(), "MAKE_TEAM_ID=42", "MAKE_BASE_URL="+fake.URL(), "MAKE_ZONE=")
		// A bound so that a hung block fails the test rather than CI; not
		// an assertion on speed.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		var cmd *exec.Cmd
		if b.kind == "test" {
			cmd = exec.CommandContext(ctx, "go", "test", "-count=1", "./"+pkgs[i])
			cmd.Dir = dir
		} else {
			cmd = exec.CommandContext(ctx, filepath.Join(bin, pkgs[i]))
			cmd.Dir = work
		}
		cmd.Env = env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		cancel()
		ran++
		if err != nil {
			t.Errorf("README line %d: the block failed against the fake: %v\nstdout:\n%s\nstderr:\n%s", b.line, err, stdout.String(), stderr.String())
			continue
		}
		if want, ok := expectedOutput(b.src); ok && strings.TrimSpace(stdout.String()) != want {
			t.Errorf("README line %d: printed %q, its // Output: says %q", b.line, strings.TrimSpace(stdout.String()), want)
		}
	}
	t.Logf("%d README go blocks compiled, %d of them run against the fake", len(blocks), ran)
}

// blockSource makes a block a Go file: a program as it is; a test block
// with a package clause and its imports; a fragment wrapped in
// func fragment(params) error, with a main that makes the parameters on
// the fake when it runs. Packages a fragment uses are imported for it
// (readmePackages); an "import" line at its top is honoured.
func blockSource(b readmeBlock) (string, error) {
	if b.kind == "program" {
		return b.src, nil
	}
	body := b.src
	imports := map[string]bool{}
	for _, m := range importLine.FindAllStringSubmatch(body, -1) {
		imports[m[1]] = true
	}
	body = importLine.ReplaceAllString(body, "")
	var file string
	switch b.kind {
	case "test":
		file = "package main\n\n" + body
	default:
		var setup []string
		var args []string
		if b.run {
			imports["context"], imports["log"], imports[readmePackages["api"]] = true, true, true
			for _, p := range splitParams(b.params) {
				if !slices.ContainsFunc(fragmentSetup, func(s struct{ param, code string }) bool { return s.param == p }) {
					return "", fmt.Errorf("a run fragment's parameter %q has no setup (known: %v)", p, fragmentSetup)
				}
				args = append(args, strings.Fields(p)[0])
			}
			for _, s := range fragmentSetup { // all of them, in order: later ones use earlier ones
				setup = append(setup, s.code)
			}
		}
		main := "func main() {}\n"
		if b.run {
			main = "func main() {\n\t" + strings.Join(setup, "\n\t") + "\n\t" +
				strings.Repeat("_, _, _, _, _, _ = agent, req, msgs, provider, connectionID, agentID\n\t", 1) +
				"check(fragment(" + strings.Join(args, ", ") + "))\n}\n\nfunc check(err error) {\n\tif err != nil {\n\t\tlog.Fatal(err)\n\t}\n}\n"
		}
		file = "package main\n\n" + main + "\nfunc fragment(" + b.params + ") error {\n" + body + usedLater(body) + "\treturn nil\n}\n"
	}
	// Import what the code names (a parse needs no imports).
	f, err := parser.ParseFile(token.NewFileSet(), "block.go", file, parser.SkipObjectResolution)
	if err != nil {
		return "", fmt.Errorf("not Go: %v\n%s", err, file)
	}
	declared := map[string]bool{}
	for _, p := range splitParams(b.params) {
		declared[strings.Fields(p)[0]] = true
	}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && !declared[id.Name] && readmePackages[id.Name] != "" {
				imports[readmePackages[id.Name]] = true
			}
		}
		return true
	})
	var lines []string
	for p := range imports {
		lines = append(lines, fmt.Sprintf("\t%q", p))
	}
	slices.Sort(lines)
	clause, rest, _ := strings.Cut(file, "\n\n")
	return clause + "\n\nimport (\n" + strings.Join(lines, "\n") + "\n)\n\n" + rest, nil
}

// usedLater marks every variable a fragment declares at its top level as
// used: a fragment is an excerpt, and what it declares for the code that
// would follow must not fail the compile as "declared and not used".
func usedLater(body string) string {
	f, err := parser.ParseFile(token.NewFileSet(), "f.go", "package p\nfunc f() {\n"+body+"\n}\n", parser.SkipObjectResolution)
	if err != nil {
		return "" // the real parse reports it
	}
	var names []string
	add := func(id *ast.Ident) {
		if id.Name != "_" && !slices.Contains(names, id.Name) {
			names = append(names, id.Name)
		}
	}
	for _, st := range f.Decls[0].(*ast.FuncDecl).Body.List {
		switch st := st.(type) {
		case *ast.AssignStmt:
			if st.Tok == token.DEFINE {
				for _, l := range st.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						add(id)
					}
				}
			}
		case *ast.DeclStmt:
			if g, ok := st.Decl.(*ast.GenDecl); ok && g.Tok == token.VAR {
				for _, s := range g.Specs {
					for _, id := range s.(*ast.ValueSpec).Names {
						add(id)
					}
				}
			}
		}
	}
	var out strings.Builder
	for _, n := range names {
		fmt.Fprintf(&out, "\t_ = %s\n", n)
	}
	return out.String()
}

func splitParams(params string) []string {
	var out []string
	for _, p := range strings.Split(params, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// expectedOutput is a block's trailing "// Output: X" line, as in Go examples.
func expectedOutput(src string) (string, bool) {
	lines := strings.Split(strings.TrimRight(src, "\n"), "\n")
	want, ok := strings.CutPrefix(strings.TrimSpace(lines[len(lines)-1]), "// Output: ")
	return strings.TrimSpace(want), ok
}

// readmeLines rewrites the go command's "blockNN_lineL/main.go:X:Y:"
// positions so the reader knows which README block failed.
func readmeLines(out string, blocks []readmeBlock) string {
	return regexp.MustCompile(`block\d+_line(\d+)/[a-z_]+\.go`).ReplaceAllString(out, "README block at line $1 (generated $0)")
}
