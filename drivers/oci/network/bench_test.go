package network

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkSetupTeardown measures a bridge network with one forwarded
// port: Setup (netns + four plugins) and Teardown.
func BenchmarkSetupTeardown(b *testing.B) {
	requireNetworking(b)
	m, err := New(Config{CNIPath: []string{testCNI}, StateDir: b.TempDir(), BridgeName: testBridge, Subnet: testSubnet})
	if err != nil {
		b.Fatal(err)
	}
	var setup, teardown time.Duration
	for i := 0; i < b.N; i++ {
		id := fmt.Sprintf("bench-%d", i)
		start := time.Now()
		if _, err := m.Setup(context.Background(), id, []PortMapping{{HostPort: 40000 + i%1000, ContainerPort: 80}}); err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		if err := m.Teardown(context.Background(), id); err != nil {
			b.Fatal(err)
		}
		setup += mid.Sub(start)
		teardown += time.Since(mid)
	}
	b.ReportMetric(float64(setup.Microseconds())/1000/float64(b.N), "setup-ms")
	b.ReportMetric(float64(teardown.Microseconds())/1000/float64(b.N), "teardown-ms")
}
