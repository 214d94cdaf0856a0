package agent

import (
	"io"
	"sync"
)

// gatedWriter holds log lines back until Flush, so that the lines a
// starting agent logs come after its configuration banner.
type gatedWriter struct {
	mu   sync.Mutex // guards the fields below
	w    io.Writer
	buf  [][]byte
	open bool
}

func newGatedWriter(w io.Writer) *gatedWriter { return &gatedWriter{w: w} }

func (g *gatedWriter) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.open {
		return g.w.Write(p)
	}
	g.buf = append(g.buf, append([]byte(nil), p...))
	return len(p), nil
}

// Flush writes what was held back and lets later writes through.
func (g *gatedWriter) Flush() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, p := range g.buf {
		g.w.Write(p)
	}
	g.buf, g.open = nil, true
}
