package agent

import (
	"strings"
	"testing"
	"time"
)

func TestConfig_ServerHeartbeatSettings(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "hb.hcl", `
server {
  enabled                   = true
  min_heartbeat_ttl         = "2s"
  heartbeat_grace           = "3s"
  failover_heartbeat_ttl    = "1m"
  max_heartbeats_per_second = 20
}
`)
	c := DefaultConfig()
	c.DataDir = t.TempDir()
	if err := LoadConfig(c, []string{f}); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	sc, err := c.serverConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	if sc.MinHeartbeatTTL != 2*time.Second || sc.HeartbeatGrace != 3*time.Second ||
		sc.FailoverHeartbeatTTL != time.Minute || sc.MaxHeartbeatsPerSecond != 20 {
		t.Fatalf("server config: ttl %s grace %s failover %s rate %v",
			sc.MinHeartbeatTTL, sc.HeartbeatGrace, sc.FailoverHeartbeatTTL, sc.MaxHeartbeatsPerSecond)
	}

	c.Server.HeartbeatGrace = "soon"
	c.Server.MinHeartbeatTTL = "-1s"
	err = c.Validate()
	if err == nil {
		t.Fatal("bad durations accepted")
	}
	for _, want := range []string{`server.heartbeat_grace: "soon" is not a duration`, `server.min_heartbeat_ttl: "-1s" must be positive`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}
