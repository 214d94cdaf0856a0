package fingerprint

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func TestStorage_FakeStatfs(t *testing.T) {
	dataDir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// The mount table names the data dir's own mount, which must win over
	// the root file system.
	root := writeTree(t, map[string]string{
		"proc/self/mounts": "/dev/sda1 / ext4 rw 0 0\n/dev/sdb1 " + dataDir + " xfs rw 0 0\n/dev/sdc1 " + dataDir + "x xfs rw 0 0\n",
	})
	var asked string
	s := &Storage{Statfs: func(p string) (DiskUsage, error) {
		asked = p
		return DiskUsage{TotalBytes: 100 << 30, FreeBytes: 40 << 30}, nil
	}}
	resp, err := run(t, s, &Request{Root: root, DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	if asked != dataDir {
		t.Errorf("statfs asked for %q, want %q", asked, dataDir)
	}
	wantAttrs(t, resp, map[string]string{
		"unique.storage.volume":     "/dev/sdb1",
		"unique.storage.bytestotal": strconv.FormatInt(100<<30, 10),
		"unique.storage.bytesfree":  strconv.FormatInt(40<<30, 10),
	})
	if !resp.Detected || resp.Disk == nil || resp.Disk.DiskMB != 40<<10 {
		t.Fatalf("disk = %+v", resp.Disk)
	}
}

func TestStorage_EscapedMountPoint(t *testing.T) {
	resp, err := run(t, &Storage{Statfs: func(string) (DiskUsage, error) { return DiskUsage{TotalBytes: 1, FreeBytes: 1}, nil }},
		&Request{Root: x86Root, DataDir: "/var/lib/my data/nomadish"})
	if err != nil {
		t.Fatal(err)
	}
	wantAttrs(t, resp, map[string]string{"unique.storage.volume": "/dev/nvme1n1"})
}

func TestStorage_RealStatfs(t *testing.T) {
	resp, err := run(t, &Storage{}, &Request{Root: t.TempDir(), DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	total, _ := strconv.ParseUint(resp.Attributes["unique.storage.bytestotal"], 10, 64)
	if total == 0 {
		t.Errorf("bytestotal = %q", resp.Attributes["unique.storage.bytestotal"])
	}
	if _, ok := resp.Attributes["unique.storage.volume"]; ok {
		t.Error("volume set without a mount table")
	}
}

func TestStorage_Errors(t *testing.T) {
	if _, err := run(t, &Storage{}, &Request{}); err == nil {
		t.Error("want an error without a data dir")
	}
	boom := errors.New("boom")
	_, err := run(t, &Storage{Statfs: func(string) (DiskUsage, error) { return DiskUsage{}, boom }}, &Request{DataDir: os.TempDir()})
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want boom", err)
	}
}
