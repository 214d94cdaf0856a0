package taskrunner

import (
	"context"
	"fmt"

	"github.com/nomadish/nomadish/client/allocdir"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// taskDirHook builds the task's directory (idempotent) and records a
// "Task Setup" event the first time.
type taskDirHook struct {
	allocDir *allocdir.AllocDir
	emit     func(*structs.TaskEvent)
}

func newTaskDirHook(d *allocdir.AllocDir, emit func(*structs.TaskEvent)) *taskDirHook {
	return &taskDirHook{allocDir: d, emit: emit}
}

func (*taskDirHook) Name() string { return "taskdir" }

// taskDirBuilt is the hook's persisted state once the directory was built.
var taskDirBuilt = []byte("built")

func (h *taskDirHook) Prestart(_ context.Context, req *PrestartRequest) error {
	task := req.Setup.Task
	if req.HookState == nil {
		h.emit(NewEvent(EventTaskSetup, "Building Task Directory"))
	}
	if err := h.allocDir.Build([]string{task.Name}); err != nil {
		return setupError(EventSetupFailure, fmt.Errorf("build task directory: %w", err), false)
	}
	req.Setup.TaskDir = h.allocDir.TaskDir(task.Name)
	req.HookState = taskDirBuilt
	return nil
}
