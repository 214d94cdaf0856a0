package docker

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/nomadish/nomadish/drivers/plugin"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestParseTaskConfigForms(t *testing.T) {
	c, err := parseTaskConfig([]byte(`{"image":"x","labels":{"a":"1"},"labels_block":{"b":"2"},
		"ulimit":[{"nofile":"1024:2048"}],"port_map_block":{"http":8080},"sysctl":{"net.core.somaxconn":"512"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Labels["a"] != "1" || c.Labels["b"] != "2" || c.Ulimit["nofile"] != "1024:2048" || c.PortMap["http"] != 8080 {
		t.Fatalf("parsed = %+v", c)
	}
	for in, want := range map[string]string{
		`{}`:                     "image is required",
		`{"image":"x","nope":1}`: "the options are",
		`{"image":"x","image_pull_timeout":"soon"}`:            "image_pull_timeout",
		`{"image":"x","mount":[{"type":"nfs","target":"/x"}]}`: `mount[0].type "nfs"`,
	} {
		if _, err := parseTaskConfig([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parse %s = %v, want an error with %q", in, err, want)
		}
	}
}

// TestPolicyRefusals: what the plugin config forbids is refused at start,
// naming the plugin option that would allow it.
func TestPolicyRefusals(t *testing.T) {
	cfg := taskConfigIn(t, t.TempDir(), "policy", "policy")
	pconf, err := parsePluginConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		`{"image":"x","privileged":true}`:                                       "allow_privileged",
		`{"image":"x","cap_add":["SYS_ADMIN"]}`:                                 "allow_caps",
		`{"image":"x","volumes":["/etc:/host-etc"]}`:                            "volumes { enabled = true }",
		`{"image":"x","mount":[{"type":"bind","source":"/etc","target":"/e"}]}`: "volumes { enabled = true }",
		`{"image":"x","volumes":["../../x:/x"]}`:                                "leaves the task directory",
		`{"image":"x","labels":{"io.nomadish.task_id":"x"}}`:                    "driver's own",
		`{"image":"x","ports":["http"]}`:                                        "NOMAD_HOST_PORT_http",
	} {
		conf, err := parseTaskConfig([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := createOptions(cfg, conf, pconf); err == nil || !strings.Contains(err.Error(), want) || plugin.IsRecoverable(err) {
			t.Errorf("%s: err = %v, want a non-recoverable error naming %q", in, err, want)
		}
	}
	allow, _ := parsePluginConfig([]byte(`{"allow_privileged":true,"allow_caps":["sys_admin","chown"],"volumes":{"enabled":true}}`))
	conf, _ := parseTaskConfig([]byte(`{"image":"x","privileged":true,"cap_add":["CAP_SYS_ADMIN"],"volumes":["/etc:/host-etc:ro","local/data:/data"]}`))
	opts, err := createOptions(cfg, conf, allow)
	if err != nil {
		t.Fatalf("allowed by the plugin config: %v", err)
	}
	want := []string{cfg.TaskDir.LocalDir + ":/local", cfg.TaskDir.SecretsDir + ":/secrets", cfg.TaskDir.SharedAllocDir + ":/alloc",
		"/etc:/host-etc:ro", cfg.TaskDir.Dir + "/local/data:/data"}
	if fmt.Sprint(opts.HostConfig.Binds) != fmt.Sprint(want) {
		t.Fatalf("binds = %v, want %v", opts.HostConfig.Binds, want)
	}
}

func TestPortsAndResources(t *testing.T) {
	cfg := taskConfigIn(t, t.TempDir(), "ports", "ports")
	cfg.Env["NOMAD_HOST_PORT_http"] = "23456"
	cfg.Env["NOMAD_PORT_http"] = "8080"
	cfg.Env["NOMAD_IP_http"] = "127.0.0.1"
	cfg.Resources = plugin.Resources{CPUMHz: 500, MemoryMB: 100, MemoryMaxMB: 300}
	pconf, _ := parsePluginConfig(nil)
	conf, _ := parseTaskConfig([]byte(`{"image":"x","ports":["http"],"pids_limit":50}`))
	opts, err := createOptions(cfg, conf, pconf)
	if err != nil {
		t.Fatal(err)
	}
	b := opts.HostConfig.PortBindings
	if len(b) != 2 {
		t.Fatalf("port bindings = %v, want tcp and udp", b)
	}
	for p, bs := range b {
		if p.Num() != 8080 || len(bs) != 1 || bs[0].HostPort != "23456" || bs[0].HostIP.String() != "127.0.0.1" {
			t.Fatalf("binding %v = %v", p, bs)
		}
	}
	r := opts.HostConfig.Resources
	if r.CPUShares != 500 || r.Memory != 300<<20 || r.MemoryReservation != 100<<20 || r.PidsLimit == nil || *r.PidsLimit != 50 {
		t.Fatalf("resources = %+v", r)
	}
	// port_map overrides the container port (legacy form).
	conf, _ = parseTaskConfig([]byte(`{"image":"x","port_map":[{"http":9090}]}`))
	opts, err = createOptions(cfg, conf, pconf)
	if err != nil {
		t.Fatal(err)
	}
	for p := range opts.HostConfig.PortBindings {
		if p.Num() != 9090 {
			t.Fatalf("port_map: container port %v, want 9090", p)
		}
	}
}

// TestMissingImage: an image the engine cannot pull fails StartTask with
// a recoverable error that quotes the engine.
func TestMissingImage(t *testing.T) {
	needEngine(t)
	d := newDriver(t, nil)
	cfg := taskConfigIn(t, t.TempDir(), "missing-image", "missing")
	// Nothing listens on port 1 of the loopback: the pull is refused at once.
	taskbin(t, cfg, map[string]any{"image": "127.0.0.1:1/nomadish/none:v1"})
	_, err := d.StartTask(testCtx(t), cfg)
	if err == nil || !plugin.IsRecoverable(err) || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("StartTask = %v, want a recoverable error quoting the engine", err)
	}
}

// TestContainerConfig: the container the engine runs carries the labels,
// env, resources, binds and options of the task.
func TestContainerConfig(t *testing.T) {
	needEngine(t)
	d := newDriver(t, nil)
	cfg := taskConfigIn(t, t.TempDir(), "config/1", "config")
	cfg.Env["FROM_CLIENT"] = "yes"
	taskbin(t, cfg, map[string]any{
		"labels_block": map[string]string{"team": "web"}, "hostname": "taskhost", "init": true,
		"shm_size": 1 << 26, "ulimit": map[string]string{"nofile": "1024:2048"},
		"extra_hosts": []string{"db.internal:10.0.0.9"}, "dns_servers": []string{"10.0.0.53"},
		"network_mode": "none", "healthchecks": map[string]bool{"disable": true},
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
	ct := ins.Container
	l := ct.Config.Labels
	if l["team"] != "web" || l[LabelAllocID] != cfg.AllocID || l[LabelJobName] != "docker-test" ||
		l[LabelTaskGroupName] != "group" || l[LabelTaskName] != "config" || l[LabelTaskID] != cfg.ID || l[LabelManaged] != "true" {
		t.Fatalf("labels = %v", l)
	}
	if !strings.Contains(strings.Join(ct.Config.Env, " "), "FROM_CLIENT=yes") || ct.Config.Hostname != "taskhost" {
		t.Fatalf("env %v, hostname %q", ct.Config.Env, ct.Config.Hostname)
	}
	hc := ct.HostConfig
	if hc.Memory != 64<<20 || hc.CPUShares != 100 || hc.Init == nil || !*hc.Init || hc.ShmSize != 1<<26 ||
		len(hc.Ulimits) != 1 || hc.Ulimits[0].Soft != 1024 || hc.Ulimits[0].Hard != 2048 || string(hc.NetworkMode) != "none" {
		t.Fatalf("host config = %+v", hc)
	}
	if len(hc.Binds) != 3 || !strings.HasSuffix(hc.Binds[0], ":/local") || fmt.Sprint(hc.ExtraHosts) != "[db.internal:10.0.0.9]" {
		t.Fatalf("binds %v, extra hosts %v", hc.Binds, hc.ExtraHosts)
	}
	if ct.Config.Healthcheck == nil || ct.Config.Healthcheck.Test[0] != "NONE" {
		t.Fatalf("healthcheck = %+v, want disabled", ct.Config.Healthcheck)
	}
}

// TestLoadImage: load takes an image tarball from the task dir.
func TestLoadImage(t *testing.T) {
	needEngine(t)
	d := newDriver(t, nil)
	dir := t.TempDir()
	cfg := taskConfigIn(t, dir, "load", "load")
	data := mustRead(t, testTarball)
	mustWrite(t, dir+"/local/image.tar", data)
	taskbin(t, cfg, map[string]any{"load": "local/image.tar"}, "exit", "0")
	if _, err := d.StartTask(testCtx(t), cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.DestroyTask(context.Background(), cfg.ID, true) })
	if r, err := d.WaitTask(testCtx(t), cfg.ID); err != nil || !r.Successful() {
		t.Fatalf("wait = %+v, %v", r, err)
	}
	cfg2 := taskConfigIn(t, t.TempDir(), "load2", "load2")
	taskbin(t, cfg2, map[string]any{"load": "../../etc/passwd"}, "exit", "0")
	if _, err := d.StartTask(testCtx(t), cfg2); err == nil || !strings.Contains(err.Error(), "leaves the task directory") {
		t.Fatalf("load outside the task dir = %v", err)
	}
}

func TestImageCacheGC(t *testing.T) {
	var mu sync.Mutex
	now := time.Unix(1000, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	c := newImageCache(clock)
	c.acquire("img")
	c.acquire("img")
	c.release("img")
	if got := c.expired(0); len(got) != 0 {
		t.Fatalf("expired while a task uses it: %v", got)
	}
	c.release("img")
	if got := c.expired(3 * time.Minute); len(got) != 0 {
		t.Fatalf("expired before the delay: %v", got)
	}
	mu.Lock()
	now = now.Add(3 * time.Minute)
	mu.Unlock()
	if got := c.expired(3 * time.Minute); fmt.Sprint(got) != "[img]" {
		t.Fatalf("expired = %v, want [img]", got)
	}
	// Used again before the delay: kept.
	c.acquire("b")
	c.release("b")
	c.acquire("b")
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	if got := c.expired(time.Minute); len(got) != 0 {
		t.Fatalf("expired though in use: %v", got)
	}
}

// TestCoalescedPulls: callers asking for a reference being pulled wait
// for that pull instead of starting their own.
func TestCoalescedPulls(t *testing.T) {
	c := newImageCache(time.Now)
	release, started := make(chan struct{}), make(chan struct{})
	var calls atomic.Int32
	pullFn := func() error {
		calls.Add(1)
		close(started)
		<-release
		return fmt.Errorf("refused by the registry")
	}
	errs := make(chan error, 5)
	go func() { errs <- c.coalesce(context.Background(), "ref", pullFn) }()
	<-started
	for i := 0; i < 4; i++ {
		go func() { errs <- c.coalesce(context.Background(), "ref", pullFn) }()
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c.mu.Lock()
		n := c.pulling["ref"].waiters
		c.mu.Unlock()
		if n == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d waiters after 10s, want 4", n)
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	for i := 0; i < 5; i++ {
		if err := <-errs; err == nil || err.Error() != "refused by the registry" {
			t.Fatalf("caller %d: %v, want the pull's error", i, err)
		}
	}
	if calls.Load() != 1 {
		t.Fatalf("%d pulls, want 1", calls.Load())
	}
}

// TestReconcile: a container of ours no task holds is removed after the
// grace period; one without our label never is, nor one of ours made
// before the owner label (LabelOwner), whose client is unknown.
func TestReconcile(t *testing.T) {
	needEngine(t)
	var mu sync.Mutex
	now := time.Unix(1000, 0)
	d := New(Config{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }, OrphanGrace: time.Minute})
	if err := d.SetConfig(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	_, c, _ := d.configured()
	owner := "test-host:" + t.TempDir()
	d.noteOwner(owner)
	suffix := fmt.Sprint(time.Now().UnixNano())
	ours := mkContainer(t, c, "orphan-"+suffix, map[string]string{LabelManaged: "true", LabelTaskID: "gone", LabelJobName: "docker-test", LabelOwner: owner})
	theirs := mkContainer(t, c, "theirs-"+suffix, map[string]string{LabelTaskID: "gone"})
	legacy := mkContainer(t, c, "legacy-"+suffix, map[string]string{LabelManaged: "true", LabelTaskID: "gone", LabelJobName: "docker-test"})
	if removed, err := d.reconcile(testCtx(t), c); err != nil || len(removed) != 0 {
		t.Fatalf("first round removed %v, %v; want none within the grace period", removed, err)
	}
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	removed, err := d.reconcile(testCtx(t), c)
	if err != nil || fmt.Sprint(removed) != fmt.Sprint([]string{ours}) {
		t.Fatalf("second round removed %v, %v; want only %s", removed, err, ours)
	}
	for what, id := range map[string]string{"a container without our label": theirs, "a container of ours without an owner label": legacy} {
		if _, err := c.ContainerInspect(testCtx(t), id, client.ContainerInspectOptions{}); err != nil {
			t.Fatalf("%s was touched: %v", what, err)
		}
	}
}

// mkContainer creates a container of the test image that runs "wait",
// removed when the test ends.
func mkContainer(t *testing.T, c *client.Client, name string, labels map[string]string) string {
	t.Helper()
	r, err := c.ContainerCreate(testCtx(t), client.ContainerCreateOptions{Name: name,
		Config: &container.Config{Image: testImage, Cmd: []string{"wait"}, Labels: labels}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = c.ContainerRemove(context.Background(), r.ID, client.ContainerRemoveOptions{Force: true})
	})
	return r.ID
}

// TestReconcileTwoClients: two clients (two drivers whose tasks live under
// different alloc dirs) share one engine. Each reconciler removes its own
// orphan and leaves the other's running task and orphan alone.
func TestReconcileTwoClients(t *testing.T) {
	needEngine(t)
	var mu sync.Mutex
	now := time.Unix(1000, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	type client1 struct {
		d     *Driver
		cfg   *plugin.TaskConfig
		id    string // the running task's container
		owner string
	}
	clients := map[string]*client1{}
	for _, name := range []string{"a", "b"} {
		d := New(Config{Now: clock, OrphanGrace: time.Minute})
		if err := d.SetConfig(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		root := filepath.Join(t.TempDir(), "client-"+name, "alloc")
		cfg := taskConfigIn(t, filepath.Join(root, "alloc-"+name, "web"), "two-clients-"+name, "web-"+name)
		taskbin(t, cfg, nil, "wait")
		h, err := d.StartTask(testCtx(t), cfg)
		if err != nil {
			t.Fatalf("client %s: StartTask: %v", name, err)
		}
		t.Cleanup(func() { _ = d.DestroyTask(context.Background(), cfg.ID, true) })
		var st driverState
		if err := h.DecodeDriverState(&st); err != nil {
			t.Fatal(err)
		}
		clients[name] = &client1{d: d, cfg: cfg, id: st.ContainerID, owner: ownerOf(cfg)}
	}
	if clients["a"].owner == clients["b"].owner || !strings.HasSuffix(clients["a"].owner, filepath.Join("client-a", "alloc")) {
		t.Fatalf("owners %q and %q; want distinct, naming each client's alloc dir", clients["a"].owner, clients["b"].owner)
	}
	_, c, _ := clients["a"].d.configured()
	ins, err := c.ContainerInspect(testCtx(t), clients["a"].id, client.ContainerInspectOptions{})
	if err != nil || ins.Container.Config.Labels[LabelOwner] != clients["a"].owner {
		t.Fatalf("client a's container has owner label %q (%v); want %q", ins.Container.Config.Labels[LabelOwner], err, clients["a"].owner)
	}
	suffix := fmt.Sprint(time.Now().UnixNano())
	orphans := map[string]string{}
	for name, cl := range clients {
		orphans[name] = mkContainer(t, c, "orphan-"+name+"-"+suffix, map[string]string{
			LabelManaged: "true", LabelTaskID: "forgotten-" + name, LabelJobName: "docker-test", LabelOwner: cl.owner})
	}
	for round := 0; round < 2; round++ {
		for name, cl := range clients {
			removed, err := cl.d.reconcile(testCtx(t), c)
			if err != nil {
				t.Fatalf("client %s: reconcile: %v", name, err)
			}
			want := ""
			if round == 1 {
				want = fmt.Sprint([]string{orphans[name]})
			}
			if got := fmt.Sprint(removed); (want == "" && len(removed) != 0) || (want != "" && got != want) {
				t.Fatalf("round %d: client %s removed %v; want %s", round, name, removed, want)
			}
		}
		mu.Lock()
		now = now.Add(time.Minute)
		mu.Unlock()
	}
	for name, cl := range clients {
		ins, err := c.ContainerInspect(testCtx(t), cl.id, client.ContainerInspectOptions{})
		if err != nil || ins.Container.State == nil || !ins.Container.State.Running {
			t.Fatalf("client %s's running task was touched: %v", name, err)
		}
		if st, err := cl.d.InspectTask(testCtx(t), cl.cfg.ID); err != nil || st.ExitResult != nil {
			t.Fatalf("client %s's task: %+v, %v; want it running", name, st, err)
		}
	}
}

func TestFingerprint(t *testing.T) {
	d := newDriver(t, map[string]any{"endpoint": "unix:///nonexistent/docker.sock"})
	fp := d.fingerprint(context.Background())
	if fp.Health != plugin.HealthUnhealthy || !strings.Contains(fp.HealthDescription, "endpoint") {
		t.Fatalf("fingerprint = %+v, want unhealthy naming the endpoint", fp)
	}
	needEngine(t)
	d = newDriver(t, nil)
	fp = d.fingerprint(context.Background())
	if fp.Health != plugin.HealthHealthy || fp.Attributes["driver.docker.version"] == "" ||
		fp.Attributes["driver.docker.os_type"] != "linux" || !strings.Contains(fp.Attributes["driver.docker.runtimes"], "runc") {
		t.Fatalf("fingerprint = %+v", fp)
	}
}

func TestPluginConfig(t *testing.T) {
	c, err := parsePluginConfig([]byte(`{"gc":{"image":false,"image_delay":"10m"}}`))
	if err != nil || c.imageGC || c.imageDelay != 10*time.Minute || c.Endpoint != DefaultEndpoint {
		t.Fatalf("parsed = %+v, %v", c, err)
	}
	for in, want := range map[string]string{
		`{"endpoint":"http://x"}`:        "endpoint",
		`{"gc":{"image_delay":"later"}}`: "gc.image_delay",
		`{"volumes":true}`:               "the options are",
	} {
		if _, err := parsePluginConfig([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s = %v, want an error with %q", in, err, want)
		}
	}
	b, _ := json.Marshal(map[string]any{})
	if _, err := parsePluginConfig(b); err != nil {
		t.Fatal(err)
	}
}
