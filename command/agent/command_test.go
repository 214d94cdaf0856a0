package agent

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/cli"
)

func TestCommand_BadInputExits1(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.hcl", "server {\n  enabeld = true\n}\n")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-nope"}, "flag provided but not defined: -nope"},
		{[]string{"-bootstrap-expect=many"}, `invalid value "many" for flag -bootstrap-expect`},
		{[]string{"-server", "extra"}, `unexpected argument "extra"`},
		{[]string{"-server"}, "data_dir is required"},
		{[]string{"-dev", "-bootstrap-expect=-2"}, "server.bootstrap_expect: -2 must be 0 or more"},
		{[]string{"-dev", "-log-level=loud"}, `log_level: unknown level "loud"`},
		{[]string{"-config=" + bad}, bad + `:2:3: Unknown argument: "enabeld" is not an argument in the server block. Did you mean "enabled"?`},
		{[]string{"-config=" + filepath.Join(dir, "missing.hcl")}, "no such file or directory"},
		{[]string{"-client", "-data-dir=" + dir}, "client.servers is empty and this agent runs no server"},
		{[]string{"-data-dir=" + dir}, "neither server nor client is enabled"},
	}
	for _, c := range cases {
		ui := cli.NewMockUi()
		cmd := &Command{Ui: ui}
		if code := cmd.Run(c.args); code != 1 {
			t.Errorf("%v: exit %d, want 1", c.args, code)
		}
		if !strings.Contains(ui.ErrorWriter.String(), c.want) {
			t.Errorf("%v: error %q lacks %q", c.args, ui.ErrorWriter.String(), c.want)
		}
	}
}

func TestCommand_FlagsOverrideFiles(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "a.hcl", `
data_dir = "/from/file"
region   = "file-region"
name     = "file-node"
server {
  enabled          = true
  bootstrap_expect = 5
  server_join {
    retry_join = ["file:4648"]
  }
}
client {
  servers = ["file:4647"]
}
`)
	f, err := parseFlags([]string{"-config", file, "-data-dir=/from/flag", "-region=eu", "-dc=fra1", "-node=n1",
		"-bootstrap-expect=3", "-bind=127.0.0.1", "-log-level=warn", "-retry-join=a:4648", "-retry-join=b:4648",
		"-join=c", "-retry-interval=5s", "-retry-max=4", "-servers=x:4647, y:4647", "-client"})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := buildConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DataDir != "/from/flag" || cfg.Region != "eu" || cfg.Datacenter != "fra1" || cfg.NodeName != "n1" ||
		cfg.BindAddr != "127.0.0.1" || cfg.LogLevel != "warn" || cfg.Server.BootstrapExpect != 3 || !cfg.Server.Enabled || !cfg.Client.Enabled {
		t.Fatalf("config = %+v server = %+v", cfg, cfg.Server)
	}
	j := cfg.Server.ServerJoin
	if !reflect.DeepEqual(j.RetryJoin, []string{"a:4648", "b:4648"}) || !reflect.DeepEqual(j.StartJoin, []string{"c"}) || j.RetryInterval != "5s" || j.RetryMax != 4 {
		t.Fatalf("join = %+v", j)
	}
	if !reflect.DeepEqual(cfg.Client.Servers, []string{"x:4647", "y:4647"}) {
		t.Fatalf("servers = %v", cfg.Client.Servers)
	}

	// A file's values stand when no flag names them; -server=false wins
	// over the file's enabled = true.
	f, _ = parseFlags([]string{"-config", file, "-server=false", "-client"})
	cfg, err = buildConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.Enabled || cfg.Region != "file-region" || cfg.Server.BootstrapExpect != 5 {
		t.Fatalf("config = %+v server = %+v", cfg, cfg.Server)
	}
}

func TestCommand_ServerConfigTranslation(t *testing.T) {
	f, _ := parseFlags([]string{"-server", "-data-dir=/d", "-bind=10.1.2.3", "-bootstrap-expect=3", "-retry-join=s2", "-retry-interval=7s"})
	cfg, err := buildConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Advertise.RPC = "192.168.1.5:9999"
	cfg.Advertise.Serf = "192.168.1.5"
	sc, err := cfg.serverConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	if sc.RPCAddr.String() != "10.1.2.3:4647" || sc.RPCAdvertise.String() != "192.168.1.5:9999" {
		t.Fatalf("rpc = %v adv %v", sc.RPCAddr, sc.RPCAdvertise)
	}
	lan, wan := sc.SerfLANConfig.MemberlistConfig, sc.SerfWANConfig.MemberlistConfig
	if lan.BindAddr != "10.1.2.3" || lan.BindPort != 4648 || lan.AdvertiseAddr != "192.168.1.5" || lan.AdvertisePort != 4648 {
		t.Fatalf("lan = %s:%d adv %s:%d", lan.BindAddr, lan.BindPort, lan.AdvertiseAddr, lan.AdvertisePort)
	}
	if wan.BindPort != 4649 || wan.AdvertisePort != 4649 || wan.AdvertiseAddr != "192.168.1.5" {
		t.Fatalf("wan = %s:%d adv %s:%d", wan.BindAddr, wan.BindPort, wan.AdvertiseAddr, wan.AdvertisePort)
	}
	if sc.DevMode || sc.DataDir != "/d" || sc.BootstrapExpect != 3 || sc.RetryInterval != 7*time.Second || !reflect.DeepEqual(sc.RetryJoin, []string{"s2"}) {
		t.Fatalf("server config = %+v", sc)
	}

	// -dev keeps Raft in memory unless given a data dir.
	f, _ = parseFlags([]string{"-dev"})
	cfg, _ = buildConfig(f)
	if sc, _ := cfg.serverConfig(nil); !sc.DevMode || sc.BootstrapExpect != 1 || sc.RPCAddr.IP.String() != "127.0.0.1" {
		t.Fatalf("dev server config = %+v", sc)
	}
	f, _ = parseFlags([]string{"-dev", "-data-dir=/keep"})
	cfg, _ = buildConfig(f)
	if sc, _ := cfg.serverConfig(nil); sc.DevMode || sc.DataDir != "/keep" || sc.BootstrapExpect != 1 {
		t.Fatalf("dev server config with data dir = %+v", sc)
	}
}

