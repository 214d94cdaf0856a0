package hoststats

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"
)

// maxProcFileSize bounds what is read of one /proc file.
const maxProcFileSize = 1 << 20

// ErrTooLarge is wrapped by a read of a /proc file longer than the
// collector reads (1 MiB).
var ErrTooLarge = errors.New("file is larger than 1 MiB")

// FSUsage is what statfs reports of one file system: block counts in
// units of BlockSize, and inode counts.
type FSUsage struct {
	BlockSize uint64
	Blocks    uint64 // total
	Bfree     uint64 // free, including the blocks reserved for root
	Bavail    uint64 // free to unprivileged users
	Files     uint64 // inodes
	Ffree     uint64 // free inodes
}

// Config is what a Collector measures and how.
type Config struct {
	// ProcRoot is where proc is mounted; default "/proc". Setting it
	// also makes the collector read it on any operating system.
	ProcRoot string
	// AllocDir is the client's allocation directory; AllocDirStats
	// describes the file system holding it (or its nearest existing
	// parent, before the directory is made). Empty: not collected.
	AllocDir string
	// TotalComputeMHz is the machine's compute, for CPUTicksConsumed.
	TotalComputeMHz float64
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Statfs reports a file system's usage; default the statfs system
	// call (not measured where the system has none).
	Statfs func(path string) (FSUsage, error)
}

// Collector takes snapshots of the host. CPU percentages are the change
// since the previous Collect; the first Collect compares with boot, so it
// shows each core's averages since the machine started. It is safe for
// concurrent use: snapshots are taken one at a time.
type Collector struct {
	root     string
	readProc bool
	allocDir string
	mhz      float64
	now      func() time.Time
	statfs   func(path string) (FSUsage, error)

	mu   sync.Mutex // guards the fields below
	prev map[string]cpuTimes
}

// NewCollector returns a Collector for cfg.
func NewCollector(cfg Config) *Collector {
	c := &Collector{
		root:     cfg.ProcRoot,
		readProc: cfg.ProcRoot != "" || runtime.GOOS == "linux",
		allocDir: cfg.AllocDir,
		mhz:      cfg.TotalComputeMHz,
		now:      cfg.Now,
		statfs:   cfg.Statfs,
		prev:     map[string]cpuTimes{},
	}
	if c.root == "" {
		c.root = "/proc"
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.statfs == nil {
		c.statfs = statfs
	}
	return c
}

// Collect takes a snapshot. An error names the file that could not be
// read or parsed; a mount point statfs refuses (permissions, a stale
// network mount) is left out of DiskStats rather than failing the rest.
func (c *Collector) Collect() (*HostStats, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	hs := &HostStats{Timestamp: c.now().UnixNano()}
	var mounts []mount
	if c.readProc {
		if err := c.collectProcLocked(hs); err != nil {
			return nil, err
		}
		var err error
		if mounts, err = c.mounts(); err != nil {
			return nil, err
		}
		hs.DiskStats = c.diskStats(mounts)
	} else {
		hs.NotMeasured = []string{"Memory", "CPU", "DiskStats", "Uptime", "CPUTicksConsumed"}
	}
	if c.allocDir != "" {
		ds, err := c.allocDirStats(mounts)
		if errors.Is(err, errStatfsUnsupported) {
			hs.NotMeasured = append(hs.NotMeasured, "AllocDirStats")
		} else if err != nil {
			return nil, err
		}
		hs.AllocDirStats = ds
	}
	return hs, nil
}

// collectProcLocked fills in what /proc tells: memory, CPU and uptime.
func (c *Collector) collectProcLocked(hs *HostStats) error {
	b, err := c.readFile("meminfo")
	if err != nil {
		return err
	}
	if hs.Memory, err = parseMeminfo(b); err != nil {
		return fmt.Errorf("%s: %w", c.path("meminfo"), err)
	}
	if b, err = c.readFile("stat"); err != nil {
		return err
	}
	cores, err := parseStat(b)
	if err != nil {
		return fmt.Errorf("%s: %w", c.path("stat"), err)
	}
	hs.CPU = c.cpuPercentsLocked(cores)
	if len(hs.CPU) > 0 {
		perCore := c.mhz / float64(len(hs.CPU))
		for _, s := range hs.CPU {
			hs.CPUTicksConsumed += s.Total / 100 * perCore
		}
	}
	if b, err = c.readFile("uptime"); err != nil {
		return err
	}
	if hs.Uptime, err = parseUptime(b); err != nil {
		return fmt.Errorf("%s: %w", c.path("uptime"), err)
	}
	return nil
}

func (c *Collector) path(rel string) string { return filepath.Join(c.root, rel) }

// readFile reads a file under the proc root, at most maxProcFileSize.
func (c *Collector) readFile(rel string) ([]byte, error) {
	p := c.path(rel)
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxProcFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	if len(b) > maxProcFileSize {
		return nil, fmt.Errorf("read %s: %w", p, ErrTooLarge)
	}
	return b, nil
}
