package command

import (
	"os"
	"testing"

	"github.com/nomadish/nomadish/nomadish/panics"
)

// TestMain fails the package when a panic was recovered (in an
// in-process server or agent) in a test that did not provoke it on
// purpose (panics.Allow): a recovered panic is a bug.
func TestMain(m *testing.M) { os.Exit(panics.CheckMain(m)) }
