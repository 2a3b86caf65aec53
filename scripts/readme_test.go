package scripts

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestREADMEFirstProgram: the README's first program is, line for line,
// the body of firstProgram in makeagentstest/first_program_test.go, which
// Example_firstProgram runs against the fake with its output checked. So
// the program a newcomer copies is the one CI runs, and it stays within
// 25 body lines.
func TestREADMEFirstProgram(t *testing.T) {
	root := repoRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(root, "makeagentstest", "first_program_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)## Your first program.*?```go\n(.*?)```").FindSubmatch(readme)
	if block == nil {
		t.Fatal("README has no ```go block under \"## Your first program\"")
	}
	inREADME := bodyOf(t, string(block[1]), "func main() {")
	tested := bodyOf(t, string(src), "func firstProgram() {")
	if inREADME != tested {
		t.Errorf("README's first program differs from the tested one.\nREADME:\n%s\ntested:\n%s", inREADME, tested)
	}
	if n := strings.Count(tested, "\n"); n > 25 {
		t.Errorf("the first program has %d body lines, want at most 25", n)
	}
}

// bodyOf returns the lines between the line opening (a function header)
// and the next line that is only "}".
func bodyOf(t *testing.T, text, opening string) string {
	t.Helper()
	_, rest, ok := strings.Cut(text, opening+"\n")
	if !ok {
		t.Fatalf("no %q in\n%s", opening, text)
	}
	body, _, ok := strings.Cut(rest, "\n}\n")
	if !ok {
		t.Fatalf("no end of %q", opening)
	}
	return body + "\n"
}
