//go:build linux

package logmon

import (
	"os"
	"syscall"
	"testing"
)

// becomeSubreaper makes this test process the parent of logmons orphaned
// by a killed fake agent, so that reap can collect them instead of leaving
// zombies on a machine whose init does not reap.
func becomeSubreaper() {
	const prSetChildSubreaper = 36
	syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0)
}

// reap collects an orphaned logmon that was re-parented to this process;
// it does nothing for a process that is not our child.
func reap(pid int) {
	var ws syscall.WaitStatus
	syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
}

func TestProcStatOfSelf(t *testing.T) {
	st, zombie, err := procStat(os.Getpid())
	if err != nil || zombie || st <= 0 {
		t.Fatalf("procStat(self) = %d, %v, %v", st, zombie, err)
	}
	argv, err := procCmdline(os.Getpid())
	if err != nil || len(argv) == 0 || argv[0] != os.Args[0] {
		t.Fatalf("procCmdline(self) = %q, %v; want argv[0] %q", argv, err, os.Args[0])
	}
	if _, _, err := procStat(-1); err == nil {
		t.Fatal("procStat(-1) succeeded")
	}
}
