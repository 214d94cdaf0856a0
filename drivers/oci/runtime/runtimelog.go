package runtime

import (
	"encoding/json"
	"strings"
)

// runtimeLogErrors picks the error messages out of a runtime's JSON log
// (--log-format json: one {"level","msg"} object a line), joined by "; ".
// Lines that are not JSON are kept as they are.
func runtimeLogErrors(log string) string {
	var msgs []string
	for _, line := range strings.Split(log, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		var entry struct {
			Level string `json:"level"`
			Msg   string `json:"msg"`
		}
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			msgs = append(msgs, line)
			continue
		}
		switch entry.Level {
		case "error", "fatal", "panic":
			msgs = append(msgs, entry.Msg)
		}
	}
	return strings.Join(msgs, "; ")
}
