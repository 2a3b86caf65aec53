// Package eval tests an agent against a suite of cases, the way promptfoo
// and OpenAI's evals do for prompts, but knowing Make: its threads, the
// scenarios an agent calls as tools, the per-run model override, token
// usage and rate limits. `makeagents eval` is this package on the command
// line; RunTests puts the same suite inside `go test`.
//
//	suite, err := eval.Load("support.eval.yaml")
//	rep, err := eval.Run(ctx, client, suite) // client from api.New: its rate limit and retries apply
//	rep.WriteTable(os.Stdout)
//	if !rep.Passed() { os.Exit(1) }
//
// # Suite file
//
// YAML, or JSON (which YAML reads too):
//
//	name: Support bot              # the agent, by name in the team; or agent: <id>
//	models: [gpt-4.1-mini, gpt-4o] # optional: each case once per model (config.llmConfig.llmModel)
//	concurrency: 4                 # optional, default 4: runs in flight at once
//	repeat: 1                      # optional: runs per case and model, to measure flakiness
//	assert:                        # optional: assertions every case gets
//	  - max-latency: 30s
//	cases:
//	  - name: greets the user      # required, unique: it names the results and resumes
//	    input: "Hello, I am Ada"
//	    assert:
//	      - contains: "Ada"
//	      - regex: "(?i)hello|hi"
//	  - name: answers in shape
//	    input: "Summarise order 42"
//	    output: {orderId: integer, status: string, note: optional text, tags: [string]}
//	    assert:
//	      - json: {path: status, equals: shipped}
//	  - name: remembers within a thread
//	    turns: ["My name is Ada", "What is my name?"]
//	    assert: [{icontains: "ada"}]
//
// A case sends input, or each of turns in one thread; its assertions judge
// the last turn. output is sent as the run's make-schema output parser:
// either Make's own field list ([{name, type, required, spec}]) or the short
// form above, where a value is a Make type (string, text, number, integer,
// uinteger, boolean, date, json, any, ...), "optional T" (or "T?") an
// optional field, [T] an array and a mapping a collection of scalar fields.
//
// Every mistake (an unknown key or assertion, a bad regex, a case without
// input, a type Make does not have) is a *SuiteError naming the file, the
// line and the key, found before anything is sent.
//
// # Assertions
//
// Each assertion is a one-key mapping. On the answer text:
//
//	contains, not-contains       text, case-sensitive
//	icontains, not-icontains     text, ignoring case
//	regex, not-regex             a Go (RE2) regular expression; (?i) ignores case
//	equals                       the whole answer, surrounding space trimmed
//	starts-with                  the answer's beginning, leading space trimmed
//
// On the run:
//
//	max-tokens, min-tokens       the turn's total tokens (tokenUsageSummary)
//	max-latency                  the turn's wall time as the client measured it: 20s, 1500ms
//	tool-called, not-tool-called a tool of the run's steps, by name (case ignored) or, for a
//	                             scenario, by its id (a number in the tool's name or its
//	                             execution link): "Tool 122: look up an order", 122, knowledge
//
// On the structured answer (jsonResponse, else the answer text as JSON,
// one ``` fence allowed):
//
//	json: {path: P, equals: V}   the field at P equals V (any YAML value, compared as JSON)
//	json: {path: P, exists: B}   the field is there (true) or not (false); {path: P} alone: there
//	json: {path: P, contains: T} a text field contains T, or a list has the item T
//	is-json: true                the answer is JSON
//	output-valid: true           the answer fits the case's output: required fields, types
//
// A path is keys and indexes: status, order.items[0].sku, $.tags[1] (inside
// {...} quote a path with brackets: {path: "tags[1]"}).
//
// # Results
//
// Run returns a Report: a Result per (case, model, repeat) with its status
// (pass, fail, or error when a call failed), each failed assertion with an
// excerpt of the actual answer, tokens and latency. WriteTable, WriteJSON,
// WriteJUnit (one testcase per case and model, for CI) and WriteMarkdown
// (totals per model: pass rate, tokens, latency p50/p95) render it.
// WithResume with an earlier JSON report runs only what it does not hold
// for the same cases and the same agent configuration.
package eval
