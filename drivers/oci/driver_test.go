package oci

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	ociruntime "github.com/nomadish/nomadish/drivers/oci/runtime"
	"github.com/nomadish/nomadish/drivers/plugin"
)

// bound is the longest a test waits for a container.
const bound = 30 * time.Second

func testCtx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), bound)
	t.Cleanup(cancel)
	return c
}

// newDriver is a configured driver on the shared data dir; its tasks are
// destroyed when the test ends.
func newDriver(t *testing.T) *Driver {
	t.Helper()
	d := New(testDriverConfig(nil))
	if err := d.SetConfig(testCtx(t), pluginConfigJSON(sharedDataDir, nil)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), bound)
		defer cancel()
		for _, tk := range d.tasks.All() {
			_ = d.DestroyTask(c, tk.cfg.ID, true)
		}
	})
	return d
}

// newTaskConfig is a task config with a fresh task dir and log files.
func newTaskConfig(t *testing.T, name string) *plugin.TaskConfig {
	t.Helper()
	return taskConfigIn(t, t.TempDir(), fmt.Sprintf("%s/%s", strings.ReplaceAll(t.Name(), "/", "-"), name), name)
}

// benchTaskConfig is the task config of a benchmark's i-th task.
func benchTaskConfig(b *testing.B, i int) *plugin.TaskConfig {
	b.Helper()
	return taskConfigIn(b, b.TempDir(), fmt.Sprintf("%s/%d", b.Name(), i), "bench")
}

func taskConfigIn(t testing.TB, dir, id, name string) *plugin.TaskConfig {
	t.Helper()
	for _, d := range []string{"local", "secrets", "tmp", "alloc", "logs"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return &plugin.TaskConfig{
		ID:        id,
		Name:      name,
		AllocID:   "alloc-" + name,
		Env:       map[string]string{"NOMAD_TASK_NAME": name},
		Resources: plugin.Resources{CPUMHz: 100, MemoryMB: 64},
		TaskDir: plugin.TaskDir{
			Dir: dir, LocalDir: filepath.Join(dir, "local"), SecretsDir: filepath.Join(dir, "secrets"),
			TmpDir: filepath.Join(dir, "tmp"), SharedAllocDir: filepath.Join(dir, "alloc"), LogDir: filepath.Join(dir, "logs"),
		},
		StdoutPath: filepath.Join(dir, "logs", name+".stdout.0"),
		StderrPath: filepath.Join(dir, "logs", name+".stderr.0"),
	}
}

// run starts cfg, waits for it to exit and returns the exit and stdout.
func run(t *testing.T, d *Driver, cfg *plugin.TaskConfig) (*plugin.ExitResult, string) {
	t.Helper()
	if _, err := d.StartTask(testCtx(t), cfg); err != nil {
		t.Fatalf("StartTask: %v", err)
	}
	r, err := d.WaitTask(testCtx(t), cfg.ID)
	if err != nil {
		t.Fatalf("WaitTask: %v", err)
	}
	out, _ := os.ReadFile(cfg.StdoutPath)
	return r, string(out)
}

func TestPullByDigest(t *testing.T) {
	needContainers(t)
	d := newDriver(t)
	cfg := newTaskConfig(t, "digest")
	taskbin(t, cfg, map[string]any{"image": registryAddr + "/test/taskbin@" + testImageDigest}, "stdout", "by digest")
	r, out := run(t, d, cfg)
	if !r.Successful() || out != "by digest\n" {
		t.Fatalf("exit %+v, stdout %q; want success printing \"by digest\"", r, out)
	}
	st, err := d.InspectTask(testCtx(t), cfg.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.DriverAttributes["image_id"] != testImageDigest {
		t.Fatalf("image_id = %q, want %q", st.DriverAttributes["image_id"], testImageDigest)
	}
}

func TestBadImageIsRecoverable(t *testing.T) {
	needContainers(t)
	d := newDriver(t)
	for _, tc := range []struct{ name, image, want string }{
		{"missing", registryAddr + "/test/no-such-image:v1", "test/no-such-image"},
		{"unreachable", "127.0.0.1:1/test/taskbin:v1", "127.0.0.1:1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := newTaskConfig(t, tc.name)
			taskbin(t, cfg, map[string]any{"image": tc.image}, "wait")
			_, err := d.StartTask(testCtx(t), cfg)
			if err == nil {
				t.Fatal("StartTask of a bad image succeeded")
			}
			t.Log(err)
			if !plugin.IsRecoverable(err) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("StartTask = %v (recoverable %v); want a recoverable error naming %q", err, plugin.IsRecoverable(err), tc.want)
			}
			if _, err := d.InspectTask(testCtx(t), cfg.ID); !errors.Is(err, plugin.ErrTaskNotFound) {
				t.Fatalf("a failed start left a task behind: %v", err)
			}
		})
	}
}

