package plugin

import (
	"context"
	"testing"
)

func TestEventHubFansOutAndDropsForSlowReaders(t *testing.T) {
	var h EventHub
	ctx, cancel := context.WithCancel(context.Background())
	fast, slow := h.Subscribe(ctx), h.Subscribe(ctx)
	for i := 0; i < EventBuffer+5; i++ {
		h.Publish(&TaskEvent{Message: "e"})
		if i < EventBuffer {
			if e := <-fast; e.Message != "e" {
				t.Fatalf("fast reader got %+v", e)
			}
		}
	}
	if n := len(slow); n != EventBuffer {
		t.Fatalf("slow reader holds %d events, want the first %d", n, EventBuffer)
	}
	if n := len(fast); n != 5 {
		t.Fatalf("fast reader holds %d events after the last five, want 5", n)
	}
	cancel()
	for range slow {
	}
	for range fast {
	}
	h.Publish(&TaskEvent{}) // no subscribers left: must not block or panic
}
