package allocrunner

import (
	"context"
	"os"
	"testing"

	"github.com/nomadish/nomadish/client/logmon"
)

// logmonEnv makes this test binary act as `nomadish logmon` when the
// logmon hook runs it as `<test binary> logmon ...`.
const logmonEnv = "NOMADISH_ALLOCRUNNER_TEST_LOGMON"

func TestMain(m *testing.M) {
	if os.Getenv(logmonEnv) == "1" && len(os.Args) > 1 && os.Args[1] == "logmon" {
		os.Exit(logmon.Run(context.Background(), os.Args[2:], os.Stderr))
	}
	os.Setenv(logmonEnv, "1")
	os.Exit(m.Run())
}
