package taskrunner

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/client/allocdir"
	"github.com/nomadish/nomadish/client/logmon"
)

// Log rotation defaults, as Nomad's logs block has them.
const (
	defaultLogMaxFiles      = 10
	defaultLogMaxFileSizeMB = 10
	logmonStopTimeout       = 5 * time.Second
)

// logmonHook gives the task its stdout and stderr: the FIFOs of a logmon
// process that writes the rotated log files and outlives the agent. The
// process's handle is the hook's persisted state, so a restarted agent
// re-attaches to it (or launches a new one if it is gone).
type logmonHook struct {
	allocDir *allocdir.AllocDir
	binary   string
	// direct writes straight into the first log file of each stream,
	// without a logmon process (tests).
	direct bool
	logger hclog.Logger

	mu     sync.Mutex // guards handle
	handle *logmon.Handle
}

func newLogmonHook(d *allocdir.AllocDir, binary string, direct bool, logger hclog.Logger) *logmonHook {
	return &logmonHook{allocDir: d, binary: binary, direct: direct, logger: logger}
}

func (*logmonHook) Name() string { return "logmon" }

func (h *logmonHook) Prestart(_ context.Context, req *PrestartRequest) error {
	s := req.Setup
	task := s.Task
	if task.LogConfig != nil && task.LogConfig.Disabled {
		s.StdoutPath, s.StderrPath = os.DevNull, os.DevNull
		return nil
	}
	logDir := s.TaskDir.LogDir
	if logDir == "" {
		logDir = h.allocDir.LogDir()
	}
	if h.direct {
		s.StdoutPath = filepath.Join(logDir, task.Name+".stdout.0")
		s.StderrPath = filepath.Join(logDir, task.Name+".stderr.0")
		return nil
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	if h.handle == nil && req.HookState != nil {
		var prev logmon.Handle
		if err := json.Unmarshal(req.HookState, &prev); err != nil {
			h.logger.Warn("ignoring unreadable logmon state", "error", err)
		} else {
			h.handle = &prev
		}
	}
	if h.handle != nil {
		err := logmon.Reattach(h.handle)
		if err == nil {
			s.StdoutPath, s.StderrPath = h.handle.StdoutFifo, h.handle.StderrFifo
			return nil
		}
		h.logger.Info("logmon is gone; launching a new one", "pid", h.handle.PID, "reason", err)
		h.handle = nil
	}
	binary := h.binary
	if binary == "" {
		exe, err := os.Executable()
		if err != nil {
			return setupError(EventSetupFailure, fmt.Errorf("start log collector: find the nomadish binary: %w", err), true)
		}
		binary = exe
	}
	cfg := logmon.Config{LogDir: logDir, Task: task.Name, MaxFiles: defaultLogMaxFiles, MaxFileSizeMB: defaultLogMaxFileSizeMB}
	if lc := task.LogConfig; lc != nil {
		if lc.MaxFiles > 0 {
			cfg.MaxFiles = lc.MaxFiles
		}
		if lc.MaxFileSizeMB > 0 {
			cfg.MaxFileSizeMB = lc.MaxFileSizeMB
		}
	}
	handle, err := logmon.Launch(binary, cfg, h.logger)
	if err != nil {
		return setupError(EventSetupFailure, fmt.Errorf("start log collector: %w", err), true)
	}
	state, err := json.Marshal(handle)
	if err != nil {
		return setupError(EventSetupFailure, fmt.Errorf("record log collector: %w", err), true)
	}
	h.handle = handle
	req.HookState = state
	s.StdoutPath, s.StderrPath = handle.StdoutFifo, handle.StderrFifo
	return nil
}

// Stop stops the logmon process once the task is dead for good; it
// flushes what the task wrote.
func (h *logmonHook) Stop(_ context.Context, req *StopRequest) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	handle := h.handle
	if handle == nil && req.HookState != nil {
		var prev logmon.Handle
		if err := json.Unmarshal(req.HookState, &prev); err != nil {
			return nil
		}
		if logmon.Reattach(&prev) != nil {
			return nil // already gone
		}
		handle = &prev
	}
	if handle == nil {
		return nil
	}
	h.handle = nil
	if err := handle.Stop(logmonStopTimeout); err != nil {
		return fmt.Errorf("stop log collector: %w", err)
	}
	return nil
}
