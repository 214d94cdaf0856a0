package agent

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfig_Defaults(t *testing.T) {
	c := DefaultConfig()
	if c.Ports.HTTP != 4646 || c.Ports.RPC != 4647 || c.Ports.Serf != 4648 || c.Ports.WANPort() != 4649 {
		t.Fatalf("ports = %+v wan=%d", c.Ports, c.Ports.WANPort())
	}
	if c.Region != "global" || c.Datacenter != "dc1" || c.BindAddr != "0.0.0.0" || c.LogLevel != "INFO" {
		t.Fatalf("defaults = %+v", c)
	}
	if c.Server.Enabled || c.Client.Enabled {
		t.Fatal("neither server nor client is on by default")
	}
	// Defaults alone are not runnable: no role and no data dir.
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "neither server nor client") || !strings.Contains(err.Error(), "data_dir is required") {
		t.Fatalf("Validate() = %v", err)
	}
}

func TestConfig_Dev(t *testing.T) {
	c := DevConfig()
	if !c.DevMode || !c.Server.Enabled || !c.Client.Enabled || c.Server.BootstrapExpect != 1 ||
		c.BindAddr != "127.0.0.1" || c.Region != "global" || c.Datacenter != "dc1" {
		t.Fatalf("dev config = %+v server=%+v client=%+v", c, c.Server, c.Client)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("dev config must validate without a data dir: %v", err)
	}
}

