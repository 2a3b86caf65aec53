package api

import "strings"

// Lines returns Make's error detail as a list of lines: the one string when
// Make sent a string, the strings of the array when it sent an array (as its
// validation errors do). It returns nil when the detail is absent or neither.
func (d ErrorDetail) Lines() []string {
	if len(d.union) == 0 {
		return nil
	}
	if s, err := d.AsErrorDetailText(); err == nil {
		if s == "" {
			return nil
		}
		return []string{s}
	}
	if list, err := d.AsErrorDetailLines(); err == nil {
		return list
	}
	return nil
}

// Text returns the detail as one readable string, lines joined by "; ".
func (d ErrorDetail) Text() string { return strings.Join(d.Lines(), "; ") }
