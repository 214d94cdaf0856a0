package fingerprint

import (
	"context"
	"runtime"
	"strconv"
	"testing"
)

// TestRun_RealMachine fingerprints the machine the test runs on. It checks
// only what every Linux host has; values themselves differ per machine.
func TestRun_RealMachine(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the fingerprinters read Linux's /proc and /sys")
	}
	res, err := Run(context.Background(), &Config{Request: Request{DataDir: t.TempDir(), Version: "test"}})
	if err != nil {
		// Some sandboxes hide cpufreq and "cpu MHz"; everything else must work.
		t.Logf("fingerprint errors: %v", err)
	}
	for _, name := range []string{
		"cpu.numcores", "cpu.arch", "memory.totalbytes", "kernel.name", "kernel.version",
		"unique.hostname", "unique.storage.bytestotal", "unique.network.ip-address", "nomad.version",
	} {
		if res.Attributes[name] == "" {
			t.Errorf("attribute %s empty; have %v", name, res.Attributes)
		}
	}
	if n, _ := strconv.Atoi(res.Attributes["cpu.numcores"]); n < 1 {
		t.Errorf("cpu.numcores = %q", res.Attributes["cpu.numcores"])
	}
	if res.NodeResources.Memory.MemoryMB <= 0 {
		t.Errorf("memory = %d MB", res.NodeResources.Memory.MemoryMB)
	}
	if res.NodeResources.Disk.DiskMB < 0 || len(res.NodeResources.Networks) == 0 {
		t.Errorf("resources = %+v", *res.NodeResources)
	}
	t.Logf("attributes: %v", res.Attributes)
}
