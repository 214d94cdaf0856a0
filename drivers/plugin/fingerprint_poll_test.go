package plugin

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestPollFingerprintSendsChangesOnly(t *testing.T) {
	var n atomic.Int32
	check := func(context.Context) *Fingerprint {
		// healthy, healthy, unhealthy, then unhealthy for good
		switch n.Add(1) {
		case 1, 2:
			return &Fingerprint{Health: HealthHealthy, HealthDescription: "ok", Attributes: map[string]string{"a": "1"}}
		}
		return &Fingerprint{Health: HealthUnhealthy, HealthDescription: "gone", Attributes: map[string]string{"a": "1"}}
	}
	ctx, cancel := context.WithCancel(context.Background())
	ch := PollFingerprint(ctx, time.Millisecond, check)
	if fp := <-ch; fp.Health != HealthHealthy {
		t.Fatalf("first = %+v", fp)
	}
	if fp := <-ch; fp.Health != HealthUnhealthy || n.Load() < 3 {
		t.Fatalf("second = %+v after %d checks; want the change, the repeat left out", fp, n.Load())
	}
	cancel()
	for range ch { // closed once ctx is done
	}
}
