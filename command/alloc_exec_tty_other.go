//go:build !linux

package command

import (
	"errors"
	"os"
)

// Terminals are handled on Linux only: elsewhere exec runs without raw
// mode or size updates.

func isTerminal(*os.File) bool { return false }

func makeRaw(*os.File) (func(), error) {
	return nil, errors.New("raw terminal mode is supported on Linux only")
}

func terminalSizes(*os.File) (<-chan execTTYSize, func()) { return nil, func() {} }
