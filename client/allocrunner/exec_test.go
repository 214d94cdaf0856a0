package allocrunner

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// capsDriver is a driver whose capabilities say no exec.
type capsDriver struct{ plugin.DriverPlugin }

func (capsDriver) Capabilities(context.Context) (*plugin.Capabilities, error) {
	return &plugin.Capabilities{FSIsolation: "none"}, nil
}

func TestExecTask(t *testing.T) {
	h := newHarness(t)
	h.drivers.Set("noexec", capsDriver{h.mock})
	side := mockTask("side", map[string]interface{}{"run_for": "1h"})
	side.Driver = "noexec"
	alloc := testAlloc(structs.JobTypeBatch,
		mockTask("web", map[string]interface{}{"run_for": "1h"}), side, mockTask("done", map[string]interface{}{"run_for": "0s"}))
	ar := h.start(alloc)
	waitFor(t, "web running and done dead", func() bool {
		st := ar.Alloc().TaskStates
		return st["web"] != nil && st["web"].State == structs.TaskStateRunning && st["side"] != nil &&
			st["side"].State == structs.TaskStateRunning && st["done"] != nil && st["done"].State == structs.TaskStateDead
	})
	ctx := context.Background()

	var out, errOut bytes.Buffer
	stdio := plugin.ExecStdio{Stdin: strings.NewReader("in\n"), Stdout: &out, Stderr: &errOut}
	if err := ar.CheckExec(ctx, "web"); err != nil {
		t.Fatalf("check web: %v", err)
	}
	res, err := ar.ExecTask(ctx, "web", []string{"cat"}, stdio)
	if err != nil || res.ExitCode != 0 || out.String() != "in\n" {
		t.Fatalf("cat: %+v %v %q", res, err, out.String())
	}
	if res, err := ar.ExecTask(ctx, "web", []string{"exit", "4"}, stdio); err != nil || res.ExitCode != 4 {
		t.Fatalf("exit 4: %+v %v", res, err)
	}
	for _, tc := range []struct {
		task string
		want error
	}{
		{"done", ErrTaskNotRunning},
		{"nope", ErrUnknownTask},
		{"", ErrUnknownTask},
		{"side", plugin.ErrNotSupported},
	} {
		if err := ar.CheckExec(ctx, tc.task); !errors.Is(err, tc.want) {
			t.Errorf("check %q: %v, want %v", tc.task, err, tc.want)
		}
		if _, err := ar.ExecTask(ctx, tc.task, []string{"echo"}, stdio); !errors.Is(err, tc.want) {
			t.Errorf("exec %q: %v, want %v", tc.task, err, tc.want)
		}
	}
	if st := ar.Alloc().TaskStates["web"]; st.State != structs.TaskStateRunning || st.Restarts != 0 {
		t.Fatalf("web after the execs: %s, %d restarts", st.State, st.Restarts)
	}
}
