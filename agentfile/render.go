package agentfile

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteText writes the plan for a person, in the manner of terraform plan:
// one block per agent (+ create, ~ update, -/+ replace, - delete), each
// field that differs with its old and new value (a multi-line value as a
// line diff), each context added or deleted, and a summary line.
func (cs *Changeset) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, a := range cs.Agents {
		writeAgent(&b, a)
	}
	n := cs.Counts()
	if out := b.String(); out != "" && !strings.HasSuffix(out, "\n\n") {
		b.WriteString("\n")
	}
	if !cs.HasChanges() {
		b.WriteString("No changes: the team matches the file.")
	} else {
		fmt.Fprintf(&b, "Plan: %d to create, %d to update, %d to replace, %d to delete.", n.Create, n.Update, n.Replace, n.Delete)
	}
	if n.Unchanged > 0 {
		fmt.Fprintf(&b, " %d unchanged.", n.Unchanged)
	}
	if n.NotInFile > 0 {
		fmt.Fprintf(&b, " %d not in the file, kept (prune deletes them).", n.NotInFile)
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, printable(b.String()))
	return err
}

// printable replaces control characters other than line breaks and tabs:
// names and prompts come from the server and must not drive a terminal.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r < 0x20 || (r >= 0x7f && r < 0xa0) {
			return '\uFFFD'
		}
		return r
	}, s)
}

var marks = map[Action]string{Create: "+", Update: "~", Replace: "-/+", Delete: "-", Unchanged: "=", NotInFile: "?"}

func writeAgent(b *strings.Builder, a AgentChange) {
	start := b.Len()
	fmt.Fprintf(b, "%s %s %q", marks[a.Action], a.Action, a.Agent)
	if a.AgentID != "" {
		fmt.Fprintf(b, " (%s)", a.AgentID)
	}
	b.WriteString("\n")
	header := b.Len() - start
	if a.Reason != "" {
		fmt.Fprintf(b, "    because %s\n", a.Reason)
	}
	if a.Action == NotInFile {
		b.WriteString("    not in the file; kept (prune deletes it)\n")
	}
	for _, f := range a.Fields {
		writeField(b, a.Action, f)
	}
	for _, k := range a.Knowledge {
		switch k.Action {
		case AddContext:
			fmt.Fprintf(b, "    knowledge: + %s (from %s)\n", k.DocumentName, k.Source)
		case DeleteContext:
			fmt.Fprintf(b, "    knowledge: - %s (%s)\n", k.DocumentName, k.Reason)
		case KeepContext:
			fmt.Fprintf(b, "    knowledge:   %s kept: %s\n", k.DocumentName, k.Reason)
		}
	}
	if b.Len()-start > header {
		b.WriteString("\n") // a blank line closes an agent's details
	}
}

func writeField(b *strings.Builder, action Action, f FieldChange) {
	oldS, newS := show(f.Old), show(f.New)
	multi := strings.Contains(oldS, "\n") || strings.Contains(newS, "\n")
	switch {
	case action == Create:
		if multi {
			fmt.Fprintf(b, "    %s:\n", f.Field)
			for _, l := range strings.Split(strings.TrimSuffix(newS, "\n"), "\n") {
				fmt.Fprintf(b, "      + %s\n", l)
			}
			return
		}
		fmt.Fprintf(b, "    %s: %s\n", f.Field, newS)
	case multi:
		fmt.Fprintf(b, "    %s:\n", f.Field)
		for _, l := range lineDiff(oldS, newS) {
			fmt.Fprintf(b, "      %s\n", l)
		}
	default:
		fmt.Fprintf(b, "    %s: %s -> %s\n", f.Field, oldS, newS)
	}
}

// show renders a value: strings as they are when multi-line (for the line
// diff), else quoted; anything else as JSON.
func show(v any) string {
	switch x := v.(type) {
	case nil:
		return "(none)"
	case string:
		if strings.Contains(x, "\n") {
			return x
		}
		return fmt.Sprintf("%q", x)
	case []string:
		if len(x) == 0 {
			return "(none)"
		}
		q := make([]string, len(x))
		for i, s := range x {
			q[i] = fmt.Sprintf("%q", s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	j, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(j)
}

// maxDiffLines bounds the line diff's quadratic table; longer texts are
// shown whole, old then new.
const maxDiffLines = 1000

// lineDiff is a minimal line diff of two texts (longest common
// subsequence): "  " unchanged, "- " removed, "+ " added.
func lineDiff(oldText, newText string) []string {
	a := strings.Split(strings.TrimSuffix(oldText, "\n"), "\n")
	bl := strings.Split(strings.TrimSuffix(newText, "\n"), "\n")
	if oldText == "(none)" {
		a = nil
	}
	var out []string
	if len(a) > maxDiffLines || len(bl) > maxDiffLines {
		for _, l := range a {
			out = append(out, "- "+l)
		}
		for _, l := range bl {
			out = append(out, "+ "+l)
		}
		return out
	}
	lcs := make([][]int32, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int32, len(bl)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(bl) - 1; j >= 0; j-- {
			if a[i] == bl[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(a) && j < len(bl) {
		switch {
		case a[i] == bl[j]:
			out = append(out, "  "+a[i])
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, "- "+a[i])
			i++
		default:
			out = append(out, "+ "+bl[j])
			j++
		}
	}
	for ; i < len(a); i++ {
		out = append(out, "- "+a[i])
	}
	for ; j < len(bl); j++ {
		out = append(out, "+ "+bl[j])
	}
	return out
}