// A registry that takes the connection and never answers fails the start
// within the task's image_pull_timeout, or the plugin's
// pull_activity_timeout when that is shorter, and each error names the
// setting that ended the wait.
func TestPullTimeoutsAreRecoverable(t *testing.T) {
	needContainers(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	held := make(chan net.Conn, 64)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held <- c
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		for {
			select {
			case c := <-held:
				c.Close()
			default:
				return
			}
		}
	})
	silent := ln.Addr().String() + "/test/taskbin:v1"

	d := newDriver(t)
	cfg := newTaskConfig(t, "deadline")
	taskbin(t, cfg, map[string]any{"image": silent, "image_pull_timeout": "300ms"}, "wait")
	_, err = d.StartTask(testCtx(t), cfg)
	if !plugin.IsRecoverable(err) || !strings.Contains(err.Error(), "within 300ms, the task's image_pull_timeout") || !strings.Contains(err.Error(), silent) {
		t.Fatalf("StartTask = %v; want a recoverable error naming the image and image_pull_timeout", err)
	}

	idle := New(testDriverConfig(nil))
	if err := idle.SetConfig(testCtx(t), pluginConfigJSON(sharedDataDir, map[string]any{"pull_activity_timeout": "300ms"})); err != nil {
		t.Fatal(err)
	}
	cfg = newTaskConfig(t, "stalled")
	taskbin(t, cfg, map[string]any{"image": silent}, "wait")
	_, err = idle.StartTask(testCtx(t), cfg)
	if !plugin.IsRecoverable(err) || !strings.Contains(err.Error(), "sent nothing for 300ms") || !strings.Contains(err.Error(), "pull_activity_timeout") {
		t.Fatalf("StartTask = %v; want a recoverable error naming pull_activity_timeout", err)
	}
}

func TestConfigErrorsAreFatal(t *testing.T) {
	needContainers(t)
	d := newDriver(t)
	for _, tc := range []struct {
		name  string
		extra map[string]any
		want  string
	}{
		{"privileged", map[string]any{"privileged": true}, "allow_privileged"},
		{"rootfs outside", map[string]any{"image": nil, "rootfs": "../.."}, "outside the task directory"},
		{"unknown key", map[string]any{"imagee": "x"}, "the options are"},
		{"cap not allowed", map[string]any{"cap_add": []string{"SYS_ADMIN"}}, "SYS_ADMIN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := newTaskConfig(t, strings.ReplaceAll(tc.name, " ", "-"))
			taskbin(t, cfg, tc.extra, "wait")
			_, err := d.StartTask(testCtx(t), cfg)
			t.Log(err)
			if err == nil || plugin.IsRecoverable(err) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("StartTask = %v; want a fatal error saying %q", err, tc.want)
			}
		})
	}
}

