package agent

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// withFakeClient makes NewAgent start a fake client and records the
// settings it was given.
func withFakeClient(t *testing.T) (*fakeClient, **clientSettings) {
	t.Helper()
	fc := newFakeClient(t, nil)
	var got *clientSettings
	old := startClient
	startClient = func(s *clientSettings) (localClient, error) {
		got = s
		return fc, nil
	}
	t.Cleanup(func() { startClient = old })
	return fc, &got
}

func TestAgent_DevRunsClient(t *testing.T) {
	fc, settings := withFakeClient(t)
	cfg := devTestConfig(t)
	cfg.Client.Enabled = true
	cfg.Drivers = []string{"mock", "wasm"}
	cfg.Plugins = []*PluginConfig{{Name: "wasm"}}
	a, err := NewAgent(cfg, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	s := *settings
	wd, _ := os.Getwd()
	if s == nil || !reflect.DeepEqual(s.Servers, []string{a.RPCAddr()}) || !reflect.DeepEqual(s.Drivers, []string{"mock", "wasm"}) ||
		!reflect.DeepEqual(s.ArtifactFileRoots, []string{wd}) || string(s.DriverConfigs["wasm"]) != "{}" || s.HTTPAddr != a.HTTPAddr() {
		t.Fatalf("client settings = %+v", s)
	}
	if fi, err := os.Stat(s.DataDir); err != nil || !fi.IsDir() || !strings.Contains(s.DataDir, "nomadish-dev-client-") {
		t.Fatalf("dev client data dir %q: %v", s.DataDir, err)
	}
	code, body := httpDo(t, "GET", "http://"+a.HTTPAddr()+"/v1/agent/self", nil)
	var self struct {
		Stats map[string]map[string]string `json:"stats"`
	}
	if code != 200 || json.Unmarshal(body, &self) != nil || self.Stats["client"]["node_id"] != fc.nodeID || self.Stats["nomad"]["server"] != "true" {
		t.Fatalf("self: %d %s", code, body)
	}
	if err := a.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if fc.shutdown != 1 {
		t.Fatalf("client shut down %d times", fc.shutdown)
	}
	if _, err := os.Stat(s.DataDir); !os.IsNotExist(err) {
		t.Fatalf("dev client data dir not removed: %v", err)
	}
}

func TestAgent_ClientOnly(t *testing.T) {
	fc, settings := withFakeClient(t)
	cfg := DefaultConfig()
	cfg.NodeName = "client-only"
	cfg.DataDir = t.TempDir()
	cfg.BindAddr = "127.0.0.1"
	cfg.Ports.HTTP = 0
	cfg.Client.Enabled = true
	cfg.Client.Servers = []string{"10.0.0.1:4647"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err := NewAgent(cfg, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Shutdown()
	if s := *settings; s.DataDir != cfg.DataDir || !reflect.DeepEqual(s.Servers, []string{"10.0.0.1:4647"}) || a.RPCAddr() != "" {
		t.Fatalf("settings = %+v", s)
	}
	if a.NodeID() != fc.nodeID {
		t.Fatalf("node ID %q", a.NodeID())
	}
	if code, body := httpDo(t, "GET", "http://"+a.HTTPAddr()+"/v1/agent/members", nil); code != 501 {
		t.Fatalf("members on a client-only agent: %d %s", code, body)
	}
	if err := a.Leave(); err != nil {
		t.Fatalf("leave: %v", err)
	}
}

func TestConfig_ClientBlockAndPluginJSON(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "client.hcl", `
client {
  enabled                 = true
  servers                 = ["10.0.0.1:4647"]
  node_class              = "edge"
  node_pool               = "batch"
  gc_max_allocs           = 20
  gc_disk_usage_threshold = 75.5
  host_volume "certs" {
    path      = "/etc/ssl/certs"
    read_only = true
  }
  artifact {
    file_roots = ["/srv/artifacts"]
  }
  network_interface = "eth1"
  cpu_total_compute = 8000
  state_dir         = "/var/lib/nomadish-client"
  alloc_dir         = "/srv/allocs"
  reserved {
    cpu            = 500
    memory         = 512
    disk           = 1024
    reserved_ports = "22,8000-8010"
  }
}
plugin "wasm" {
  config {
    cache_dir = "/var/cache/wasm"
    fuel      = 1000000
    limits {
      memory_mb = 64
    }
    mount { path = "/a" }
    mount { path = "/b" }
  }
}
`)
	c := DefaultConfig()
	c.DataDir = "/var/lib/nomadish"
	if err := LoadConfig(c, []string{f}); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	cc := c.Client
	if cc.NodeClass != "edge" || cc.NodePool != "batch" || cc.GCMaxAllocs != 20 || cc.GCDiskUsageThreshold != 75.5 ||
		len(cc.HostVolumes) != 1 || cc.HostVolumes[0].Name != "certs" || !cc.HostVolumes[0].ReadOnly ||
		!reflect.DeepEqual(cc.Artifact.FileRoots, []string{"/srv/artifacts"}) {
		t.Fatalf("client = %+v", cc)
	}
	js, err := c.Plugins[0].ConfigJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"cache_dir":"/var/cache/wasm","fuel":1000000,"limits":{"memory_mb":64},"mount":[{"path":"/a"},{"path":"/b"}]}`
	if string(js) != want {
		t.Fatalf("plugin JSON\n got %s\nwant %s", js, want)
	}
	s, err := c.clientSettings("/data", "", "10.0.0.5:4646", []string{"mock"}, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	if v := s.HostVolumes["certs"]; v == nil || v.Path != "/etc/ssl/certs" || !v.ReadOnly || string(s.DriverConfigs["wasm"]) != want ||
		!reflect.DeepEqual(s.ArtifactFileRoots, []string{"/srv/artifacts"}) || s.NodePool != "batch" {
		t.Fatalf("settings = %+v", s)
	}
	wantReserved := &structs.NodeReservedResources{Cpu: structs.NodeCpuResources{CpuShares: 500},
		Memory: structs.NodeMemoryResources{MemoryMB: 512}, Disk: structs.NodeDiskResources{DiskMB: 1024},
		Networks: structs.NodeReservedNetworkResources{ReservedHostPorts: "22,8000-8010"}}
	if s.StateDir != "/var/lib/nomadish-client" || s.AllocDir != "/srv/allocs" {
		t.Fatalf("state dir %q, alloc dir %q", s.StateDir, s.AllocDir)
	}
	if s.NetworkInterface != "eth1" || s.CpuTotalCompute != 8000 || !reflect.DeepEqual(s.Reserved, wantReserved) {
		t.Fatalf("interface %q, compute %d, reserved %+v", s.NetworkInterface, s.CpuTotalCompute, s.Reserved)
	}

	// JSON config files give the same plugin JSON.
	jf := writeFile(t, dir, "p.json", `{"plugin": {"mock": {"config": {"a": 1, "nested": {"b": [true]}}}}}`)
	c2 := DefaultConfig()
	if err := LoadConfig(c2, []string{jf}); err != nil {
		t.Fatal(err)
	}
	if js, err := c2.Plugins[0].ConfigJSON(); err != nil || string(js) != `{"a":1,"nested":{"b":[true]}}` {
		t.Fatalf("json plugin config = %s, %v", js, err)
	}
}

func TestConfig_ClientValidation(t *testing.T) {
	c := DefaultConfig()
	c.DataDir = "/d"
	c.Client.Enabled = true
	c.Client.Servers = []string{"nohostport"}
	c.Client.GCDiskUsageThreshold = 120
	c.Client.HostVolumes = []*HostVolumeConfig{{Name: "v", Path: "rel"}, {Name: "v", Path: "/abs"}}
	c.Client.Artifact = &ArtifactConfig{FileRoots: []string{"relative"}}
	c.Client.CpuTotalCompute = -1
	c.Client.AllocDir = "allocs"
	c.Client.Reserved = &ReservedConfig{Memory: -5, ReservedPorts: "22,abc"}
	err := c.Validate()
	for _, want := range []string{
		"client.cpu_total_compute: -1",
		`client.alloc_dir: "allocs" must be an absolute path`,
		"client.reserved.memory: -5 must be 0 or more",
		"client.reserved.reserved_ports:",
		`client.servers[0]: "nohostport" is not host:port`,
		"client.gc_disk_usage_threshold: 120",
		`client.host_volume "v": path "rel" must be absolute`,
		`client.host_volume "v": declared twice`,
		`client.artifact.file_roots[0]: "relative" must be an absolute path`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("validate: %v\nlacks %q", err, want)
		}
	}
	c = DefaultConfig()
	c.DataDir = "/d"
	c.Client.Enabled = true
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "client.servers is empty and this agent runs no server") {
		t.Fatalf("client without servers: %v", err)
	}
}