func TestConfig_FilesMergeInOrder(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.hcl", `
data_dir   = "/var/lib/a"
region     = "eu"
datacenter = "fra1"
log_level  = "debug"
ports {
  http = 5646
  serf = 5648
}
server {
  enabled          = true
  bootstrap_expect = 3
  server_join {
    retry_join     = ["10.0.0.1", "10.0.0.2"]
    retry_interval = "15s"
  }
}
client {
  enabled = true
  meta = { rack = "r1" }
}
plugin "wasm" {
  config {
    anything = ["goes", 1]
  }
}
`)
	confDir := filepath.Join(dir, "conf.d")
	if err := os.Mkdir(confDir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Directory files load in lexical order; the README is ignored.
	writeFile(t, confDir, "20-late.hcl", `datacenter = "fra3"`)
	writeFile(t, confDir, "10-early.hcl", `
datacenter = "fra2"
ports { rpc = 5647 }
server { enabled = false }
plugin "oci" {}
plugin "wasm" { args = ["-v"] }
`)
	writeFile(t, confDir, "README", "not config")
	writeFile(t, confDir, "30.json", `{"name": "from-json", "client": {"servers": ["10.0.0.9:4647"]}}`)

	c := DefaultConfig()
	if err := LoadConfig(c, []string{a, confDir}); err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/var/lib/a" || c.Region != "eu" || c.Datacenter != "fra3" || c.LogLevel != "debug" || c.NodeName != "from-json" {
		t.Fatalf("merged = %+v", c)
	}
	if c.Ports.HTTP != 5646 || c.Ports.RPC != 5647 || c.Ports.Serf != 5648 || c.Ports.WANPort() != 5649 {
		t.Fatalf("ports = %+v wan=%d", c.Ports, c.Ports.WANPort())
	}
	// A later file turns a boolean off; untouched keys in the same block stay.
	if c.Server.Enabled || c.Server.BootstrapExpect != 3 {
		t.Fatalf("server = %+v", c.Server)
	}
	if !reflect.DeepEqual(c.Server.ServerJoin.RetryJoin, []string{"10.0.0.1", "10.0.0.2"}) || c.Server.ServerJoin.RetryInterval != "15s" {
		t.Fatalf("server_join = %+v", c.Server.ServerJoin)
	}
	if !c.Client.Enabled || c.Client.Meta["rack"] != "r1" || !reflect.DeepEqual(c.Client.Servers, []string{"10.0.0.9:4647"}) {
		t.Fatalf("client = %+v", c.Client)
	}
	if len(c.Plugins) != 2 || c.Plugins[0].Name != "wasm" || !reflect.DeepEqual(c.Plugins[0].Args, []string{"-v"}) || c.Plugins[1].Name != "oci" {
		t.Fatalf("plugins = %+v", c.Plugins)
	}
	if len(c.Files) != 4 || !strings.HasSuffix(c.Files[1], "10-early.hcl") {
		t.Fatalf("files = %v", c.Files)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestConfig_UnknownAttribute(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "bad.hcl", `
server {
  enabled = true
  bootstrap_expekt = 3
}
`)
	err := LoadConfig(DefaultConfig(), []string{p})
	if err == nil {
		t.Fatal("expected an error")
	}
	msg := err.Error()
	for _, want := range []string{
		p + ":4:3:",
		`"bootstrap_expekt" is not an argument in the server block`,
		`Did you mean "bootstrap_expect"?`,
		"Allowed arguments: authoritative_region, bootstrap_expect, enabled, failover_heartbeat_ttl, heartbeat_grace, job_max_group_count, job_max_placements, max_heartbeats_per_second, min_heartbeat_ttl, raft_protocol; blocks: server_join.",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
}

func TestConfig_UnknownBlockAndTopLevel(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "bad.hcl", "portz {\n  http = 1\n}\ndatadir = \"/x\"\n")
	err := LoadConfig(DefaultConfig(), []string{p})
	if err == nil {
		t.Fatal("expected an error")
	}
	msg := err.Error()
	for _, want := range []string{
		p + ":1:1:", `"portz" is not a block at the top level. Did you mean "ports"?`,
		p + ":4:1:", `Did you mean "data_dir"?`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
}

func TestConfig_TypeAndSyntaxErrorsHavePositions(t *testing.T) {
	dir := t.TempDir()
	typ := writeFile(t, dir, "type.hcl", "ports {\n  http = \"not-a-number\"\n}\n")
	err := LoadConfig(DefaultConfig(), []string{typ})
	if err == nil || !strings.Contains(err.Error(), typ+":2:") {
		t.Fatalf("type error = %v", err)
	}
	syn := writeFile(t, dir, "syntax.hcl", "server {\n  enabled = \n")
	err = LoadConfig(DefaultConfig(), []string{syn})
	if err == nil || !strings.Contains(err.Error(), syn+":") {
		t.Fatalf("syntax error = %v", err)
	}
	err = LoadConfig(DefaultConfig(), []string{filepath.Join(dir, "missing.hcl")})
	if err == nil || !strings.Contains(err.Error(), "missing.hcl") {
		t.Fatalf("missing file error = %v", err)
	}
}

func TestConfig_Validate(t *testing.T) {
	c := DefaultConfig()
	c.DataDir = "/tmp/x"
	c.Server.Enabled = true
	c.Ports.HTTP = 70000
	c.Ports.RPC = -1
	c.Server.BootstrapExpect = -1
	c.LogLevel = "loud"
	c.BindAddr = "not-an-ip"
	c.Server.ServerJoin.RetryInterval = "often"
	c.Advertise.RPC = "10.0.0.1:99999"
	err := c.Validate()
	if err == nil {
		t.Fatal("expected errors")
	}
	for _, want := range []string{
		"ports.http: 70000 is out of range 0-65535",
		"ports.rpc: -1 is out of range 0-65535",
		"server.bootstrap_expect: -1 must be 0 or more",
		`log_level: unknown level "loud" (want one of TRACE, DEBUG, INFO, WARN, ERROR)`,
		`bind_addr: "not-an-ip" is not an IP address`,
		`server.server_join.retry_interval: "often" is not a duration`,
		"advertise.rpc:",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	wan := 4648
	c = DevConfig()
	c.Ports.SerfWAN = &wan
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "ports.serf_wan") {
		t.Fatalf("same LAN and WAN port: %v", err)
	}
}

func TestConfig_ClientLB(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.hcl")
	if err := os.WriteFile(path, []byte(`data_dir = "/tmp/x"
client {
  enabled = true
  lb {
    enabled       = false
    address       = "10.0.0.5"
    drain_timeout = "5s"
  }
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	c := DefaultConfig()
	if err := LoadConfig(c, []string{path}); err != nil {
		t.Fatal(err)
	}
	if c.Client.lbEnabled() || c.Client.LB.Address != "10.0.0.5" || c.Client.LB.DrainTimeout != "5s" {
		t.Fatalf("client.lb decoded as %+v", c.Client.LB)
	}
	if !DefaultConfig().Client.lbEnabled() {
		t.Error("the balancer is off by default; it should be on")
	}

	c = DevConfig()
	c.Client.LB = &LBConfig{Address: "localhost", DrainTimeout: "-1s"}
	err := c.Validate()
	for _, want := range []string{
		`client.lb.address: "localhost" is not an IP address`,
		`client.lb.drain_timeout: "-1s" must be positive`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}
