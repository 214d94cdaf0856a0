package agent

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/go-hclog"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// validate checks the client block; every problem names its key.
func (c *ClientConfig) validate() []string {
	var probs []string
	fail := func(format string, args ...interface{}) { probs = append(probs, fmt.Sprintf(format, args...)) }
	for i, s := range c.Servers {
		if _, _, err := net.SplitHostPort(s); err != nil {
			fail("client.servers[%d]: %q is not host:port (e.g. 10.0.0.1:4647)", i, s)
		}
	}
	if c.GCMaxAllocs < 0 {
		fail("client.gc_max_allocs: %d must be 0 (the default) or more", c.GCMaxAllocs)
	}
	if t := c.GCDiskUsageThreshold; t < 0 || t > 100 {
		fail("client.gc_disk_usage_threshold: %g must be a percentage between 0 and 100", t)
	}
	seen := map[string]bool{}
	for _, v := range c.HostVolumes {
		key := fmt.Sprintf("client.host_volume %q", v.Name)
		switch {
		case v.Name == "":
			fail("client.host_volume: the label (the volume's name) must not be empty")
		case seen[v.Name]:
			fail("%s: declared twice", key)
		}
		seen[v.Name] = true
		if !filepath.IsAbs(v.Path) {
			fail("%s: path %q must be absolute", key, v.Path)
		}
	}
	if c.Artifact != nil {
		for i, r := range c.Artifact.FileRoots {
			if !filepath.IsAbs(r) {
				fail("client.artifact.file_roots[%d]: %q must be an absolute path", i, r)
			}
		}
	}
	for _, d := range [][2]string{{"state_dir", c.StateDir}, {"alloc_dir", c.AllocDir}} {
		if d[1] != "" && !filepath.IsAbs(d[1]) {
			fail("client.%s: %q must be an absolute path", d[0], d[1])
		}
	}
	if c.StateDir != "" && c.StateDir == c.AllocDir {
		fail("client.state_dir and client.alloc_dir: both are %q; they must differ", c.StateDir)
	}
	if c.CpuTotalCompute < 0 {
		fail("client.cpu_total_compute: %d must be 0 (fingerprint it) or more MHz", c.CpuTotalCompute)
	}
	if r := c.Reserved; r != nil {
		for _, v := range []struct {
			key string
			n   int64
		}{{"cpu", r.CPU}, {"memory", r.Memory}, {"disk", r.Disk}} {
			if v.n < 0 {
				fail("client.reserved.%s: %d must be 0 or more", v.key, v.n)
			}
		}
		if r.ReservedPorts != "" {
			if _, err := structs.ParsePortRanges(r.ReservedPorts); err != nil {
				fail("client.reserved.reserved_ports: %v; accepted: ports and ranges such as \"22,80,8000-8100\"", err)
			}
		}
	}
	if l := c.LB; l != nil {
		if l.Address != "" && net.ParseIP(l.Address) == nil {
			fail("client.lb.address: %q is not an IP address; accepted: an IP such as 0.0.0.0 or 10.0.0.5 (default bind_addr)", l.Address)
		}
		if l.DrainTimeout != "" {
			if _, err := positiveDuration(l.DrainTimeout); err != nil {
				fail("client.lb.drain_timeout: %v", err)
			}
		}
	}
	if strings.TrimSpace(c.NodePool) != c.NodePool {
		fail("client.node_pool: %q must not have surrounding spaces", c.NodePool)
	}
	return probs
}

// clientSettings translates the configuration into the client's
// settings. dataDir is where the client keeps its state (the agent's
// data_dir, or a temporary one under -dev); serverRPC is this agent's own
// server RPC address ("" without a server), used when client.servers is
// empty; httpAddr is the address other agents reach this one's HTTP API
// at; drivers are the built-in drivers to run.
func (c *Config) clientSettings(dataDir, serverRPC, httpAddr string, drivers []string, logger hclog.Logger) (*clientSettings, error) {
	cc := c.Client
	s := &clientSettings{
		DataDir:              dataDir,
		Servers:              append([]string(nil), cc.Servers...),
		Region:               c.Region,
		Datacenter:           c.Datacenter,
		NodeName:             c.NodeName,
		NodeClass:            cc.NodeClass,
		NodePool:             cc.NodePool,
		Meta:                 cc.Meta,
		HTTPAddr:             httpAddr,
		Drivers:              append([]string(nil), drivers...),
		DriverConfigs:        map[string][]byte{},
		HostVolumes:          map[string]*structs.ClientHostVolumeConfig{},
		GCMaxAllocs:          cc.GCMaxAllocs,
		GCDiskUsageThreshold: cc.GCDiskUsageThreshold,
		StateDir:             cc.StateDir,
		AllocDir:             cc.AllocDir,
		NetworkInterface:     cc.NetworkInterface,
		CpuTotalCompute:      cc.CpuTotalCompute,
		Logger:               logger,
	}
	if r := cc.Reserved; r != nil {
		s.Reserved = &structs.NodeReservedResources{
			Cpu:      structs.NodeCpuResources{CpuShares: r.CPU},
			Memory:   structs.NodeMemoryResources{MemoryMB: r.Memory},
			Disk:     structs.NodeDiskResources{DiskMB: r.Disk},
			Networks: structs.NodeReservedNetworkResources{ReservedHostPorts: r.ReservedPorts},
		}
	}
	if len(s.Servers) == 0 && serverRPC != "" {
		s.Servers = []string{serverRPC}
	}
	if len(s.Servers) == 0 {
		return nil, fmt.Errorf("client.servers is empty and this agent runs no server: set client { servers = [\"10.0.0.1:4647\"] } or -servers=HOST:PORT")
	}
	for _, p := range c.Plugins {
		js, err := p.ConfigJSON()
		if err != nil {
			return nil, fmt.Errorf("plugin %q: config: %w", p.Name, err)
		}
		s.DriverConfigs[p.Name] = js
	}
	for _, v := range cc.HostVolumes {
		s.HostVolumes[v.Name] = &structs.ClientHostVolumeConfig{Name: v.Name, Path: v.Path, ReadOnly: v.ReadOnly}
	}
	if cc.Artifact != nil {
		s.ArtifactFileRoots = append(s.ArtifactFileRoots, cc.Artifact.FileRoots...)
	}
	if c.DevMode && (cc.Artifact == nil || cc.Artifact.FileRoots == nil) {
		// -dev: jobs may fetch artifacts from the directory the agent
		// was started in.
		if wd, err := os.Getwd(); err == nil {
			s.ArtifactFileRoots = []string{wd}
		}
	}
	// -dev's client data dir is removed on exit: nothing it runs may
	// outlive the agent.
	s.DestroyOnShutdown = c.DevMode
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find the nomadish binary to run driver plugins: %w", err)
	}
	s.PluginBinary = exe
	return s, nil
}