// TestIsolation: the container sees only its own processes, its own
// /secrets, and not another task's secrets directory on the host.
func TestIsolation(t *testing.T) {
	needContainers(t)
	d := newDriver(t)

	other := newTaskConfig(t, "other")
	if err := os.WriteFile(filepath.Join(other.TaskDir.SecretsDir, "other-secret"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	taskbin(t, other, nil, "wait")
	if _, err := d.StartTask(testCtx(t), other); err != nil {
		t.Fatal(err)
	}

	ps := newTaskConfig(t, "ps")
	taskbin(t, ps, nil, "ps")
	r, out := run(t, d, ps)
	if !r.Successful() || strings.Fields(out)[0] != "1" || len(strings.Fields(out)) != 1 {
		t.Fatalf("ps in a container = %+v, %q; want only pid 1", r, out)
	}

	own := newTaskConfig(t, "own")
	if err := os.WriteFile(filepath.Join(own.TaskDir.SecretsDir, "own-secret"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	taskbin(t, own, nil, "ls", "/secrets")
	if r, out := run(t, d, own); !r.Successful() || strings.TrimSpace(out) != "own-secret" {
		t.Fatalf("ls /secrets = %+v, %q; want only own-secret", r, out)
	}

	peek := newTaskConfig(t, "peek")
	taskbin(t, peek, nil, "ls", other.TaskDir.SecretsDir)
	if r, out := run(t, d, peek); r.Successful() || strings.Contains(out, "other-secret") {
		t.Fatalf("ls of another task's secrets dir %s = %+v, %q; want a failure", other.TaskDir.SecretsDir, r, out)
	}
}

func TestOOMKillIsAnEvent(t *testing.T) {
	needContainers(t)
	d := newDriver(t)
	events, err := d.TaskEvents(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg := newTaskConfig(t, "oom")
	cfg.Resources.MemoryMB = 16
	taskbin(t, cfg, nil, "alloc", "64")
	r, _ := run(t, d, cfg)
	if !r.OOMKilled {
		t.Fatalf("exit = %+v, want OOM killed", r)
	}
	for {
		select {
		case e := <-events:
			if e.TaskID == cfg.ID && strings.Contains(e.Message, "OOM killed") && e.Annotations["oom_killed"] == "true" {
				return
			}
		case <-time.After(bound):
			t.Fatal("no OOM task event")
		}
	}
}

// TestWritableLayer runs a container on an overlay and on the copy
// fallback; both see the image, and the image's root is left as it was.
func TestWritableLayer(t *testing.T) {
	needContainers(t)
	for _, copyRootfs := range []bool{false, true} {
		t.Run(fmt.Sprintf("copy=%v", copyRootfs), func(t *testing.T) {
			d := newDriver(t)
			d.setCopyRootfs(copyRootfs)
			cfg := newTaskConfig(t, "layer")
			taskbin(t, cfg, nil, "ls", "/bin")
			r, out := run(t, d, cfg)
			if !r.Successful() || strings.Join(strings.Fields(out), ",") != "cat,taskbin" {
				t.Fatalf("ls /bin = %+v, %q; want cat and taskbin", r, out)
			}
			st, err := d.InspectTask(testCtx(t), cfg.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := map[bool]string{false: "overlay", true: "copy"}[copyRootfs]
			if got := st.DriverAttributes["writable_layer"]; got != want {
				t.Fatalf("writable_layer = %q, want %q", got, want)
			}
			_, store, _ := d.configured()
			img, err := store.Get(testImageDigest)
			if err != nil {
				t.Fatal(err)
			}
			if err := d.DestroyTask(testCtx(t), cfg.ID, false); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(sharedDataDir, "bundles", containerID(cfg.ID))); !os.IsNotExist(err) {
				t.Fatalf("bundle left after DestroyTask: %v", err)
			}
			names := dirNames(t, filepath.Join(img.RootFS, "bin"))
			if names != "cat,taskbin" {
				t.Fatalf("image root /bin = %s after the task; want it untouched", names)
			}
		})
	}
}

func dirNames(t *testing.T, dir string) string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var n []string
	for _, e := range es {
		n = append(n, e.Name())
	}
	sort.Strings(n)
	return strings.Join(n, ",")
}

// TestLocalSources runs the test image from an OCI layout and from an
// unpacked root file system in the task directory.
func TestLocalSources(t *testing.T) {
	needContainers(t)
	d := newDriver(t)

	cfg := newTaskConfig(t, "layout")
	lp, err := layout.Write(filepath.Join(cfg.TaskDir.LocalDir, "img"), empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(testImg); err != nil {
		t.Fatal(err)
	}
	taskbin(t, cfg, map[string]any{"image": "oci-layout:local/img"}, "stdout", "from layout")
	if r, out := run(t, d, cfg); !r.Successful() || out != "from layout\n" {
		t.Fatalf("layout task = %+v, %q", r, out)
	}

	cfg = newTaskConfig(t, "rootfs")
	_, store, _ := d.configured()
	img, err := store.Get(testImageDigest)
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(cfg.TaskDir.LocalDir, "rootfs")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := copyTree(img.RootFS, root); err != nil {
		t.Fatal(err)
	}
	taskbin(t, cfg, map[string]any{"image": nil, "rootfs": "local/rootfs", "entrypoint": []string{"/bin/taskbin"}}, "printenv", "FROM_IMAGE")
	if r, out := run(t, d, cfg); !r.Successful() || out != "\n" {
		t.Fatalf("rootfs task = %+v, %q; want success without the image's environment", r, out)
	}
}

func TestFingerprint(t *testing.T) {
	for _, tc := range []struct {
		runtime string
		health  plugin.Health
		want    string
	}{
		{"no-such-runtime", plugin.HealthUnhealthy, "no-such-runtime"},
		{"runc", plugin.HealthHealthy, "healthy"},
	} {
		t.Run(tc.runtime, func(t *testing.T) {
			if tc.health == plugin.HealthHealthy {
				needContainers(t)
			}
			d := New(Config{})
			if err := d.SetConfig(testCtx(t), pluginConfigJSON(t.TempDir(), map[string]any{"runtime": tc.runtime})); err != nil {
				t.Fatal(err)
			}
			ch, err := d.Fingerprint(testCtx(t))
			if err != nil {
				t.Fatal(err)
			}
			fp := <-ch
			if fp.Health != tc.health || !strings.Contains(fp.HealthDescription, tc.want) {
				t.Fatalf("fingerprint = %v %q, want %v saying %q", fp.Health, fp.HealthDescription, tc.health, tc.want)
			}
			if tc.health == plugin.HealthHealthy && (fp.Attributes["driver.oci.runtime"] != "runc" || fp.Attributes["driver.oci.runtime.version"] == "") {
				t.Fatalf("attributes = %v, want driver.oci.runtime and its version", fp.Attributes)
			}
		})
	}
}

// TestRecoverReacquiresImage: a driver that recovers a task from another
// one's handle holds the task's image, so GC keeps it while the task
// lives and removes it once the task is destroyed and the delay is past.
func TestRecoverReacquiresImage(t *testing.T) {
	needContainers(t)
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	dir := t.TempDir()
	conf := pluginConfigJSON(dir, map[string]any{"image_gc_delay": "1m"})
	newAt := func() *Driver {
		c := testDriverConfig(nil)
		c.Now = clock
		d := New(c)
		if err := d.SetConfig(testCtx(t), conf); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d1 := newAt()
	cfg := newTaskConfig(t, "recover")
	taskbin(t, cfg, nil, "wait")
	h, err := d1.StartTask(testCtx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	d2 := newAt()
	t.Cleanup(func() { _ = d2.DestroyTask(context.Background(), cfg.ID, true) })
	if err := d2.RecoverTask(testCtx(t), h); err != nil {
		t.Fatalf("RecoverTask: %v", err)
	}
	if st, err := d2.InspectTask(testCtx(t), cfg.ID); err != nil || st.State != plugin.TaskStateRunning {
		t.Fatalf("recovered task = %+v, %v; want running", st, err)
	}
	_, store, _ := d2.configured()
	now = now.Add(time.Hour)
	if removed, err := store.GC(); err != nil || len(removed) != 0 {
		t.Fatalf("GC while the recovered task runs removed %v (%v); want nothing", removed, err)
	}
	if err := d2.StopTask(testCtx(t), cfg.ID, 5*time.Second, "SIGTERM"); err != nil {
		t.Fatal(err)
	}
	if err := d2.DestroyTask(testCtx(t), cfg.ID, false); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	if removed, err := store.GC(); err != nil || len(removed) != 1 {
		t.Fatalf("GC after the task was destroyed removed %v (%v); want the image", removed, err)
	}
}

// TestCrun runs a task with the task config's runtime = "crun", where the
// host lets crun run containers.
func TestCrun(t *testing.T) {
	needContainers(t)
	if h := ociruntime.Check(testCtx(t), ociruntime.RuntimeCrun); !h.Healthy {
		t.Skipf("crun cannot run containers here: %s", h.Description())
	}
	d := newDriver(t)
	cfg := newTaskConfig(t, "crun")
	taskbin(t, cfg, map[string]any{"runtime": "crun"}, "stdout", "from crun")
	r, out := run(t, d, cfg)
	if !r.Successful() || out != "from crun\n" {
		t.Fatalf("crun task = %+v, %q", r, out)
	}
	if st, _ := d.InspectTask(testCtx(t), cfg.ID); st.DriverAttributes["runtime"] != "crun" {
		t.Fatalf("runtime attribute = %q, want crun", st.DriverAttributes["runtime"])
	}
}
