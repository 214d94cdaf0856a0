package client

import (
	"runtime"
	"testing"
)

// TestHostStats: the client measures its host with one collector, on its
// clock, and describes the file system of its allocation directory.
func TestHostStats(t *testing.T) {
	clock := newFakeClock()
	c := newTestClient(t, testConfig(t, clock, newFakeRunners(), deadAddr(t)))

	if a, b := c.hostCollector(), c.hostCollector(); a != b {
		t.Fatal("a second collector was made: CPU percentages would restart from boot")
	}
	hs, err := c.HostStats()
	if err != nil {
		t.Fatal(err)
	}
	if hs.Timestamp != clock.Now().UnixNano() {
		t.Errorf("timestamp %d, want the client clock's %d", hs.Timestamp, clock.Now().UnixNano())
	}
	if runtime.GOOS != "linux" {
		return
	}
	if hs.AllocDirStats == nil || hs.AllocDirStats.Size == 0 || hs.AllocDirStats.Mountpoint == "" {
		t.Errorf("alloc dir stats = %+v", hs.AllocDirStats)
	}
	if hs.Memory == nil || hs.Memory.Total == 0 || len(hs.CPU) == 0 {
		t.Errorf("host stats = %+v", hs)
	}
}
