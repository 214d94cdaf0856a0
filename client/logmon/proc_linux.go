//go:build linux

package logmon

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// supported says Launch, Reattach and Stop work here.
const supported = true

// detached puts the logmon in its own session: no controlling terminal,
// and no signal sent to the agent's process group reaches it.
func detached() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }

// noFollow refuses a symlink planted where the logmon's log goes.
const noFollow = syscall.O_NOFOLLOW

func mkfifo(p string) error { return syscall.Mkfifo(p, 0o600) }

func signalProc(pid int, sig syscall.Signal) error { return syscall.Kill(pid, sig) }

// procStartTime is field 22 of /proc/<pid>/stat.
func procStartTime(pid int) (int64, error) {
	st, _, err := procStat(pid)
	return st, err
}

// procStat reads the start time (field 22) and whether the process is a
// zombie (field 3 is Z or X) from /proc/<pid>/stat.
func procStat(pid int) (startTime int64, zombie bool, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false, err
	}
	// The command name (field 2) is in parentheses and may hold spaces
	// and parentheses itself: fields 3 on start after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) < 20 {
		return 0, false, fmt.Errorf("malformed /proc/%d/stat: %d fields", pid, len(fields)+2)
	}
	startTime, err = strconv.ParseInt(fields[19], 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("malformed /proc/%d/stat start time: %w", pid, err)
	}
	return startTime, fields[0] == "Z" || fields[0] == "X", nil
}

// procCmdline reads the process's argv.
func procCmdline(pid int) ([]string, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return nil, err
	}
	return strings.Split(strings.TrimRight(string(b), "\x00"), "\x00"), nil
}
