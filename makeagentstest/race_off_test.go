//go:build !race

package makeagentstest_test

const raceEnabled = false
