//go:build linux

package logmon

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
)

// runEnv makes this test binary act as `nomadish logmon` when Launch runs
// it as `<test binary> logmon ...`: faster than building the real binary.
const runEnv = "NOMADISH_LOGMON_TEST_RUN"

// agentEnv makes this test binary act as an agent that launches a logmon
// for the log dir in os.Args[1], prints the handle as JSON and waits to be
// killed: TestLogmonSurvivesAgentKill kills it with SIGKILL.
const agentEnv = "NOMADISH_LOGMON_TEST_AGENT"

func TestMain(m *testing.M) {
	if os.Getenv(runEnv) == "1" && len(os.Args) > 1 && os.Args[1] == "logmon" {
		os.Exit(Run(context.Background(), os.Args[2:], os.Stderr))
	}
	if os.Getenv(agentEnv) == "1" {
		os.Exit(fakeAgent())
	}
	os.Setenv(runEnv, "1")
	becomeSubreaper()
	os.Exit(m.Run())
}

func fakeAgent() int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	h, err := Launch(exe, Config{LogDir: os.Args[1], Task: "web"}, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := json.NewEncoder(os.Stdout).Encode(h); err != nil {
		return 1
	}
	select {}
}
