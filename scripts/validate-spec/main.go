// Command validate-spec checks openapi.yaml with kin-openapi (examples
// included) and this project's own spec rules, prints each problem with its
// location, and exits 1 if there is any.
//
//	go run ./scripts/validate-spec [path/to/openapi.yaml]
package main

import (
	"fmt"
	"os"

	"github.com/makeagents/makeagents-go/internal/specvalidate"
)

func main() {
	path := "openapi.yaml"
	switch len(os.Args) {
	case 1:
	case 2:
		path = os.Args[1]
	default:
		fmt.Fprintln(os.Stderr, "usage: validate-spec [openapi.yaml]")
		os.Exit(2)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "validate-spec: %v\n", err)
		os.Exit(2)
	}
	problems := specvalidate.Validate(path, data)
	for _, p := range problems {
		fmt.Println(p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(os.Stderr, "validate-spec: %s: %d problem(s)\n", path, len(problems))
		os.Exit(1)
	}
	fmt.Printf("%s: valid\n", path)
}
