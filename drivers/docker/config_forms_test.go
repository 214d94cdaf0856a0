package docker

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/client"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// decodeHCL decodes a config block body against ConfigSpec and hands its
// JSON to parseTaskConfig, as the client does (without jobspec's folding of
// block forms, which the driver must not need).
func decodeHCL(t *testing.T, src string) (*taskConfig, error) {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(src), "config.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	v, diags := hcldec.Decode(f.Body, ConfigSpec, nil)
	if diags.HasErrors() {
		t.Fatalf("schema refused:\n%s\n%v", src, diags)
	}
	b, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		t.Fatal(err)
	}
	return parseTaskConfig(b)
}

// Nomad's docker options, in the block forms its job files use, pass the
// schema and reach the driver's config.
func TestConfigBlockForms(t *testing.T) {
	c, err := decodeHCL(t, `
image = "redis:7"
labels { team = "cache" }
ulimit { nofile = "1024:2048" }
sysctl = { "net.core.somaxconn" = "512" }
port_map { db = 6379 }
storage_opt { size = "1G" }
auth {
  username = "u"
  password = "p"
}
logging {
  type = "json-file"
  config {
    max-size = "10m"
    max-file = "3"
  }
}
mount {
  type   = "volume"
  target = "/data"
  source = "cache-data"
  volume_options {
    no_copy = true
    labels { owner = "cache" }
    driver_config {
      name = "local"
      options { type = "tmpfs" }
    }
  }
}
mount {
  type   = "bind"
  target = "/etc/app"
  source = "local/app"
  bind_options { propagation = "rshared" }
}
mount {
  type   = "tmpfs"
  target = "/scratch"
  tmpfs_options {
    size = 100000
    mode = 1023
  }
}
mounts = [
  { type = "bind", target = "/old", source = "local/old", readonly = true },
]
devices = [
  { host_path = "/dev/fuse", container_path = "/dev/fuse", cgroup_permissions = "rw" },
]
extra_hosts       = ["db:10.0.0.9"]
cpu_hard_limit    = true
cpuset_cpus       = "0"
memory_hard_limit = 512
group_add         = ["audio"]
oom_score_adj     = 100
uts_mode          = "host"
cgroupns          = "private"
runtime           = "runc"
mac_address       = "02:42:ac:11:00:02"
isolation         = "process"
`)
	if err != nil {
		t.Fatal(err)
	}
	if c.Labels["team"] != "cache" || c.Ulimit["nofile"] != "1024:2048" || c.Sysctl["net.core.somaxconn"] != "512" ||
		c.PortMap["db"] != 6379 || c.StorageOpt["size"] != "1G" || c.Auth == nil || c.Auth.Username != "u" {
		t.Fatalf("attribute blocks: %+v", c)
	}
	if c.Logging == nil || c.Logging.Type != "json-file" || c.Logging.Config["max-file"] != "3" || c.Logging.ConfigBlock != nil {
		t.Fatalf("logging = %+v", c.Logging)
	}
	if len(c.Mounts) != 4 {
		t.Fatalf("mounts = %+v, want the three mount blocks and the one of mounts", c.Mounts)
	}
	vo := c.Mounts[0].VolumeOptions
	if vo == nil || !vo.NoCopy || vo.Labels["owner"] != "cache" || vo.DriverConfig == nil || vo.DriverConfig.Name != "local" || vo.DriverConfig.Options["type"] != "tmpfs" {
		t.Fatalf("volume_options = %+v", vo)
	}
	if bo := c.Mounts[1].BindOptions; bo == nil || bo.Propagation != "rshared" {
		t.Fatalf("bind_options = %+v", bo)
	}
	if to := c.Mounts[2].TmpfsOptions; to == nil || to.Size != 100000 || to.Mode != 0o1777 {
		t.Fatalf("tmpfs_options = %+v", to)
	}
	if m := c.Mounts[3]; m.Target != "/old" || !m.Readonly {
		t.Fatalf("mounts[0] = %+v", m)
	}
	if len(c.Devices) != 1 || c.Devices[0].CgroupPermissions != "rw" || c.CpusetCpus != "0" || c.OomScoreAdj != 100 || c.CgroupNS != "private" {
		t.Fatalf("host options: %+v", c)
	}
	if got := strings.Join(c.ignoredOptions(), "\n"); !strings.Contains(got, "mac_address") || !strings.Contains(got, "isolation") {
		t.Fatalf("ignored = %s", got)
	}
}