func TestCommand_HelpListsEveryFlag(t *testing.T) {
	help := (&Command{}).Help()
	for _, fl := range []string{"-config", "-data-dir", "-dev", "-bind", "-region", "-dc", "-node", "-log-level", "-server",
		"-bootstrap-expect", "-join", "-retry-join", "-retry-interval", "-retry-max", "-client", "-servers"} {
		if !strings.Contains(help, "  "+fl+"=") && !strings.Contains(help, "  "+fl+"\n") {
			t.Errorf("help lacks %s", fl)
		}
	}
	ui := cli.NewMockUi()
	if code := (&Command{Ui: ui}).Run([]string{"-h"}); code != 0 || !strings.Contains(ui.OutputWriter.String(), "Usage: nomadish agent") {
		t.Fatalf("-h: %d %q", code, ui.OutputWriter.String())
	}
}

// TestCommand_RunDevAndSignals runs the whole command: banner, HTTP, SIGHUP
// reloading the log level, SIGINT leaving gracefully with exit 0.
func TestCommand_RunDevAndSignals(t *testing.T) {
	dir := t.TempDir()
	conf := writeFile(t, dir, "ports.hcl", "ports {\n  http = 0\n  rpc = 0\n  serf = 0\n}\nlog_level = \"info\"\n")
	ui := cli.NewMockUi()
	logs := &syncBuffer{}
	cmd := &Command{Ui: ui, logOutput: logs, signalCh: make(chan os.Signal, 2), readyCh: make(chan *Agent, 1)}
	exit := make(chan int, 1)
	go func() { exit <- cmd.Run([]string{"-dev", "-config=" + conf, "-node=cmd-test"}) }()

	var a *Agent
	select {
	case a = <-cmd.readyCh:
	case code := <-exit:
		t.Fatalf("agent exited %d: %s %s", code, ui.ErrorWriter.String(), logs.String())
	case <-time.After(15 * time.Second):
		t.Fatal("agent did not start")
	}
	out := ui.OutputWriter.String()
	for _, want := range []string{"HTTP: " + a.HTTPAddr(), "Node: cmd-test", "Region: global (datacenter dc1)", "Data Dir: (none: Raft in memory", "Log Level: INFO"} {
		if !strings.Contains(out, want) {
			t.Errorf("banner %q lacks %q", out, want)
		}
	}
	waitFor(t, 10*time.Second, "a leader", func() bool {
		code, _ := httpDo(t, "GET", "http://"+a.HTTPAddr()+"/v1/status/leader", nil)
		return code == 200 && a.server.Leader() != ""
	})

	// SIGHUP: a new log_level in the file takes effect.
	if err := os.WriteFile(conf, []byte("ports {\n  http = 0\n  rpc = 0\n  serf = 0\n}\nlog_level = \"debug\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd.signalCh <- syscall.SIGHUP
	waitFor(t, 5*time.Second, "the reload", func() bool { return strings.Contains(logs.String(), "reloaded configuration: log_level=debug") })

	cmd.signalCh <- os.Interrupt
	select {
	case code := <-exit:
		if code != 0 {
			t.Fatalf("exit %d; logs: %s", code, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("agent did not stop")
	}
	if !strings.Contains(ui.OutputWriter.String(), "Left the cluster; agent stopped") {
		t.Fatalf("output = %q", ui.OutputWriter.String())
	}
	if _, err := httpDo2("http://" + a.HTTPAddr() + "/v1/status/leader"); err == nil {
		t.Fatal("HTTP still serving after shutdown")
	}
}

// A second SIGINT during the graceful leave exits at once with 1.
func TestCommand_SecondSignalExitsAtOnce(t *testing.T) {
	dir := t.TempDir()
	conf := writeFile(t, dir, "ports.hcl", "ports {\n  http = 0\n  rpc = 0\n  serf = 0\n}\n")
	ui := cli.NewMockUi()
	cmd := &Command{Ui: ui, logOutput: &syncBuffer{}, signalCh: make(chan os.Signal, 2), readyCh: make(chan *Agent, 1)}
	exit := make(chan int, 1)
	go func() { exit <- cmd.Run([]string{"-dev", "-config=" + conf, "-node=second-signal"}) }()
	var a *Agent
	select {
	case a = <-cmd.readyCh:
	case code := <-exit:
		t.Fatalf("agent exited %d: %s", code, ui.ErrorWriter.String())
	}
	t.Cleanup(func() { a.Shutdown() })
	// Both are queued before the command reads the first, so the second
	// is there while the leave (which waits on gossip) is under way.
	cmd.signalCh <- syscall.SIGTERM
	cmd.signalCh <- syscall.SIGTERM
	select {
	case code := <-exit:
		if code != 1 || !strings.Contains(ui.OutputWriter.String(), "Caught second signal") {
			t.Fatalf("exit %d, output %q", code, ui.OutputWriter.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("agent did not exit")
	}
}
