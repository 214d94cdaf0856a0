//go:build !linux

package logmon

import "syscall"

// supported says Launch, Reattach and Stop work here: they need /proc.
const supported = false

func detached() *syscall.SysProcAttr { return nil }

const noFollow = 0

func mkfifo(p string) error { return ErrUnsupported }

func signalProc(pid int, sig syscall.Signal) error { return ErrUnsupported }

func procStartTime(pid int) (int64, error) { return 0, ErrUnsupported }

func procStat(pid int) (int64, bool, error) { return 0, false, ErrUnsupported }

func procCmdline(pid int) ([]string, error) { return nil, ErrUnsupported }
