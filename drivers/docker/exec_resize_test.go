package docker

import (
	"context"
	"sync"
	"testing"

	"github.com/moby/moby/client"

	"github.com/nomadish/nomadish/drivers/plugin"
)

type recordingResizer struct {
	mu    sync.Mutex
	sizes []client.ExecResizeOptions
}

func (r *recordingResizer) ExecResize(_ context.Context, id string, o client.ExecResizeOptions) (client.ExecResizeResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sizes = append(r.sizes, o)
	return client.ExecResizeResult{}, nil
}

func TestForwardResizes(t *testing.T) {
	r := &recordingResizer{}
	sizes := make(chan plugin.TerminalSize, 2)
	sizes <- plugin.TerminalSize{Height: 50, Width: 132}
	sizes <- plugin.TerminalSize{Height: 24, Width: 80}
	close(sizes)
	forwardResizes(context.Background(), r, "exec-1", sizes) // returns once sizes is closed
	if len(r.sizes) != 2 || r.sizes[0] != (client.ExecResizeOptions{Height: 50, Width: 132}) || r.sizes[1] != (client.ExecResizeOptions{Height: 24, Width: 80}) {
		t.Fatalf("resizes sent to the engine: %+v", r.sizes)
	}
}
