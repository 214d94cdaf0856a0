package image

import (
	"context"
	"io"
	"os"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/hashicorp/go-hclog"
)

// BenchmarkPullUnpack100MiB pulls and unpacks a 100 MiB image (four 25 MiB
// layers of random, incompressible content) from a loopback registry into
// an empty store, and reports the milliseconds per pull as pull-ms.
func BenchmarkPullUnpack100MiB(b *testing.B) {
	reg := newTestRegistry(b, nil)
	img := imageOf(b, "linux/amd64")
	for i := 0; i < 4; i++ {
		l, err := random.Layer(25<<20, types.DockerLayer)
		if err != nil {
			b.Fatal(err)
		}
		img = appendLayer(b, img, l)
	}
	reg.push(b, "big:v1", img)
	ref := reg.host + "/big:v1"
	var total time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir, err := os.MkdirTemp("", "pull-bench-")
		if err != nil {
			b.Fatal(err)
		}
		s, err := Open(Config{Dir: dir, Logger: hclog.New(&hclog.LoggerOptions{Output: io.Discard})})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if _, err := s.Pull(context.Background(), ref, nil); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
		b.StopTimer()
		os.RemoveAll(dir)
		b.StartTimer()
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "pull-ms")
}

func appendLayer(b *testing.B, img v1.Image, l v1.Layer) v1.Image {
	b.Helper()
	img, err := mutate.AppendLayers(img, l)
	if err != nil {
		b.Fatal(err)
	}
	return img
}
