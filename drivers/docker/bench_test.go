package docker

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkStartTask measures the time from StartTask, with the image
// cached in the engine, to the container's process running: its first
// line arriving on the stdout FIFO, as the client's log collector reads
// it. It includes the create, the start and the log stream's attach.
func BenchmarkStartTask(b *testing.B) {
	needEngine(b)
	d := newDriver(b, nil)
	ctx := context.Background()
	var times []time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		cfg := taskConfigIn(b, b.TempDir(), fmt.Sprintf("%s/%d", b.Name(), i), "bench")
		if err := syscall.Mkfifo(cfg.StdoutPath, 0o600); err != nil {
			b.Fatal(err)
		}
		// O_RDWR opens a FIFO without waiting for a writer.
		r, err := os.OpenFile(cfg.StdoutPath, os.O_RDWR, 0)
		if err != nil {
			b.Fatal(err)
		}
		taskbin(b, cfg, nil, "stdout", "ready")
		b.StartTimer()
		t0 := time.Now()
		if _, err := d.StartTask(ctx, cfg); err != nil {
			b.Fatal(err)
		}
		_ = r.SetReadDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 64)
		n, err := r.Read(buf)
		if err != nil || !strings.Contains(string(buf[:n]), "ready") {
			b.Fatalf("read ready: %q, %v", buf[:n], err)
		}
		times = append(times, time.Since(t0))
		b.StopTimer()
		if err := d.StopTask(ctx, cfg.ID, time.Second, "SIGKILL"); err != nil {
			b.Fatal(err)
		}
		if err := d.DestroyTask(ctx, cfg.ID, true); err != nil {
			b.Fatal(err)
		}
		r.Close()
		b.StartTimer()
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	ms := func(q float64) float64 {
		return float64(times[int(q*float64(len(times)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(ms(0.5), "start-ms-p50")
	b.ReportMetric(ms(0.99), "start-ms-p99")
}
