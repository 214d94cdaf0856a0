package oci

import (
	"context"
	"time"

	ociruntime "github.com/nomadish/nomadish/drivers/oci/runtime"
	"github.com/nomadish/nomadish/drivers/plugin"
)

// fingerprintInterval is how often the driver checks the host again, so a
// runtime installed (or removed) later is noticed.
const fingerprintInterval = 30 * time.Second

// Fingerprint is healthy only when the configured runtime is found and the
// host can run containers (ociruntime.Check), and the plugin config was
// accepted. The runtime's name, version and the cgroup version are
// attributes; an unhealthy fingerprint says what is missing.
func (d *Driver) Fingerprint(ctx context.Context) (<-chan *plugin.Fingerprint, error) {
	return plugin.PollFingerprint(ctx, fingerprintInterval, d.fingerprint), nil
}

func (d *Driver) fingerprint(ctx context.Context) *plugin.Fingerprint {
	d.mu.Lock()
	runtime, confErr := "", d.confErr
	if d.conf != nil {
		runtime = d.conf.Runtime
	}
	d.mu.Unlock()
	if runtime == "" {
		runtime = ociruntime.RuntimeRunc
	}
	h := ociruntime.Check(ctx, runtime)
	fp := &plugin.Fingerprint{
		Health:            plugin.HealthHealthy,
		HealthDescription: "healthy",
		Attributes:        map[string]string{"driver.oci": "1", "driver.oci.version": Version},
	}
	for k, v := range h.Attributes {
		fp.Attributes[k] = v
	}
	switch {
	case !h.Healthy:
		fp.Health = plugin.HealthUnhealthy
		fp.HealthDescription = h.Description()
	case confErr != nil:
		fp.Health = plugin.HealthUnhealthy
		fp.HealthDescription = confErr.Error()
	}
	return fp
}
