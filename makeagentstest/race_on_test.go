//go:build race

package makeagentstest_test

// raceEnabled is set when the tests run under the race detector, which
// makes the tests that move hundreds of MiB take minutes.
const raceEnabled = true
