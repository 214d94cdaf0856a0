package hoststats

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// mount is one line of /proc/self/mounts.
type mount struct {
	device, mountpoint, fstype string
	pseudo                     bool // no device behind it: proc, tmpfs, cgroup, overlay, ...
}

// fallbackPseudo are the file system types taken as having no device
// when /proc/filesystems cannot be read.
var fallbackPseudo = map[string]bool{
	"autofs": true, "binfmt_misc": true, "bpf": true, "cgroup": true, "cgroup2": true,
	"configfs": true, "debugfs": true, "devpts": true, "devtmpfs": true, "efivarfs": true,
	"fusectl": true, "hugetlbfs": true, "mqueue": true, "nsfs": true, "overlay": true,
	"proc": true, "pstore": true, "ramfs": true, "rpc_pipefs": true, "securityfs": true,
	"sysfs": true, "tmpfs": true, "tracefs": true, "fuse": true,
}

// mounts reads /proc/self/mounts, marking the file systems that
// /proc/filesystems lists as "nodev" (or, without it, fallbackPseudo) as
// pseudo. A mount point mounted over again keeps only its last line.
func (c *Collector) mounts() ([]mount, error) {
	nodev := fallbackPseudo
	if b, err := c.readFile("filesystems"); err == nil {
		nodev = parseFilesystems(b)
	}
	b, err := c.readFile(filepath.Join("self", "mounts"))
	if err != nil {
		return nil, err
	}
	ms, err := parseMounts(b, nodev)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.path(filepath.Join("self", "mounts")), err)
	}
	return ms, nil
}

// parseFilesystems reads /proc/filesystems ("nodev\tsysfs", "\text4")
// into the set of types with no device.
func parseFilesystems(b []byte) map[string]bool {
	nodev := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "nodev" {
			nodev[f[1]] = true
		}
	}
	return nodev
}

func parseMounts(b []byte, nodev map[string]bool) ([]mount, error) {
	var out []mount
	at := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), maxProcFileSize)
	for line := 1; sc.Scan(); line++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) < 3 {
			return nil, fmt.Errorf("line %d: want device, mount point and type, got %q", line, sc.Text())
		}
		m := mount{device: UnescapeMount(f[0]), mountpoint: UnescapeMount(f[1]), fstype: f[2]}
		base, _, _ := strings.Cut(m.fstype, ".") // fuse.sshfs is a fuse
		m.pseudo = nodev[m.fstype] || nodev[base] || m.device == "none" || m.device == ""
		if i, ok := at[m.mountpoint]; ok {
			out[i] = m
			continue
		}
		at[m.mountpoint] = len(out)
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// UnescapeMount undoes the kernel's octal escapes (\040 for a space) in a
// field of /proc/self/mounts or /proc/self/mountinfo.
func UnescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// diskStats measures the real file systems; one statfs refuses is left
// out.
func (c *Collector) diskStats(mounts []mount) []*HostDiskStats {
	var out []*HostDiskStats
	for _, m := range mounts {
		if m.pseudo {
			continue
		}
		u, err := c.statfs(m.mountpoint)
		if err != nil {
			continue
		}
		out = append(out, usage(m.device, m.mountpoint, u))
	}
	return out
}

// allocDirStats measures the file system holding the allocation
// directory, or its nearest existing parent.
func (c *Collector) allocDirStats(mounts []mount) (*HostDiskStats, error) {
	dir, err := filepath.Abs(c.allocDir)
	if err != nil {
		return nil, fmt.Errorf("alloc dir %s: %w", c.allocDir, err)
	}
	for {
		if _, err := os.Stat(dir); err == nil || !errors.Is(err, os.ErrNotExist) {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	u, err := c.statfs(dir)
	if err != nil {
		return nil, fmt.Errorf("alloc dir %s: %w", c.allocDir, err)
	}
	device, mountpoint := "", dir
	best := -1
	for _, m := range mounts {
		if under(dir, m.mountpoint) && len(m.mountpoint) > best {
			device, mountpoint, best = m.device, m.mountpoint, len(m.mountpoint)
		}
	}
	return usage(device, mountpoint, u), nil
}

// under reports whether path is mountpoint or inside it.
func under(path, mountpoint string) bool {
	if mountpoint == "/" || path == mountpoint {
		return true
	}
	return strings.HasPrefix(path, mountpoint+"/")
}

func usage(device, mountpoint string, u FSUsage) *HostDiskStats {
	d := &HostDiskStats{Device: device, Mountpoint: mountpoint}
	if u.Bfree > u.Blocks {
		u.Bfree = u.Blocks
	}
	if u.Bavail > u.Bfree {
		u.Bavail = u.Bfree // a negative count (FreeBSD) converted to uint64
	}
	d.Size = u.Blocks * u.BlockSize
	d.Used = (u.Blocks - u.Bfree) * u.BlockSize
	d.Available = u.Bavail * u.BlockSize
	if d.Used+d.Available > 0 {
		d.UsedPercent = 100 * float64(d.Used) / float64(d.Used+d.Available)
	}
	if u.Files > 0 && u.Ffree <= u.Files {
		d.InodesUsedPercent = 100 * float64(u.Files-u.Ffree) / float64(u.Files)
	}
	return d
}
