package plugin

import (
	"encoding/json"
	"fmt"
)

// NewTaskHandle builds the handle StartTask returns, with the driver's
// state encoded as JSON in DriverState.
func NewTaskHandle(version int, cfg *TaskConfig, state TaskState, driverState any) (*TaskHandle, error) {
	b, err := json.Marshal(driverState)
	if err != nil {
		return nil, fmt.Errorf("encode driver state of task %q: %w", cfg.ID, err)
	}
	return &TaskHandle{Version: version, Config: cfg, State: state, DriverState: b}, nil
}

// DecodeDriverState reads a handle's DriverState written by NewTaskHandle
// into out.
func (h *TaskHandle) DecodeDriverState(out any) error {
	if len(h.DriverState) == 0 {
		return fmt.Errorf("task handle has no driver state")
	}
	if err := json.Unmarshal(h.DriverState, out); err != nil {
		return fmt.Errorf("decode driver state: %w", err)
	}
	return nil
}
