package fingerprint

import (
	"bufio"
	"errors"
	"fmt"
	"github.com/nomadish/nomadish/client/hoststats"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// DiskUsage is what statfs says about a file system.
type DiskUsage struct {
	TotalBytes uint64
	// FreeBytes is what an unprivileged process may still write.
	FreeBytes uint64
}

// Storage fingerprints the volume holding the data dir:
// unique.storage.volume (the mounted device, from /proc/self/mounts),
// unique.storage.bytestotal and unique.storage.bytesfree (statfs), and
// NodeResources.Disk.DiskMB, which is the free space: what allocations may
// still use.
type Storage struct {
	// Statfs measures a directory; nil means the operating system's statfs.
	Statfs func(path string) (DiskUsage, error)
}

// Fingerprint implements Fingerprinter.
func (s *Storage) Fingerprint(req *Request, resp *Response) error {
	if req.DataDir == "" {
		return errors.New("no data dir to measure")
	}
	dir, err := filepath.Abs(req.DataDir)
	if err != nil {
		return err
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	statfs := s.Statfs
	if statfs == nil {
		statfs = sysStatfs
	}
	u, err := statfs(dir)
	if err != nil {
		return fmt.Errorf("statfs %s: %w", dir, err)
	}
	if dev, err := mountDevice(req, dir); err == nil && dev != "" {
		resp.AddAttribute("unique.storage.volume", dev)
	}
	resp.AddAttribute("unique.storage.bytestotal", strconv.FormatUint(u.TotalBytes, 10))
	resp.AddAttribute("unique.storage.bytesfree", strconv.FormatUint(u.FreeBytes, 10))
	resp.Disk = &structs.NodeDiskResources{DiskMB: int64(u.FreeBytes / (1024 * 1024))}
	resp.Detected = true
	return nil
}

// mountDevice returns the device of the mount whose mount point is the
// longest prefix of dir, from /proc/self/mounts (or /proc/mounts).
func mountDevice(req *Request, dir string) (string, error) {
	f, err := os.Open(req.path("/proc/self/mounts"))
	if errors.Is(err, os.ErrNotExist) {
		f, err = os.Open(req.path("/proc/mounts"))
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	var dev string
	best := -1
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		mp := hoststats.UnescapeMount(fields[1])
		if !within(dir, mp) || len(mp) <= best {
			continue
		}
		dev, best = hoststats.UnescapeMount(fields[0]), len(mp)
	}
	return dev, sc.Err()
}

// within reports whether path is mount point mp or below it.
func within(path, mp string) bool {
	if mp == "/" {
		return strings.HasPrefix(path, "/")
	}
	return path == mp || strings.HasPrefix(path, mp+"/")
}
