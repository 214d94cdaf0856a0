package nomadish

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestLANJoinRefusesAnotherRegion(t *testing.T) {
	a := testServer(t, nil)
	b := testServer(t, func(c *Config) { c.Region = "eu" })
	waitForLeader(t, a)
	waitForLeader(t, b)

	n, err := b.JoinLAN([]string{lanAddr(a)})
	if err == nil || n != 0 {
		t.Fatalf("LAN join across regions: joined %d, err %v", n, err)
	}
	if !strings.Contains(err.Error(), `region "global"`) || !strings.Contains(err.Error(), "WAN") {
		t.Fatalf("error does not explain the refusal: %v", err)
	}
	if len(a.LANMembers()) != 1 || len(b.LANMembers()) != 1 {
		t.Fatalf("LAN pools merged: %d and %d members", len(a.LANMembers()), len(b.LANMembers()))
	}

	if _, err := b.JoinWAN([]string{wanAddr(a)}); err != nil {
		t.Fatalf("WAN join: %v", err)
	}
	waitFor(t, 10*time.Second, func() error {
		if got := strings.Join(a.Regions(), ","); got != "eu,global" {
			return fmt.Errorf("regions = %s", got)
		}
		return nil
	})
}
