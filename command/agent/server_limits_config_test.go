package agent

import (
	"strings"
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestConfig_ServerJobLimits(t *testing.T) {
	c := DefaultConfig()
	c.DataDir = t.TempDir()
	c.Server.Enabled = true
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	sc, err := c.serverConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	if sc.JobMaxGroupCount != structs.DefaultMaxGroupCount || sc.JobMaxPlacements != structs.DefaultMaxPlacements {
		t.Fatalf("defaults: group count %d placements %d", sc.JobMaxGroupCount, sc.JobMaxPlacements)
	}

	f := writeFile(t, t.TempDir(), "limits.hcl", `
server {
  enabled             = true
  job_max_group_count = 500
  job_max_placements  = 2000
}
`)
	if err := LoadConfig(c, []string{f}); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if sc, err = c.serverConfig(nil); err != nil {
		t.Fatal(err)
	}
	if sc.JobMaxGroupCount != 500 || sc.JobMaxPlacements != 2000 {
		t.Fatalf("configured: group count %d placements %d", sc.JobMaxGroupCount, sc.JobMaxPlacements)
	}

	c.Server.JobMaxGroupCount, c.Server.JobMaxPlacements = -1, 0
	err = c.Validate()
	if err == nil || !strings.Contains(err.Error(), "server.job_max_group_count: -1 must be 0 (the default, 100000) or more") {
		t.Fatalf("negative count accepted: %v", err)
	}
	c.Server.JobMaxGroupCount, c.Server.JobMaxPlacements = 5000, 10
	err = c.Validate()
	if err == nil || !strings.Contains(err.Error(), "server.job_max_placements: 10 is below server.job_max_group_count (5000)") {
		t.Fatalf("placements below the count accepted: %v", err)
	}
}
