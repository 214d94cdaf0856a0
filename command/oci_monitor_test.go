package command

import (
	"testing"

	ociruntime "github.com/nomadish/nomadish/drivers/oci/runtime"
)

// The OCI driver launches its monitors by ociruntime.MonitorCommand; the
// hidden command must answer to that name.
func TestOCIMonitorRegistered(t *testing.T) {
	build, ok := hiddenCommands[ociruntime.MonitorCommand]
	if !ok {
		t.Fatalf("hidden command %q is not registered", ociruntime.MonitorCommand)
	}
	if code := build(nil).Run([]string{"relative/dir"}); code != 2 {
		t.Fatalf("oci-monitor with a relative state dir exited %d, want 2 (usage)", code)
	}
}
