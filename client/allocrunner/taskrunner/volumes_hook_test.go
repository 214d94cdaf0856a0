package taskrunner

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestResolveMounts(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	writeFile(t, file, "x")
	hostVolumes := map[string]*structs.ClientHostVolumeConfig{
		"data":    {Name: "data", Path: dir},
		"certs":   {Name: "certs", Path: dir + "/", ReadOnly: true},
		"gone":    {Name: "gone", Path: filepath.Join(dir, "missing")},
		"file":    {Name: "file", Path: file},
		"relpath": {Name: "relpath", Path: "srv/data"},
	}
	group := func(vols ...*structs.VolumeRequest) *structs.TaskGroup {
		g := &structs.TaskGroup{Name: "g", Volumes: map[string]*structs.VolumeRequest{}}
		for _, v := range vols {
			g.Volumes[v.Name] = v
		}
		return g
	}
	task := func(ms ...*structs.VolumeMount) *structs.Task {
		return &structs.Task{Name: "web", VolumeMounts: ms}
	}
	host := func(name, source string, ro bool) *structs.VolumeRequest {
		return &structs.VolumeRequest{Name: name, Type: structs.VolumeTypeHost, Source: source, ReadOnly: ro}
	}

	cases := []struct {
		name        string
		group       *structs.TaskGroup
		task        *structs.Task
		want        []plugin.MountConfig
		err         string // "" = no error
		recoverable bool
	}{
		{name: "no mounts", group: group(), task: task()},
		{
			name:  "writable",
			group: group(host("v", "data", false)),
			task:  task(&structs.VolumeMount{Volume: "v", Destination: "/data/"}),
			want:  []plugin.MountConfig{{TaskPath: "/data", HostPath: dir}},
		},
		{
			name:  "read-only on the group's volume",
			group: group(host("v", "data", true)),
			task:  task(&structs.VolumeMount{Volume: "v", Destination: "/data"}),
			want:  []plugin.MountConfig{{TaskPath: "/data", HostPath: dir, Readonly: true}},
		},
		{
			name:  "read-only on the mount",
			group: group(host("v", "data", false)),
			task:  task(&structs.VolumeMount{Volume: "v", Destination: "/data", ReadOnly: true}),
			want:  []plugin.MountConfig{{TaskPath: "/data", HostPath: dir, Readonly: true}},
		},
		{
			name:  "read-only on the client wins over writable requests",
			group: group(host("v", "certs", false)),
			task:  task(&structs.VolumeMount{Volume: "v", Destination: "/etc/ssl/certs"}),
			want:  []plugin.MountConfig{{TaskPath: "/etc/ssl/certs", HostPath: dir, Readonly: true}},
		},
		{
			name:  "one volume at two places",
			group: group(host("v", "data", false)),
			task: task(&structs.VolumeMount{Volume: "v", Destination: "/a"},
				&structs.VolumeMount{Volume: "v", Destination: "/b", ReadOnly: true}),
			want: []plugin.MountConfig{{TaskPath: "/a", HostPath: dir}, {TaskPath: "/b", HostPath: dir, Readonly: true}},
		},
		{
			name:  "csi",
			group: group(&structs.VolumeRequest{Name: "v", Type: structs.VolumeTypeCSI, Source: "ebs"}),
			task:  task(&structs.VolumeMount{Volume: "v", Destination: "/data"}),
			err:   `task "web" volume_mount 0 (volume "v"): volume type "csi" is not supported on this client; only "host" volumes are`,
		},
		{
			name:  "missing host volume",
			group: group(host("v", "db", false)),
			task:  task(&structs.VolumeMount{Volume: "v", Destination: "/data"}),
			err:   `this client has no host_volume "db" (the group's volume source); client host volumes: "certs", "data", "file", "gone", "relpath"`,
		},
		{
			name:  "no such group volume",
			group: group(host("v", "data", false)),
			task:  task(&structs.VolumeMount{Volume: "w", Destination: "/data"}),
			err:   `the group has no volume "w"; declared: "v"`,
		},
		{
			name:  "relative destination",
			group: group(host("v", "data", false)),
			task:  task(&structs.VolumeMount{Volume: "v", Destination: "data"}),
			err:   `destination "data" is not an absolute path`,
		},
		{
			name:  "dot-dot destination",
			group: group(host("v", "data", false)),
			task:  task(&structs.VolumeMount{Volume: "v", Destination: "/data/../../etc"}),
			err:   `destination "/data/../../etc" contains ".."`,
		},
		{
			name:  "root destination",
			group: group(host("v", "data", false)),
			task:  task(&structs.VolumeMount{Volume: "v", Destination: "//"}),
			err:   `is the task's root`,
		},
		{
			name:  "duplicate destination",
			group: group(host("v", "data", false)),
			task: task(&structs.VolumeMount{Volume: "v", Destination: "/data"},
				&structs.VolumeMount{Volume: "v", Destination: "/data/."}),
			err: `volume_mount 1 (volume "v"): destination "/data" is already the destination of volume_mount 0`,
		},
		{
			name:  "relative client path",
			group: group(host("v", "relpath", false)),
			task:  task(&structs.VolumeMount{Volume: "v", Destination: "/data"}),
			err:   `client host_volume "relpath" has path "srv/data", which is not absolute`,
		},
		{
			name:        "client path missing is retried",
			group:       group(host("v", "gone", false)),
			task:        task(&structs.VolumeMount{Volume: "v", Destination: "/data"}),
			err:         `client host_volume "gone": stat ` + filepath.Join(dir, "missing"),
			recoverable: true,
		},
		{
			name:        "client path a file",
			group:       group(host("v", "file", false)),
			task:        task(&structs.VolumeMount{Volume: "v", Destination: "/data"}),
			err:         `is not a directory`,
			recoverable: true,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := resolveMounts(c.task, c.group, hostVolumes)
			if c.err == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if !reflect.DeepEqual(got, c.want) {
					t.Fatalf("mounts = %+v, want %+v", got, c.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("error %v, want it to contain %q", err, c.err)
			}
			if plugin.IsRecoverable(err) != c.recoverable {
				t.Fatalf("recoverable = %v, want %v", plugin.IsRecoverable(err), c.recoverable)
			}
			if setupEventType(err) != EventSetupFailure {
				t.Fatalf("event type %q", setupEventType(err))
			}
		})
	}
}

