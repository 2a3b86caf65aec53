// Package suggest finds what a user probably meant when a name they typed
// (a command, a flag, a file's key) is not one of the names known: the
// "did you mean" of the CLI, agent files and eval suites, so that all three
// suggest the same names for the same slip.
package suggest

import "strings"

// maxDistance is the most edits a typed name may be from a candidate to be
// suggested: two catches a transposition or a doubled letter, while three
// would offer unrelated short names ("ids" for "foo").
const maxDistance = 2

// Closest returns the candidates nearest to typed, ignoring case: those
// within an edit distance of 2, only the nearest ones, in candidate order;
// or else, when none is that near, those typed (two letters or more) is a
// prefix of. At most three; nil when nothing is close.
func Closest(typed string, candidates []string) []string {
	typed = strings.ToLower(typed)
	best, out := maxDistance, []string(nil)
	for _, c := range candidates {
		switch d := Distance(typed, strings.ToLower(c)); {
		case d < best || (d == best && out == nil):
			best, out = d, []string{c}
		case d == best:
			out = append(out, c)
		}
	}
	if len(out) == 0 && len(typed) >= 2 {
		for _, c := range candidates {
			if strings.HasPrefix(strings.ToLower(c), typed) {
				out = append(out, c)
			}
		}
	}
	if len(out) > 3 {
		out = out[:3]
	}
	return out
}

// Best is the first of Closest, or "" when nothing is close: for messages
// that name one guess.
func Best(typed string, candidates []string) string {
	if c := Closest(typed, candidates); len(c) > 0 {
		return c[0]
	}
	return ""
}

// DidYouMean is what follows a refusal when something is close:
// "; did you mean a or b?" for Closest's answer, "" for nil.
func DidYouMean(close []string) string {
	if len(close) == 0 {
		return ""
	}
	return "; did you mean " + strings.Join(close, " or ") + "?"
}

// Distance is the Levenshtein distance of a and b: how many insertions,
// deletions and substitutions of characters (runes, so that a key in
// another script counts one edit per letter) turn a into b.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
