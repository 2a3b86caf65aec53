# makeagents-go developer tasks. `make check` is what CI runs (via .ci/run).
GO ?= go
STATICCHECK = $(GO) run honnef.co/go/tools/cmd/staticcheck

.PHONY: check generate validate check-generated test race fuzz-seeds lint fmt bench bench-vet soak

check: lint validate check-generated race bench-vet

generate:
	$(GO) generate ./...

validate:
	$(GO) run ./scripts/validate-spec openapi.yaml

check-generated:
	scripts/check-generated

test:
	$(GO) test ./...

race:
	$(GO) test -race -count=1 ./...

# Runs only the fuzz targets' seed corpora (testdata/fuzz and f.Add seeds) as
# plain tests. Not part of check: `go test` runs every Fuzz function's seeds
# as ordinary tests, so the race run above already covers them and a second
# run would test the same inputs twice.
fuzz-seeds:
	$(GO) test -count=1 -run '^Fuzz' ./...

lint:
	@unformatted=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt: not formatted:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

fmt:
	gofmt -w $$(git ls-files -co --exclude-standard '*.go' | grep -v '\.gen\.go$$')

# bench/ is its own module (peer SSE decoders stay out of go.mod); check keeps
# it compiling against the current sse package, bench runs it.
bench-vet:
	cd bench && $(GO) vet ./...

# The ratio harness of issue 13 (a few minutes; prints every ratio next to
# its target). The older per-decoder benchmarks: cd bench && go test -bench .
bench:
	cd bench && $(GO) run ./ratios

# The fake over time (issue 23): a million mixed requests to `makeagents fake`
# run as a separate process, its RSS every 100,000 and its throughput beside
# bare net/http, written to bench/soak-results.md; then the per-request memory
# bound (skipped under -race, so not in check). Several minutes; not in check.
soak:
	@dir=$$(mktemp -d) && $(GO) build -o $$dir/makeagents ./cmd/makeagents && \
	(cd bench && $(GO) run ./soak -bin $$dir/makeagents -out soak-results.md); status=$$?; rm -rf $$dir; \
	[ $$status -eq 0 ] && $(GO) test -count=1 -run 'TestSingleRequestMemoryIsBounded' -v ./makeagentstest | grep -E 'allocated|^(ok|FAIL|---)'