// Nomad's job JSON gives block forms as lists of objects; the driver reads
// them too.
func TestConfigNomadWireForms(t *testing.T) {
	c, err := parseTaskConfig([]byte(`{"image":"x",
		"logging":[{"type":"syslog","config":[{"tag":"web"}]}],
		"auth":[{"username":"u"}],
		"labels":[{"a":"1"}],
		"mount":[{"type":"volume","target":"/d","volume_options":[{"labels":[{"k":"v"}],"driver_config":[{"name":"local","options":[{"o":"1"}]}]}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	vo := c.Mounts[0].VolumeOptions
	if c.Logging.Type != "syslog" || c.Logging.Config["tag"] != "web" || c.Auth.Username != "u" || c.Labels["a"] != "1" ||
		vo.Labels["k"] != "v" || vo.DriverConfig.Options["o"] != "1" {
		t.Fatalf("parsed %+v, logging %+v, volume options %+v", c, c.Logging, vo)
	}
	// The old name of the log driver.
	if c, err := parseTaskConfig([]byte(`{"image":"x","logging":{"driver":"journald"}}`)); err != nil || c.Logging.Type != "journald" {
		t.Fatalf("logging.driver: %+v %v", c, err)
	}
}

func TestConfigOptionErrors(t *testing.T) {
	for in, want := range map[string]string{
		`{"image":"x","devices":[{"host_path":"dev/fuse"}]}`:                                 `devices[0].host_path "dev/fuse"`,
		`{"image":"x","devices":[{"host_path":"/dev/fuse","cgroup_permissions":"rx"}]}`:      `cgroup_permissions "rx"`,
		`{"image":"x","cgroupns":"shared"}`:                                                  `cgroupns "shared"`,
		`{"image":"x","oom_score_adj":5000}`:                                                 "from -1000 to 1000",
		`{"image":"x","ipv4_address":"fe80::1"}`:                                             `ipv4_address "fe80::1": want an ipv4 address`,
		`{"image":"x","mount":[{"type":"bind","target":"/x","tmpfs_options":{"size":1}}]}`:   `mount[0].tmpfs_options: the mount's type is "bind"`,
		`{"image":"x","mount":[{"target":"/x","bind_options":{"propagation":"sideways"}}]}`:  `mount[0].bind_options: the mount's type is "volume"`,
		`{"image":"x","mount":[{"type":"bind","target":"/x","bind_options":{"nope":true}}]}`: `unknown field "nope"`,
		`{"image":"x","mounts":[{"type":"nfs","target":"/x"}]}`:                              `mount[0].type "nfs"`,
		`{"image":"x","logging":[{"type":"a"},{"type":"b"}]}`:                                "want one block, got 2",
	} {
		if _, err := parseTaskConfig([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parse %s = %v, want an error with %q", in, err, want)
		}
	}
	// A runtime outside allow_runtimes is refused at start, naming the option.
	cfg := taskConfigIn(t, t.TempDir(), "rt", "rt")
	conf, err := parseTaskConfig([]byte(`{"image":"x","runtime":"kata"}`))
	if err != nil {
		t.Fatal(err)
	}
	pconf, _ := parsePluginConfig(nil)
	if _, err := createOptions(cfg, conf, pconf); err == nil || !strings.Contains(err.Error(), `allow_runtimes is ["runc", "nvidia"]`) {
		t.Fatalf("runtime kata: %v", err)
	}
	pconf, _ = parsePluginConfig([]byte(`{"allow_runtimes":["kata"]}`))
	if _, err := createOptions(cfg, conf, pconf); err != nil {
		t.Fatalf("runtime kata allowed: %v", err)
	}
}

// The wire schema the driver sends the client carries every option except
// the block forms, at any depth.
func TestConfigSchemaWire(t *testing.T) {
	s, err := New(Config{}).ConfigSchema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"devices", "mounts", "storage_opt", "cgroupns"} {
		if s.Task.Attrs[k] == nil {
			t.Errorf("wire schema lacks %s", k)
		}
	}
	vo := s.Task.Blocks["mount"].Nested.Blocks["volume_options"]
	if vo == nil || vo.Nested.Attrs["labels"] == nil || vo.Nested.Attrs["labels_block"] != nil || s.Task.Attrs["labels_block"] != nil {
		t.Fatalf("volume_options wire schema = %+v", vo)
	}
}

// The new host options and mount options reach the engine, and options
// the driver does not apply are reported as a task event.
func TestContainerHostOptions(t *testing.T) {
	needEngine(t)
	d := newDriver(t, nil)
	events, err := d.TaskEvents(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg := taskConfigIn(t, t.TempDir(), "hostopts/1", "hostopts")
	taskbin(t, cfg, map[string]any{
		"network_mode": "none", "oom_score_adj": 200, "group_add": []string{"1234"}, "cpuset_cpus": "0",
		"cgroupns": "private", "uts_mode": "host", "mac_address": "02:42:ac:11:00:02",
		"logging": map[string]any{"type": "json-file", "config_block": map[string]string{"max-size": "1m"}},
		"mount":   []map[string]any{{"type": "tmpfs", "target": "/scratch", "tmpfs_options": map[string]any{"size": 1 << 20, "mode": 0o1777}}},
	}, "wait")
	h, err := d.StartTask(testCtx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.DestroyTask(context.Background(), cfg.ID, true) })
	var st driverState
	if err := h.DecodeDriverState(&st); err != nil {
		t.Fatal(err)
	}
	_, c, _ := d.configured()
	ins, err := c.ContainerInspect(testCtx(t), st.ContainerID, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hc := ins.Container.HostConfig
	if hc.OomScoreAdj != 200 || len(hc.GroupAdd) != 1 || hc.GroupAdd[0] != "1234" || hc.CpusetCpus != "0" ||
		string(hc.CgroupnsMode) != "private" || string(hc.UTSMode) != "host" {
		t.Fatalf("host config: oom %d, groups %v, cpuset %q, cgroupns %q, uts %q", hc.OomScoreAdj, hc.GroupAdd, hc.CpusetCpus, hc.CgroupnsMode, hc.UTSMode)
	}
	if hc.LogConfig.Type != "json-file" || hc.LogConfig.Config["max-size"] != "1m" {
		t.Fatalf("log config = %+v", hc.LogConfig)
	}
	if len(hc.Mounts) != 1 || hc.Mounts[0].Type != mount.TypeTmpfs || hc.Mounts[0].TmpfsOptions == nil ||
		hc.Mounts[0].TmpfsOptions.SizeBytes != 1<<20 || hc.Mounts[0].TmpfsOptions.Mode != os.FileMode(0o1777) {
		t.Fatalf("mounts = %+v", hc.Mounts)
	}
	deadline := time.After(30 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.TaskID == cfg.ID && strings.Contains(ev.Message, "accepted but not applied: mac_address") {
				return
			}
		case <-deadline:
			t.Fatal("no task event for mac_address")
		}
	}
}
