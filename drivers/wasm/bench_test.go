package wasm

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// BenchmarkStart measures the time from StartTask to the module running,
// with a warm compile cache: the module's first act is to write "ready" to
// its stdout, a FIFO the benchmark reads. Reports the median and the 99th
// percentile in milliseconds.
func BenchmarkStart(b *testing.B) {
	d := newDriver(b, sharedCacheDir)
	warm := newTaskConfig(b, "warm")
	taskmod(b, warm, nil, "exit", "0")
	if _, err := d.StartTask(testCtx(b), warm); err != nil {
		b.Fatal(err)
	}
	if _, err := d.WaitTask(testCtx(b), warm.ID); err != nil {
		b.Fatal(err)
	}

	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		cfg := newTaskConfig(b, fmt.Sprint("start", i))
		taskmod(b, cfg, nil, "ready")
		if err := syscall.Mkfifo(cfg.StdoutPath, 0o600); err != nil {
			b.Fatal(err)
		}
		// Opened read-write, as logmon does, so the driver's open for
		// writing does not wait for a reader.
		fifo, err := os.OpenFile(cfg.StdoutPath, os.O_RDWR, 0)
		if err != nil {
			b.Fatal(err)
		}
		r := bufio.NewReader(fifo)
		b.StartTimer()

		start := time.Now()
		if _, err := d.StartTask(context.Background(), cfg); err != nil {
			b.Fatal(err)
		}
		line, err := r.ReadString('\n')
		lat = append(lat, time.Since(start))

		b.StopTimer()
		if err != nil || line != "ready\n" {
			b.Fatalf("read marker: %q, %v", line, err)
		}
		if err := d.StopTask(context.Background(), cfg.ID, time.Second, "SIGTERM"); err != nil {
			b.Fatal(err)
		}
		if err := d.DestroyTask(context.Background(), cfg.ID, true); err != nil {
			b.Fatal(err)
		}
		fifo.Close()
		b.StartTimer()
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "start-ms-p50")
	b.ReportMetric(pct(0.99), "start-ms-p99")
}

// idleTasks is how many copies of the module BenchmarkIdleRSS runs.
const idleTasks = 500

// BenchmarkIdleRSS starts 500 copies of a long-running module (blocked
// reading stdin) and reports the process's resident memory per task beyond
// the resident pages of the modules' own linear memory (rss-KiB/task), with
// those pages (linear-KiB/task) and the gross figure (gross-rss-KiB/task)
// beside it.
func BenchmarkIdleRSS(b *testing.B) {
	for i := 0; i < b.N; i++ {
		idleRSS(b)
	}
}

func idleRSS(b *testing.B) {
	b.StopTimer()
	d := New(Config{})
	if err := d.SetConfig(testCtx(b), pluginConfigJSON(sharedCacheDir)); err != nil {
		b.Fatal(err)
	}
	// Compile (from the disk cache) before the baseline, so that the
	// compiled code is not counted per task.
	warm := newTaskConfig(b, "warm")
	taskmod(b, warm, nil, "exit", "0")
	if _, err := d.StartTask(testCtx(b), warm); err != nil {
		b.Fatal(err)
	}
	if _, err := d.WaitTask(testCtx(b), warm.ID); err != nil {
		b.Fatal(err)
	}
	cfgs := make([]*plugin.TaskConfig, idleTasks)
	for i := range cfgs {
		cfgs[i] = newTaskConfig(b, fmt.Sprint("idle", i))
		taskmod(b, cfgs[i], nil, "ready")
	}
	before := rssKiB(b)

	b.StartTimer()
	for i, cfg := range cfgs {
		if _, err := d.StartTask(context.Background(), cfg); err != nil {
			b.Fatalf("task %d: %v", i, err)
		}
	}
	deadline := time.Now().Add(2 * time.Minute)
	for i := 0; i < idleTasks; {
		if bs, _ := os.ReadFile(cfgs[i].StdoutPath); strings.Contains(string(bs), "ready") {
			i++
			continue
		}
		if time.Now().After(deadline) {
			b.Fatalf("task %d not ready after 2 minutes", i)
		}
		time.Sleep(10 * time.Millisecond)
	}
	b.StopTimer()

	after := rssKiB(b)
	var linear uint64
	for _, cfg := range cfgs {
		t, err := d.tasks.Get(cfg.ID)
		if err != nil {
			b.Fatal(err)
		}
		linear += t.mem.resident()
	}
	linearKiB := float64(linear) / 1024 / idleTasks
	gross := float64(after-before) / idleTasks
	b.ReportMetric(gross-linearKiB, "rss-KiB/task")
	b.ReportMetric(linearKiB, "linear-KiB/task")
	b.ReportMetric(gross, "gross-rss-KiB/task")

	for _, cfg := range cfgs {
		_ = d.DestroyTask(context.Background(), cfg.ID, true)
	}
}

// rssKiB is the process's resident set after a garbage collection that
// returns freed memory to the system.
func rssKiB(b *testing.B) int64 {
	runtime.GC()
	debug.FreeOSMemory()
	bs, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skipf("no /proc/self/status: %v", err)
	}
	for _, line := range strings.Split(string(bs), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
	}
	b.Fatal("no VmRSS in /proc/self/status")
	return 0
}
