package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// maxFileBytes bounds every file the CLI reads into memory (--from-file,
// --token-file, --config-file): request bodies and tokens are kilobytes,
// and the SDK refuses request bodies over 32 MiB anyway.
const maxFileBytes = 32 << 20

// Errors of a file flag, named so that tests and scripts can tell them
// apart; both are usage errors (exit 2).
var (
	errNotRegularFile = errors.New("not a regular file")
	errFileTooLarge   = fmt.Errorf("larger than %d MiB", maxFileBytes>>20)
)

// fileError is a file flag that could not be read: a usage error.
type fileError struct {
	flag, path string
	err        error
}

func (e *fileError) Error() string {
	return fmt.Sprintf("%s %s: %v", e.flag, e.path, e.err)
}

func (e *fileError) Unwrap() error { return e.err }

// readFlagFile reads the file named by a command-line flag into memory:
// regular files only (never a device such as /dev/zero, a FIFO or a
// directory), at most maxFileBytes. "-" reads stdin, with the same bound,
// when stdin is not nil. Every failure is a *usageError wrapping a
// *fileError. An upload that is sent as it is read (contexts add --file)
// must not use this: it streams instead.
func readFlagFile(flagName, path string, stdin io.Reader) ([]byte, error) {
	var src io.Reader
	if path == "-" && stdin != nil {
		src = stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, usageFileError(flagName, path, err)
		}
		defer f.Close()
		// Stat the open file, not the path: what is checked is what is read.
		info, err := f.Stat()
		if err != nil {
			return nil, usageFileError(flagName, path, err)
		}
		if !info.Mode().IsRegular() {
			return nil, usageFileError(flagName, path, errNotRegularFile)
		}
		if info.Size() > maxFileBytes {
			return nil, usageFileError(flagName, path, errFileTooLarge)
		}
		src = f
	}
	// The size can change between Stat and read, and stdin has none.
	b, err := io.ReadAll(io.LimitReader(src, maxFileBytes+1))
	if err != nil {
		return nil, usageFileError(flagName, path, err)
	}
	if len(b) > maxFileBytes {
		return nil, usageFileError(flagName, path, errFileTooLarge)
	}
	return b, nil
}

func usageFileError(flagName, path string, err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err // the path is already in the message
	}
	return &usageError{msg: (&fileError{flag: flagName, path: path, err: err}).Error(), cause: &fileError{flag: flagName, path: path, err: err}}
}