// recordingDriver remembers the configs StartTask was given.
type recordingDriver struct {
	plugin.DriverPlugin
	mu      sync.Mutex
	configs []*plugin.TaskConfig
}

func (d *recordingDriver) StartTask(ctx context.Context, cfg *plugin.TaskConfig) (*plugin.TaskHandle, error) {
	d.mu.Lock()
	d.configs = append(d.configs, cfg)
	d.mu.Unlock()
	return d.DriverPlugin.StartTask(ctx, cfg)
}

func (d *recordingDriver) started() []*plugin.TaskConfig {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]*plugin.TaskConfig(nil), d.configs...)
}

// volumeEnv is a batch task mounting the group's volume "v" (source
// "data") at /data read-only, and a recording driver.
func volumeEnv(t *testing.T) (*testEnv, *structs.Task, *recordingDriver) {
	t.Helper()
	task := mockTask("work", map[string]interface{}{"run_for": "0s"})
	task.VolumeMounts = []*structs.VolumeMount{{Volume: "v", Destination: "/data", ReadOnly: true}}
	env := newTestEnv(t, structs.JobTypeBatch, task)
	env.alloc.Job.TaskGroups[0].Volumes = map[string]*structs.VolumeRequest{
		"v": {Name: "v", Type: structs.VolumeTypeHost, Source: "data"},
	}
	rec := &recordingDriver{DriverPlugin: env.mock}
	env.drivers = driversWith("mock", rec)
	return env, task, rec
}

func TestVolumeMountsReachTheDriver(t *testing.T) {
	env, task, rec := volumeEnv(t)
	hostDir := t.TempDir()
	cfg := env.config(task)
	cfg.Node = &structs.Node{ID: "n1", HostVolumes: map[string]*structs.ClientHostVolumeConfig{
		"data": {Name: "data", Path: hostDir},
	}}
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tr.Run()
	if st := tr.TaskState(); st.State != structs.TaskStateDead || st.Failed {
		t.Fatalf("state %+v events %q", st, eventTypes(st))
	}
	started := rec.started()
	if len(started) != 1 {
		t.Fatalf("StartTask called %d times", len(started))
	}
	want := []plugin.MountConfig{{TaskPath: "/data", HostPath: hostDir, Readonly: true}}
	if !reflect.DeepEqual(started[0].Mounts, want) {
		t.Fatalf("driver got mounts %+v, want %+v", started[0].Mounts, want)
	}
}

func TestMissingHostVolumeFailsTask(t *testing.T) {
	env, task, rec := volumeEnv(t)
	cfg := env.config(task)
	cfg.Node = &structs.Node{ID: "n1", HostVolumes: map[string]*structs.ClientHostVolumeConfig{}}
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tr.Run()
	st := tr.TaskState()
	if st.State != structs.TaskStateDead || !st.Failed {
		t.Fatalf("state %+v, want dead and failed", st)
	}
	var ev *structs.TaskEvent
	for _, e := range st.Events {
		if e.Type == EventSetupFailure {
			ev = e
		}
	}
	if ev == nil || !ev.FailsTask || !strings.Contains(ev.DisplayMessage, `this client has no host_volume "data"`) {
		t.Fatalf("events %+v, want a setup failure naming the missing host volume", st.Events)
	}
	if n := len(rec.started()); n != 0 {
		t.Fatalf("StartTask called %d times for a task whose volume is missing", n)
	}
}

// TestVolumesHookRestoring: a recovered task keeps the mounts in its handle,
// so a host volume removed from the client config since does not fail it.
func TestVolumesHookRestoring(t *testing.T) {
	env, task, _ := volumeEnv(t)
	h := newVolumesHook(&structs.Node{ID: "n1"})
	s := env.setup(task)
	if err := h.Prestart(context.Background(), &PrestartRequest{Setup: s, Restoring: true}); err != nil || s.Mounts != nil {
		t.Fatalf("restoring: %v, mounts %+v; want nothing done", err, s.Mounts)
	}
	if err := h.Prestart(context.Background(), &PrestartRequest{Setup: s}); err == nil {
		t.Fatal("a fresh start without the host volume was accepted")
	}
}
