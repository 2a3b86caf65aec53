package scripts

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildOnlyModules are modules this repository needs only to build itself
// (the generator, the linters and their dependencies); a user's go.mod must
// never list them. oapi-codegen/v2 is the generator; its runtime
// (github.com/oapi-codegen/runtime) is a real dependency of package api.
var buildOnlyModules = []string{
	"github.com/oapi-codegen/oapi-codegen/v2",
	"honnef.co/go/tools",
	"golang.org/x/tools",
}

// A program that imports api, sse and makeagentstest (which a user's tests
// do) gets none of our build tools in its go.mod. They are pinned by
// tools.go in the root package, so this holds only while nothing a user
// imports imports the root package: the test builds a throwaway module that
// uses all three, runs `go mod tidy` and reads the result.
//
// It needs no network when the module cache is warm (it is after this
// repository has been built): the consumer starts from this repository's
// go.sum, and GOPROXY/GOFLAGS come from the environment.
func TestConsumerGoModHasNoBuildTools(t *testing.T) {
	requires, gomod := consumerRequires(t, consumerMain)
	t.Logf("consumer go.mod requires %d modules: %s", len(requires), strings.Join(requires, ", "))
	for _, m := range buildOnlyModules {
		for _, r := range requires {
			if r == m {
				t.Errorf("a consumer's go.mod requires %s, a build-only module of this repository:\n%s", m, gomod)
			}
		}
	}
	// The OpenTelemetry adapter is its own package: a program that does not
	// import it builds without OpenTelemetry.
	for _, r := range requires {
		if strings.HasPrefix(r, "go.opentelemetry.io/") {
			t.Errorf("a consumer of api, sse and makeagentstest requires %s:\n%s", r, gomod)
		}
	}
}

// The other side of the check above, so it cannot pass by reading the
// wrong thing: a program that imports otelmakeagents does get OpenTelemetry.
func TestConsumerOfOtelAdapterGetsOpenTelemetry(t *testing.T) {
	requires, gomod := consumerRequires(t, `package main

import (
	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/otelmakeagents"
)

func main() { _, _ = api.New(otelmakeagents.WithTracing()) }
`)
	for _, r := range requires {
		if r == "go.opentelemetry.io/otel" {
			return
		}
	}
	t.Errorf("a consumer of otelmakeagents does not require go.opentelemetry.io/otel:\n%s", gomod)
}

// consumerMain imports api, sse and makeagentstest, as a user's program
// and its tests do.
const consumerMain = `package main

import (
	"context"
	"fmt"

	"github.com/makeagents/makeagents-go/api"
	"github.com/makeagents/makeagents-go/makeagentstest"
	"github.com/makeagents/makeagents-go/sse"
)

func main() {
	s, err := makeagentstest.Start()
	if err != nil {
		panic(err)
	}
	defer s.Close()
	client, err := s.Client(api.WithTeamID(1))
	if err != nil {
		panic(err)
	}
	_, err = sse.Run(context.Background(), client, "x", api.RunAgentRequest{})
	fmt.Println(err)
}
`

// consumerRequires builds a throwaway module whose main.go is mainGo, with
// this repository replaced in, runs `go mod tidy` and returns the modules
// its go.mod requires, and the go.mod.
func consumerRequires(t *testing.T, mainGo string) ([]string, string) {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH: cannot build a consumer module")
	}
	root := repoRoot(t)
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/consumer\n\ngo 1.26.0\n\n"+
		"require github.com/makeagents/makeagents-go v0.0.0\n\n"+
		"replace github.com/makeagents/makeagents-go => "+root+"\n")
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	write("go.sum", string(sum))
	write("main.go", mainGo)
	tidy := exec.Command(goBin, "mod", "tidy")
	tidy.Dir = dir
	tidy.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := tidy.CombinedOutput(); err != nil {
		t.Fatalf("go mod tidy in the consumer module: %v\n%s", err, out)
	}
	build := exec.Command(goBin, "build", "-o", os.DevNull, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build in the consumer module: %v\n%s", err, out)
	}
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	var requires []string
	for _, line := range strings.Split(string(gomod), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && strings.Contains(f[0], ".") {
			requires = append(requires, f[0])
		}
	}
	if len(requires) == 0 {
		t.Fatalf("found no requirements in the consumer's go.mod; the test is not reading it:\n%s", gomod)
	}
	return requires, string(gomod)
}
