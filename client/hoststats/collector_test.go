package hoststats

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

var fixedNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// procFixture copies testdata/proc into a temp dir, then writes files
// over it ("" removes one).
func procFixture(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	src := filepath.Join("testdata", "proc")
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(root, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(root, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	for rel, data := range files {
		writeProc(t, root, rel, data)
	}
	return root
}

func writeProc(t *testing.T, root, rel, data string) {
	t.Helper()
	p := filepath.Join(root, rel)
	if data == "" {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fakeStatfs answers for the paths it knows and refuses the others.
type fakeStatfs map[string]FSUsage

func (f fakeStatfs) statfs(path string) (FSUsage, error) {
	if u, ok := f[path]; ok {
		return u, nil
	}
	return FSUsage{}, errors.New("statfs " + path + ": permission denied")
}

// TestCollect: a snapshot of the fixture host, then a second one whose
// CPU percentages are the difference with the first.
func TestCollect(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	root := procFixture(t, nil)
	mounts := readTestdata(t, "proc/self/mounts") + "/dev/nvme0n1p1 " + data + " ext4 rw 0 0\n"
	writeProc(t, root, "self/mounts", mounts)

	fs := fakeStatfs{
		"/":            {BlockSize: 4096, Blocks: 1000, Bfree: 250, Bavail: 250, Files: 100, Ffree: 25},
		"/srv/My Data": {BlockSize: 512, Blocks: 2000, Bfree: 1000, Bavail: 1000},
		data:           {BlockSize: 1024, Blocks: 100, Bfree: 10, Bavail: 10, Files: 10, Ffree: 1},
		// /boot/efi refuses: it is left out.
	}
	c := NewCollector(Config{
		ProcRoot:        root,
		AllocDir:        filepath.Join(data, "alloc"), // not made yet: its parent is measured
		TotalComputeMHz: 4000,
		Now:             func() time.Time { return fixedNow },
		Statfs:          fs.statfs,
	})

	hs, err := c.Collect()
	if err != nil {
		t.Fatal(err)
	}
	wantMem := &HostMemoryStats{Total: 16384000 * 1024, Available: 8192000 * 1024, Used: 8192000 * 1024, Free: 2048000 * 1024}
	if !reflect.DeepEqual(hs.Memory, wantMem) {
		t.Errorf("memory = %+v, want %+v", hs.Memory, wantMem)
	}
	if hs.Uptime != 35502 || hs.Timestamp != fixedNow.UnixNano() {
		t.Errorf("uptime, timestamp = %d, %d", hs.Uptime, hs.Timestamp)
	}
	// The first snapshot compares with boot.
	wantCPU := []*HostCPUStats{
		{CPU: "cpu0", User: 16, System: 6, Idle: 77.5, Total: 22.5},
		{CPU: "cpu1", User: 16, System: 6, Idle: 77.5, Total: 22.5},
	}
	checkCPU(t, "first", hs.CPU, wantCPU)
	checkFloat(t, "first CPUTicksConsumed", hs.CPUTicksConsumed, 900)

	wantDisks := []*HostDiskStats{
		{Device: "/dev/sda2", Mountpoint: "/", Size: 4096000, Used: 3072000, Available: 1024000, UsedPercent: 75, InodesUsedPercent: 75},
		{Device: "/dev/sdb1", Mountpoint: "/srv/My Data", Size: 1024000, Used: 512000, Available: 512000, UsedPercent: 50},
		{Device: "/dev/nvme0n1p1", Mountpoint: data, Size: 102400, Used: 92160, Available: 10240, UsedPercent: 90, InodesUsedPercent: 90},
	}
	if !reflect.DeepEqual(hs.DiskStats, wantDisks) {
		t.Errorf("disks:\n%s\nwant:\n%s", dump(hs.DiskStats), dump(wantDisks))
	}
	if !reflect.DeepEqual(hs.AllocDirStats, wantDisks[2]) {
		t.Errorf("alloc dir = %+v, want %+v", hs.AllocDirStats, wantDisks[2])
	}
	if hs.NotMeasured != nil {
		t.Errorf("NotMeasured = %v", hs.NotMeasured)
	}

	writeProc(t, root, "stat", readTestdata(t, "stat2"))
	hs, err = c.Collect()
	if err != nil {
		t.Fatal(err)
	}
	checkCPU(t, "second", hs.CPU, []*HostCPUStats{
		{CPU: "cpu0", User: 60, System: 10, Idle: 25, Total: 75},
		{CPU: "cpu1", User: 30, System: 10, Idle: 55, Total: 45},
	})
	checkFloat(t, "second CPUTicksConsumed", hs.CPUTicksConsumed, 2400)

	// No change since: nothing to divide, all zeros.
	hs, err = c.Collect()
	if err != nil {
		t.Fatal(err)
	}
	checkCPU(t, "unchanged", hs.CPU, []*HostCPUStats{{CPU: "cpu0"}, {CPU: "cpu1"}})
}

func checkCPU(t *testing.T, what string, got, want []*HostCPUStats) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d cores, want %d: %s", what, len(got), len(want), dump(got))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.CPU != w.CPU {
			t.Errorf("%s: core %d is %q, want %q", what, i, g.CPU, w.CPU)
		}
		checkFloat(t, what+" "+w.CPU+" user", g.User, w.User)
		checkFloat(t, what+" "+w.CPU+" system", g.System, w.System)
		checkFloat(t, what+" "+w.CPU+" idle", g.Idle, w.Idle)
		checkFloat(t, what+" "+w.CPU+" total", g.Total, w.Total)
	}
}

func checkFloat(t *testing.T, what string, got, want float64) {
	t.Helper()
	if d := got - want; d > 1e-9 || d < -1e-9 {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func dump[T any](xs []*T) string {
	var b strings.Builder
	for _, x := range xs {
		fmt.Fprintf(&b, "%+v\n", *x)
	}
	return b.String()
}

// TestCollectErrors: what cannot be read or parsed is an error naming
// the file and what was wrong.
func TestCollectErrors(t *testing.T) {
	big := strings.Repeat("x", maxProcFileSize+1)
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  []string
		is    error
	}{
		{"missing meminfo", map[string]string{"meminfo": ""}, []string{"meminfo", "no such file"}, os.ErrNotExist},
		{"meminfo without MemTotal", map[string]string{"meminfo": "MemFree: 1 kB\n"}, []string{"meminfo", "no MemTotal line"}, nil},
		{"meminfo bad number", map[string]string{"meminfo": "MemTotal: lots kB\nMemFree: 1 kB\n"}, []string{"meminfo", "line 1: MemTotal", `"lots"`}, nil},
		{"stat too large", map[string]string{"stat": big}, []string{"stat", "larger than 1 MiB"}, ErrTooLarge},
		{"stat bad counter", map[string]string{"stat": "cpu0 1 2 x 4\n"}, []string{"stat", "line 1: cpu0: counter 3", `"x"`}, nil},
		{"stat short", map[string]string{"stat": "cpu0 1 2\n"}, []string{"stat", "want at least 4 counters"}, nil},
		{"stat without cores", map[string]string{"stat": "cpu 1 2 3 4\nctxt 5\n"}, []string{"stat", "no per-core"}, nil},
		{"uptime garbage", map[string]string{"uptime": "soon\n"}, []string{"uptime", `"soon"`}, nil},
		{"mounts missing", map[string]string{"self/mounts": ""}, []string{filepath.Join("self", "mounts")}, os.ErrNotExist},
		{"mounts short line", map[string]string{"self/mounts": "/dev/sda1 /\n"}, []string{"mounts", "line 1"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := procFixture(t, tc.files)
			c := NewCollector(Config{ProcRoot: root, Now: func() time.Time { return fixedNow }, Statfs: fakeStatfs{}.statfs})
			_, err := c.Collect()
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if !strings.Contains(err.Error(), root) {
				t.Errorf("error %q does not name the file under %s", err, root)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q is not %v", err, tc.is)
			}
		})
	}
}

// TestCollectAllocDirError: an alloc dir statfs refuses is an error
// naming it.
func TestCollectAllocDirError(t *testing.T) {
	dir := t.TempDir()
	c := NewCollector(Config{ProcRoot: procFixture(t, nil), AllocDir: dir, Statfs: fakeStatfs{}.statfs})
	if _, err := c.Collect(); err == nil || !strings.Contains(err.Error(), "alloc dir "+dir) {
		t.Fatalf("error = %v", err)
	}
}

// TestCollectConcurrent: snapshots taken at once do not race (run with
// -race) and each sees a consistent previous sample.
func TestCollectConcurrent(t *testing.T) {
	c := NewCollector(Config{ProcRoot: procFixture(t, nil), Statfs: fakeStatfs{}.statfs})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Collect(); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestCollectThisHost reads the real /proc: only that it parses, since
// the figures are the machine's.
func TestCollectThisHost(t *testing.T) {
	c := NewCollector(Config{AllocDir: t.TempDir()})
	hs, err := c.Collect()
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "linux" {
		if len(hs.NotMeasured) == 0 {
			t.Fatal("NotMeasured is empty off Linux")
		}
		return
	}
	if hs.Memory == nil || hs.Memory.Total == 0 || len(hs.CPU) == 0 || hs.Uptime == 0 || hs.AllocDirStats == nil || hs.AllocDirStats.Size == 0 {
		t.Fatalf("implausible snapshot: %+v", hs)
	}
}
