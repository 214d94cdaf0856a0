package client

import (
	"context"
	"maps"
	"strings"
	"time"

	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// watchDrivers starts one fingerprint watcher per driver and waits (up to
// FingerprintTimeout, on the clock) for each driver's first fingerprint,
// so the node registers with its drivers rather than without them. A
// driver that is late is registered later, when it answers.
func (c *Client) watchDrivers() {
	if len(c.cfg.Drivers) == 0 {
		return
	}
	first := make(chan string, len(c.cfg.Drivers))
	for _, name := range c.cfg.Drivers {
		c.loop(func() { c.watchDriver(name, first) })
	}
	tick, stop := c.clock.NewTimer(c.cfg.FingerprintTimeout)
	defer stop()
	for pending := len(c.cfg.Drivers); pending > 0; pending-- {
		select {
		case <-first:
		case <-tick:
			c.logger.Warn("not every driver has fingerprinted; registering without them for now", "waited", c.cfg.FingerprintTimeout)
			return
		case <-c.ctx.Done():
			return
		}
	}
}

// watchDriver follows one driver's fingerprint stream for as long as the
// client runs, taking each fingerprint into the node. When the stream
// ends (the plugin died) or the plugin is down, the driver is reported
// unhealthy and the watcher tries again with a back-off until the plugin
// manager has relaunched it (the relaunch cuts the back-off short). It
// sends the driver's name on first once, after the first fingerprint or
// failure.
func (c *Client) watchDriver(name string, first chan<- string) {
	reported := false
	report := func() {
		if !reported {
			reported = true
			first <- name
		}
	}
	failures := 0
	for c.ctx.Err() == nil {
		d, err := c.plugins.Driver(name)
		var ch <-chan *plugin.Fingerprint
		var cancel context.CancelFunc = func() {}
		if err == nil {
			var ctx context.Context
			ctx, cancel = context.WithCancel(c.ctx)
			ch, err = d.Fingerprint(ctx)
		}
		if err != nil {
			cancel()
			c.setDriverHealth(name, &plugin.Fingerprint{Health: plugin.HealthUnhealthy, HealthDescription: err.Error()})
			report()
			failures++
			if !c.sleepUnlessKicked(backoff(failures, c.cfg.RetryBackoff, c.cfg.MaxRetryBackoff), c.driverKick[name]) {
				return
			}
			continue
		}
		for fp := range ch {
			failures = 0
			c.setDriverHealth(name, fp)
			report()
		}
		cancel()
		if c.ctx.Err() != nil {
			return
		}
		c.setDriverHealth(name, &plugin.Fingerprint{Health: plugin.HealthUnhealthy, HealthDescription: "driver plugin stopped answering"})
		report()
		failures++
		if !c.sleepUnlessKicked(backoff(failures, c.cfg.RetryBackoff, c.cfg.MaxRetryBackoff), c.driverKick[name]) {
			return
		}
	}
}

// sleepUnlessKicked waits d on the clock or until kick is signalled;
// false means the client is shutting down.
func (c *Client) sleepUnlessKicked(d time.Duration, kick <-chan struct{}) bool {
	tick, stop := c.clock.NewTimer(d)
	defer stop()
	select {
	case <-tick:
	case <-kick:
	case <-c.ctx.Done():
		return false
	}
	return true
}

// setDriverHealth takes a driver's fingerprint into the node: its
// DriverInfo, and the attributes "driver.<name>" = "1" while the driver is
// detected plus the driver's own attributes. A change asks for the node to
// be registered again. An attribute the driver sends that is not under
// "driver.<name>" is put there, so a driver cannot overwrite the node's
// other attributes.
func (c *Client) setDriverHealth(name string, fp *plugin.Fingerprint) {
	info := &structs.DriverInfo{
		Detected:          fp.Health != plugin.HealthUndetected,
		Healthy:           fp.Health == plugin.HealthHealthy,
		HealthDescription: fp.HealthDescription,
		UpdateTime:        c.clock.Now().UnixNano(),
	}
	attrs := map[string]string{}
	if info.Detected {
		attrs[driverAttr(name, "")] = "1"
		for k, v := range fp.Attributes {
			attrs[driverAttr(name, k)] = v
		}
	}
	info.Attributes = attrs

	c.mu.Lock()
	old := c.node.Drivers[name]
	if old != nil && old.Detected == info.Detected && old.Healthy == info.Healthy &&
		old.HealthDescription == info.HealthDescription && maps.Equal(old.Attributes, info.Attributes) {
		c.mu.Unlock()
		return
	}
	c.node.Drivers[name] = info
	prefix := driverAttr(name, "")
	for k := range c.node.Attributes {
		if k == prefix || strings.HasPrefix(k, prefix+".") {
			delete(c.node.Attributes, k)
		}
	}
	maps.Copy(c.node.Attributes, attrs)
	c.mu.Unlock()

	c.logger.Info("driver fingerprint changed", "driver", name, "detected", info.Detected, "healthy", info.Healthy, "description", info.HealthDescription)
	signal(c.nodeChanged)
}

// driverAttr is the node attribute for a driver's attribute key: "" is
// the driver's own "driver.<name>"; keys already under it are kept.
func driverAttr(name, key string) string {
	prefix := "driver." + name
	switch {
	case key == "" || key == prefix:
		return prefix
	case strings.HasPrefix(key, prefix+"."):
		return key
	}
	return prefix + "." + key
}
