package hoststats

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// cpuTimes are one core's cumulative times from /proc/stat, in ticks
// (USER_HZ). Guest time is already counted in user and nice.
type cpuTimes struct {
	user, nice, system, idle, iowait, irq, softirq, steal uint64
}

func (t cpuTimes) total() uint64 {
	return t.user + t.nice + t.system + t.idle + t.iowait + t.irq + t.softirq + t.steal
}

// coreTimes is one "cpuN" line.
type coreTimes struct {
	name string
	cpuTimes
}

// parseStat reads the per-core lines of /proc/stat ("cpu0 4705 356 584
// 3699 23 23 0 0 0 0"); the aggregate "cpu" line and the other lines are
// skipped. At least the first four counters must be present (kernels
// before 2.6 have no more).
func parseStat(b []byte) ([]coreTimes, error) {
	var cores []coreTimes
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), maxProcFileSize)
	for line := 1; sc.Scan(); line++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || !strings.HasPrefix(f[0], "cpu") || f[0] == "cpu" {
			continue
		}
		if len(f) < 5 {
			return nil, fmt.Errorf("line %d: %s: want at least 4 counters (user nice system idle), got %d", line, f[0], len(f)-1)
		}
		var v [8]uint64
		for i := 0; i < len(v) && i+1 < len(f); i++ {
			n, err := strconv.ParseUint(f[i+1], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: %s: counter %d: want a number of ticks, got %q", line, f[0], i+1, f[i+1])
			}
			v[i] = n
		}
		cores = append(cores, coreTimes{name: f[0], cpuTimes: cpuTimes{
			user: v[0], nice: v[1], system: v[2], idle: v[3], iowait: v[4], irq: v[5], softirq: v[6], steal: v[7]}})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(cores) == 0 {
		return nil, fmt.Errorf("no per-core cpuN lines")
	}
	return cores, nil
}

// cpuPercentsLocked turns the cores' times into percentages of the time
// since the previous sample (since boot for a core not seen before, or
// whose counters went back, as after being taken offline) and keeps
// them as the new previous sample.
func (c *Collector) cpuPercentsLocked(cores []coreTimes) []*HostCPUStats {
	out := make([]*HostCPUStats, 0, len(cores))
	next := make(map[string]cpuTimes, len(cores))
	for _, core := range cores {
		next[core.name] = core.cpuTimes
		prev, ok := c.prev[core.name]
		if !ok || core.total() < prev.total() || core.idle+core.iowait < prev.idle+prev.iowait {
			prev = cpuTimes{}
		}
		out = append(out, percents(core.name, prev, core.cpuTimes))
	}
	c.prev = next
	return out
}

// percents is how the time between two samples of one core was spent.
func percents(name string, prev, cur cpuTimes) *HostCPUStats {
	s := &HostCPUStats{CPU: name}
	total := float64(cur.total() - prev.total())
	if total <= 0 {
		return s
	}
	pct := func(a, b uint64) float64 {
		if a < b {
			return 0 // one counter went back; count nothing for it
		}
		return 100 * float64(a-b) / total
	}
	s.User = pct(cur.user+cur.nice, prev.user+prev.nice)
	s.System = pct(cur.system+cur.irq+cur.softirq, prev.system+prev.irq+prev.softirq)
	s.Idle = pct(cur.idle+cur.iowait, prev.idle+prev.iowait)
	s.Total = 100 - s.Idle
	return s
}
