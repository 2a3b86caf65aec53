//go:build tools

// This file pins the versions of the code generator and linters in go.mod,
// so that `go generate ./...` and `make lint` run exactly the versions recorded
// there, never whatever happens to be on PATH or @latest.
package makeagents

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
	_ "honnef.co/go/tools/cmd/staticcheck"
)
