package command

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/nomadish/nomadish/api"
)

// jobFileFormats says what JSON job files are accepted, for error messages.
const jobFileFormats = `a JSON job: either {"Job": {...}} as the HTTP API takes it, or a bare job object`

// maxJobFileSize bounds a job file read from standard input.
const maxJobFileSize = 4 << 20

// stdinName names standard input in diagnostics.
const stdinName = "<stdin>"

// jobFileFlags are the flags of the commands that read a job file (run,
// plan, validate): input variables and the JSON switch.
type jobFileFlags struct {
	vars     stringList
	varFiles stringList
	json     bool
}

func (j *jobFileFlags) register(f *flag.FlagSet) {
	f.Var(&j.vars, "var", "")
	f.Var(&j.varFiles, "var-file", "")
	f.BoolVar(&j.json, "json", false, "")
}

// jobFileOptionsUsage documents the flags jobFileFlags registers.
func jobFileOptionsUsage() string {
	return `  -json
    Parse the job file as JSON, either {"Job": {...}} (as "nomadish job
    inspect" prints it) or a bare job object. Files ending in .json are
    parsed as JSON without this flag. Default = false

  -var 'key=value'
    Set an input variable declared by a "variable" block of the job file.
    Can be given more than once.

  -var-file=<path>
    Read input variable values from an HCL (name = value) or JSON file.
    Can be given more than once; later files override earlier ones, and
    -var overrides them all. Variables may also come from the environment
    as NOMADISH_VAR_<name>=<value>.`
}

// stringList is a flag that may be given more than once.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// loadJob reads the job file at path ("-" is standard input) and parses it
// as JSON (with -json or a .json name) or as an HCL job file with the
// variables of jf. Warnings are what the parser noticed but accepted.
func (m *Meta) loadJob(path string, jf *jobFileFlags) (*api.Job, []string, error) {
	name, data, err := m.readJobSource(path)
	if err != nil {
		return nil, nil, err
	}
	if jf.json || strings.EqualFold(filepath.Ext(name), ".json") {
		job, err := parseJobJSON(name, data)
		return job, nil, err
	}
	return parseHCLJob(name, data, jf.vars, jf.varFiles)
}

// readJobSource reads path, or standard input for "-", and returns the name
// to use in diagnostics.
func (m *Meta) readJobSource(path string) (string, []byte, error) {
	if path != "-" {
		data, err := os.ReadFile(path)
		if err != nil {
			return "", nil, fmt.Errorf("read job file: %w", err)
		}
		return path, data, nil
	}
	data, err := io.ReadAll(io.LimitReader(m.stdinReader(), maxJobFileSize+1))
	if err != nil {
		return "", nil, fmt.Errorf("read job file from standard input: %w", err)
	}
	if len(data) > maxJobFileSize {
		return "", nil, fmt.Errorf("job file on standard input is larger than %d MiB", maxJobFileSize>>20)
	}
	return stdinName, data, nil
}

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
		return nil, fmt.Errorf("%s: not a JSON object; want %s (or drop -json to parse an HCL job file)", name, jobFileFormats)
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

// loadJobOrReport is loadJob that prints the problems (every diagnostic of
// an HCL file, with positions) and the parser's warnings through the Ui.
func (m *Meta) loadJobOrReport(path string, jf *jobFileFlags) (*api.Job, bool) {
	job, warnings, err := m.loadJob(path, jf)
	if err != nil {
		msg := err.Error()
		if strings.Contains(msg, "\n") {
			m.Ui.Error("Error parsing job file:\n" + msg)
		} else {
			m.Ui.Error("Error parsing job file: " + msg)
		}
		return nil, false
	}
	if len(warnings) > 0 {
		m.Ui.Warn("Job file warnings:\n" + strings.Join(warnings, "\n") + "\n")
	}
	if job == nil {
		m.Ui.Error(fmt.Sprintf("Error parsing job file: %s holds no job", path))
		return nil, false
	}
	return job, true
}
