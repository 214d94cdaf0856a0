package runtime

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkStart measures the time from Start to the container's process
// running: its "ready" line arriving on the stdout FIFO, as the client's
// log collector would read it.
func BenchmarkStart(b *testing.B) {
	rt := needRuntime(b, RuntimeRunc)
	bundle := makeBundle(b, "bench", bundleOpts{args: []string{"ready"}})
	var times []time.Duration
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		id := fmt.Sprintf("bench-%d", i)
		fifo := filepath.Join(b.TempDir(), "stdout")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			b.Fatal(err)
		}
		// O_RDWR opens a FIFO without waiting for a writer.
		r, err := os.OpenFile(fifo, os.O_RDWR, 0)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		c, err := rt.Start(ctx, bundle, id, fifo, fifo)
		if err != nil {
			b.Fatal(err)
		}
		r.SetReadDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 64)
		n, err := r.Read(buf)
		if err != nil || !strings.Contains(string(buf[:n]), "ready") {
			b.Fatalf("read ready: %q, %v", buf[:n], err)
		}
		times = append(times, time.Since(t0))
		b.StopTimer()
		if _, err := c.Stop(ctx, syscall.SIGKILL, time.Second); err != nil {
			b.Fatal(err)
		}
		if err := c.Delete(ctx, true); err != nil {
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
