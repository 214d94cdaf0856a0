package client

import (
	"testing"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// TestDriverFingerprintChangesReregister: a driver's health and attributes
// reach the node, under "driver.<name>", and each change registers the
// node again; an unchanged fingerprint does not.
func TestDriverFingerprintChangesReregister(t *testing.T) {
	srv := newFakeServer(t)
	clock := newFakeClock()
	c := newTestClient(t, testConfig(t, clock, newFakeRunners(), srv.addr))
	waitFor(t, "the registration", func() bool { return len(srv.registrations()) == 1 })

	fp := &plugin.Fingerprint{Health: plugin.HealthHealthy, HealthDescription: "healthy",
		Attributes: map[string]string{"driver.wasm": "1", "driver.wasm.version": "1.2", "runtime": "wazero", "unique.hostname": "evil"}}
	c.setDriverHealth("wasm", fp)
	waitFor(t, "a second registration", func() bool { return len(srv.registrations()) == 2 })
	n := srv.registrations()[1]
	if d := n.Drivers["wasm"]; d == nil || !d.Detected || !d.Healthy || d.HealthDescription != "healthy" {
		t.Fatalf("driver info = %+v", d)
	}
	want := map[string]string{"driver.wasm": "1", "driver.wasm.version": "1.2", "driver.wasm.runtime": "wazero", "driver.wasm.unique.hostname": "evil"}
	for k, v := range want {
		if n.Attributes[k] != v {
			t.Errorf("attribute %s = %q, want %q", k, n.Attributes[k], v)
		}
	}
	if n.Attributes["unique.hostname"] == "evil" {
		t.Error("a driver overwrote unique.hostname")
	}

	c.setDriverHealth("wasm", fp) // unchanged: nothing to do
	c.setDriverHealth("wasm", &plugin.Fingerprint{Health: plugin.HealthUndetected, HealthDescription: "no runtime"})
	waitFor(t, "a third registration", func() bool { return len(srv.registrations()) == 3 })
	n = srv.registrations()[2]
	for k := range want {
		if _, ok := n.Attributes[k]; ok {
			t.Errorf("attribute %s stayed after the driver went undetected", k)
		}
	}
	if d := n.Drivers["wasm"]; d == nil || d.Detected || d.Healthy || d.HealthDescription != "no runtime" {
		t.Errorf("driver info = %+v", d)
	}
	if got := len(srv.registrations()); got != 3 {
		t.Errorf("%d registrations, want 3 (the repeated fingerprint must not register)", got)
	}
}
