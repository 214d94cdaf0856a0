package oci

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nomadish/nomadish/drivers/oci/network"
)

// freePort is a TCP port on loopback that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestBridgePortForwarding: a task in network_mode "bridge" gets a network
// namespace of its own on the CNI bridge, and the allocation's port (as the
// client puts it in the task's environment) is forwarded from the host to
// the port the task binds; destroying the task removes the network.
func TestBridgePortForwarding(t *testing.T) {
	needContainers(t)
	for _, p := range []string{"bridge", "host-local", "loopback", "firewall", "portmap"} {
		if _, err := os.Stat(filepath.Join("/usr/lib/cni", p)); err != nil {
			t.Skipf("skipping: CNI plugin %s is not installed in /usr/lib/cni (.ci/run installs containernetworking-plugins)", p)
		}
	}
	// A bridge of the test's own, on a subnet no route of this host uses.
	subnet, err := network.FreeSubnet("nmdtestbr0")
	if err != nil {
		t.Fatal(err)
	}
	d := New(testDriverConfig(nil))
	conf := pluginConfigJSON(t.TempDir(), map[string]any{"bridge_name": "nmdtestbr0", "bridge_subnet": subnet, "cni_path": []string{"/usr/lib/cni"}})
	if err := d.SetConfig(testCtx(t), conf); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, tk := range d.tasks.All() {
			_ = d.DestroyTask(testCtx(t), tk.cfg.ID, true)
		}
		exec.Command("ip", "link", "del", "nmdtestbr0").Run()
	})
	bridge, ok := d.network().(*cniNetwork)
	if !ok {
		t.Fatalf("driver network = %T, want the CNI bridge", d.network())
	}
	if err := bridge.m.Check(); err != nil {
		t.Fatalf("the CNI bridge on %s cannot be used: %v", subnet, err)
	}

	cfg := newTaskConfig(t, "web")
	host := freePort(t)
	cfg.Env["NOMAD_HOST_PORT_http"] = strconv.Itoa(host)
	cfg.Env["NOMAD_PORT_http"] = "8080"
	taskbin(t, cfg, map[string]any{"network_mode": "bridge"}, "serve", "8080", "hello from the bridge")
	h, err := d.StartTask(testCtx(t), cfg)
	if err != nil {
		t.Fatalf("StartTask: %v", err)
	}
	var st driverState
	if err := h.DecodeDriverState(&st); err != nil {
		t.Fatal(err)
	}

	var got string
	deadline := time.Now().Add(bound)
	for {
		got, err = readLine(fmt.Sprintf("127.0.0.1:%d", host))
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || got != "hello from the bridge" {
		t.Fatalf("through 127.0.0.1:%d: %q, %v; want the task's answer", host, got, err)
	}
	if n, err := bridge.m.Get(st.ContainerID); err != nil || n.IP == "" {
		t.Fatalf("network of the container: %+v, %v", n, err)
	}

	if err := d.DestroyTask(testCtx(t), cfg.ID, true); err != nil {
		t.Fatalf("DestroyTask: %v", err)
	}
	if _, err := bridge.m.Get(st.ContainerID); !errors.Is(err, network.ErrNotFound) {
		t.Fatalf("network after destroy: %v, want it gone", err)
	}
	if _, err := readLine(fmt.Sprintf("127.0.0.1:%d", host)); err == nil {
		t.Fatal("the port still answers after the task was destroyed")
	}
}

func readLine(addr string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "", err
	}
	return line[:len(line)-1], nil
}

func TestTaskPorts(t *testing.T) {
	ports, err := taskPorts(map[string]string{
		"NOMAD_HOST_PORT_http": "25000", "NOMAD_PORT_http": "8080",
		"NOMAD_HOST_PORT_db": "25001", "NOMAD_HOST_IP_db": "127.0.0.1",
		"NOMAD_TASK_NAME": "web",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []network.PortMapping{
		{Label: "db", HostPort: 25001, ContainerPort: 25001, Protocol: "tcp", HostIP: "127.0.0.1"},
		{Label: "db", HostPort: 25001, ContainerPort: 25001, Protocol: "udp", HostIP: "127.0.0.1"},
		{Label: "http", HostPort: 25000, ContainerPort: 8080, Protocol: "tcp"},
		{Label: "http", HostPort: 25000, ContainerPort: 8080, Protocol: "udp"},
	}
	if fmt.Sprint(ports) != fmt.Sprint(want) {
		t.Fatalf("ports = %+v, want %+v", ports, want)
	}
	if _, err := taskPorts(map[string]string{"NOMAD_HOST_PORT_x": "eighty"}); err == nil {
		t.Fatal("a port that is not a number: want an error")
	}
}
