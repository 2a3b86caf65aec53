// Package scripts holds the tests of the repository's check scripts: that
// they pass on the real tree and fail when they should.
package scripts

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func run(t *testing.T, dir, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// validate-spec exits 0 on openapi.yaml and 1, printing the problem, on a
// broken copy.
func TestValidateSpecCommand(t *testing.T) {
	root := repoRoot(t)
	if out, err := run(t, root, "go", "run", "./scripts/validate-spec", "openapi.yaml"); err != nil {
		t.Fatalf("validate-spec on openapi.yaml failed: %v\n%s", err, out)
	}
	spec, err := os.ReadFile(filepath.Join(root, "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(t.TempDir(), "broken.yaml")
	if err := os.WriteFile(broken, bytes.Replace(spec, []byte("exclusiveMinimum: true"), []byte("exclusiveMinimum: 0"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, root, "go", "run", "./scripts/validate-spec", broken)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("validate-spec on a broken spec: err %v, want exit status 1\n%s", err, out)
	}
	if !strings.Contains(out, "exclusiveMinimum") || !strings.Contains(out, "broken.yaml") {
		t.Errorf("output does not name the problem and its location:\n%s", out)
	}
}

// check-generated passes on a faithful copy of the tree, and fails, naming
// the file, after a hand edit of generated code or a stray generated file.
func TestCheckGeneratedCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("regenerates a copy of the repository")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	root := repoRoot(t)
	copyDir := t.TempDir()
	files, err := run(t, root, "git", "ls-files", "-co", "--exclude-standard")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range strings.Fields(files) {
		b, err := os.ReadFile(filepath.Join(root, f))
		if os.IsNotExist(err) {
			continue // deleted in the work tree
		}
		if err != nil {
			t.Fatal(err)
		}
		info, _ := os.Stat(filepath.Join(root, f))
		dst := filepath.Join(copyDir, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, info.Mode()); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{
		{"init", "-q"}, {"add", "-A"},
		{"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "snapshot"},
	} {
		if out, err := run(t, copyDir, "git", args...); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	check := func() (string, error) { return run(t, copyDir, "scripts/check-generated") }

	if out, err := check(); err != nil {
		t.Fatalf("check-generated fails on an unmodified tree: %v\n%s", err, out)
	}

	gen := filepath.Join(copyDir, "api", "api.gen.go")
	orig, _ := os.ReadFile(gen)
	if err := os.WriteFile(gen, append(orig, []byte("\n// edited by hand\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, copyDir, "git", "commit", "-qam", "hand edit"); err != nil {
		t.Fatal(err)
	}
	out, err := check()
	if err == nil || !strings.Contains(out, "api/api.gen.go") {
		t.Fatalf("check-generated accepted a hand-edited generated file: %v\n%s", err, out)
	}
	// The failed check regenerated in place; restore the committed state.
	if _, err := run(t, copyDir, "git", "checkout", "-q", "HEAD~1", "--", "."); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, copyDir, "git", "commit", "-qam", "undo hand edit"); err != nil {
		t.Fatal(err)
	}

	stray := filepath.Join(copyDir, "api", "stray.gen.go")
	if err := os.WriteFile(stray, []byte("package api\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = check()
	if err == nil || !strings.Contains(out, "api/stray.gen.go") {
		t.Fatalf("check-generated accepted an untracked generated file: %v\n%s", err, out)
	}
}
