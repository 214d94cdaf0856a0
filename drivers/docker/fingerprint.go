package docker

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/moby/moby/client"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// fingerprintInterval is how often the driver asks the engine again, so an
// engine that stops or starts is noticed.
const fingerprintInterval = 15 * time.Second

// fingerprintTimeout bounds one round of questions to the engine.
const fingerprintTimeout = 5 * time.Second

// Fingerprint is healthy when the engine answers at the endpoint, with its
// version, OS type and runtimes as attributes; unhealthy with the reason
// when it does not or the plugin config was refused.
func (d *Driver) Fingerprint(ctx context.Context) (<-chan *plugin.Fingerprint, error) {
	return plugin.PollFingerprint(ctx, fingerprintInterval, d.fingerprint), nil
}

func (d *Driver) fingerprint(ctx context.Context) *plugin.Fingerprint {
	conf, c, err := d.configured()
	if err != nil {
		return &plugin.Fingerprint{Health: plugin.HealthUnhealthy, HealthDescription: err.Error(),
			Attributes: map[string]string{}}
	}
	ctx, cancel := context.WithTimeout(ctx, fingerprintTimeout)
	defer cancel()
	return engineFingerprint(ctx, c, conf.Endpoint)
}

func engineFingerprint(ctx context.Context, c *client.Client, endpoint string) *plugin.Fingerprint {
	info, err := c.Info(ctx, client.InfoOptions{})
	if err != nil {
		return &plugin.Fingerprint{
			Health:            plugin.HealthUnhealthy,
			HealthDescription: fmt.Sprintf("the Docker engine does not answer at %s (the plugin config's endpoint): %v", endpoint, err),
			Attributes:        map[string]string{},
		}
	}
	runtimes := make([]string, 0, len(info.Info.Runtimes))
	for name := range info.Info.Runtimes {
		runtimes = append(runtimes, name)
	}
	sort.Strings(runtimes)
	return &plugin.Fingerprint{
		Health:            plugin.HealthHealthy,
		HealthDescription: "healthy",
		Attributes: map[string]string{
			"driver.docker":          "1",
			"driver.docker.version":  info.Info.ServerVersion,
			"driver.docker.os_type":  info.Info.OSType,
			"driver.docker.runtimes": strings.Join(runtimes, ","),
			"driver.docker.api":      c.ClientVersion(),
		},
	}
}
