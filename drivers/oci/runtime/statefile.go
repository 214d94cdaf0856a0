package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Names of the files in a container's state directory.
const (
	fileRequest    = "monitor.json"
	fileMonitorPID = "monitor.pid"
	fileStarted    = "started.json"
	fileExit       = "exit.json"
	fileRuntimeLog = "runtime.log"
	fileMonitorLog = "monitor.log"
	fileInitPID    = "init.pid"
)

// maxStateFile bounds what is read from a state file: they are small, and
// a corrupt one must not exhaust memory.
const maxStateFile = 1 << 20

// request is what Start asks the monitor to run (monitor.json).
type request struct {
	ID           string        `json:"id"`
	Bundle       string        `json:"bundle"`
	Runtime      string        `json:"runtime"`
	Root         string        `json:"root,omitempty"`
	Stdout       string        `json:"stdout"`
	Stderr       string        `json:"stderr"`
	StartTimeout time.Duration `json:"start_timeout"`
}

// started is what the monitor records once the container runs
// (started.json).
type started struct {
	Init      procID    `json:"init"`
	Cgroups   cgroups   `json:"cgroups"`
	StartedAt time.Time `json:"started_at"`
}

// procID names a process across pid reuse: its pid and its start time in
// clock ticks since boot (/proc/<pid>/stat field 22).
type procID struct {
	PID   int    `json:"pid"`
	Start uint64 `json:"start"`
}

// writeJSON writes v to path atomically (a temporary file renamed over
// it), so a reader never sees half a file.
func writeJSON(path string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// readJSON reads path into v; a missing file is os.ErrNotExist.
func readJSON(path string, v any) error {
	data, err := readBounded(path, maxStateFile)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	return nil
}

// readBounded reads at most limit bytes of path and fails if it is longer.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return data, nil
}

// readTail returns the last limit bytes of path, or "" when it cannot be
// read.
func readTail(path string, limit int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > limit {
		if _, err := f.Seek(-limit, io.SeekEnd); err != nil {
			return ""
		}
	}
	data, _ := io.ReadAll(io.LimitReader(f, limit))
	return string(data)
}

// procStart is the start time of pid in clock ticks since boot.
func procStart(pid int) (uint64, error) {
	data, err := readBounded("/proc/"+strconv.Itoa(pid)+"/stat", 4096)
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// count fields after the last ')'.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	fields := strings.Fields(s[i+1:])
	// fields[0] is field 3 (state); the start time is field 22.
	if len(fields) < 20 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields, want at least 22", pid, len(fields)+2)
	}
	return strconv.ParseUint(fields[19], 10, 64)
}

// identify returns the procID of a running pid.
func identify(pid int) (procID, error) {
	st, err := procStart(pid)
	if err != nil {
		return procID{}, err
	}
	return procID{PID: pid, Start: st}, nil
}

// alive says whether the process p names still exists (a zombie counts as
// gone only once reaped).
func (p procID) alive() bool {
	if p.PID <= 0 {
		return false
	}
	st, err := procStart(p.PID)
	return err == nil && st == p.Start
}

func isNotExist(err error) bool { return errors.Is(err, os.ErrNotExist) }
