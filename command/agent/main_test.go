package agent

import (
	"os"
	"testing"

	"github.com/nomadish/nomadish/nomadish/panics"
)

// TestMain fails the package when a handler panicked in any test that did
// not provoke it on purpose (panics.Allow): a recovered panic is a bug.
func TestMain(m *testing.M) { os.Exit(panics.CheckMain(m)) }
