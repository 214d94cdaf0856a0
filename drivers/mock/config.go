package mock

import (
	"encoding/json"
	"fmt"
	"time"
)

// taskConfig is a task's config block as the client sends it: the JSON of
// the object ConfigSpec decodes to.
type taskConfig struct {
	RunFor                string `json:"run_for"`
	ExitCode              int    `json:"exit_code"`
	StartError            string `json:"start_error"`
	StartErrorRecoverable bool   `json:"start_error_recoverable"`
	KillAfter             string `json:"kill_after"`
	StdoutString          string `json:"stdout_string"`
	StdoutRepeat          int    `json:"stdout_repeat"`
	StdoutRepeatDuration  string `json:"stdout_repeat_duration"`

	runFor, killAfter, stdoutRepeatDuration time.Duration
}

func parseTaskConfig(b []byte) (*taskConfig, error) {
	c := &taskConfig{}
	if len(b) > 0 {
		if err := json.Unmarshal(b, c); err != nil {
			return nil, fmt.Errorf("mock task config: %w", err)
		}
	}
	for _, d := range []struct {
		name string
		in   string
		out  *time.Duration
	}{
		{"run_for", c.RunFor, &c.runFor},
		{"kill_after", c.KillAfter, &c.killAfter},
		{"stdout_repeat_duration", c.StdoutRepeatDuration, &c.stdoutRepeatDuration},
	} {
		if d.in == "" {
			continue
		}
		v, err := time.ParseDuration(d.in)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("mock task config: %s must be a duration such as \"30s\"; got %q", d.name, d.in)
		}
		*d.out = v
	}
	if c.StdoutRepeat < 0 {
		return nil, fmt.Errorf("mock task config: stdout_repeat must not be negative; got %d", c.StdoutRepeat)
	}
	return c, nil
}
