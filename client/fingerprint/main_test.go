package fingerprint

import (
	"os"
	"testing"

	"github.com/nomadish/nomadish/nomadish/panics"
)

// TestMain fails the package when a fingerprinter panicked in a test that
// did not provoke it on purpose (panics.Allow).
func TestMain(m *testing.M) { os.Exit(panics.CheckMain(m)) }
