package command

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/nomadish/nomadish/api"
)

// jobFileFormats says what job files are accepted, for error messages.
const jobFileFormats = `a JSON job: either {"Job": {...}} as the HTTP API takes it, or a bare job object`

// readJobFile reads and parses the JSON job file at path.
func readJobFile(path string) (*api.Job, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read job file: %w", err)
	}
	return parseJobJSON(path, data)
}

// parseJobJSON parses data, named name in errors, as {"Job": {...}} or a
// bare job object. Errors are "name:line:col: problem".
func parseJobJSON(name string, data []byte) (*api.Job, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("%s: file is empty; want %s", name, jobFileFormats)
	}
	if trimmed[0] != '{' {
		switch strings.ToLower(filepath.Ext(name)) {
		case ".hcl", ".nomad":
			return nil, fmt.Errorf("%s: HCL job files are not supported yet; give %s", name, jobFileFormats)
		}
	}

	// A first pass finds syntax errors, with offsets into the whole file,
	// and whether the job is wrapped.
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, jsonError(name, data, err)
	}
	wrapped := false
	for k := range probe {
		if strings.EqualFold(k, "Job") {
			wrapped = true
		}
	}

	var job *api.Job
	if wrapped {
		var body struct{ Job *api.Job }
		if err := json.Unmarshal(data, &body); err != nil {
			return nil, jsonError(name, data, err)
		}
		job = body.Job
	} else {
		job = new(api.Job)
		if err := json.Unmarshal(data, job); err != nil {
			return nil, jsonError(name, data, err)
		}
	}
	if job == nil {
		return nil, fmt.Errorf(`%s: "Job" is null; want %s`, name, jobFileFormats)
	}
	return job, nil
}

// jsonError turns a decoding error into "name:line:col: problem".
func jsonError(name string, data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		line, col := lineCol(data, max(int(se.Offset)-1, 0))
		return fmt.Errorf("%s:%d:%d: invalid JSON: %s", name, line, col, strings.TrimPrefix(se.Error(), "json: "))
	case errors.As(err, &te):
		line, col := lineCol(data, valueStart(data, int(te.Offset)))
		if te.Field == "" {
			return fmt.Errorf("%s:%d:%d: the job must be a JSON object, not a JSON %s", name, line, col, te.Value)
		}
		field := te.Field
		if f, ok := strings.CutPrefix(field, "Job."); ok {
			field = f
		}
		return fmt.Errorf("%s:%d:%d: %s: a JSON %s cannot be used as %s", name, line, col, field, te.Value, te.Type)
	default:
		return fmt.Errorf("%s: %w", name, err)
	}
}

// lineCol returns the 1-based line and column (in bytes) of offset in data.
func lineCol(data []byte, offset int) (line, col int) {
	offset = min(offset, len(data))
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = offset - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// valueStart finds where the JSON value ending just before end begins, so
// that a type error points at the value rather than past it.
func valueStart(data []byte, end int) int {
	end = min(end, len(data))
	i := end - 1
	if i < 0 {
		return 0
	}
	if data[i] == '"' {
		for j := i - 1; j >= 0; j-- {
			if data[j] == '"' && (j == 0 || data[j-1] != '\\') {
				return j
			}
		}
		return i
	}
	for i > 0 && !strings.ContainsRune(",:[{ \t\r\n", rune(data[i-1])) {
		i--
	}
	return i
}
