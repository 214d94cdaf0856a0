package taskrunner

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/drivers/plugin"
)

// statsHook streams the running task's resource usage from its driver and
// keeps the latest sample.
type statsHook struct {
	interval time.Duration
	logger   hclog.Logger

	mu     sync.Mutex // guards the fields below
	last   *plugin.TaskResourceUsage
	cancel context.CancelFunc
}

func newStatsHook(interval time.Duration, logger hclog.Logger) *statsHook {
	return &statsHook{interval: interval, logger: logger}
}

func (*statsHook) Name() string { return "stats" }

func (h *statsHook) Poststart(ctx context.Context, req *PoststartRequest) error {
	if h.interval < 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	ch, err := req.Driver.TaskStats(ctx, req.TaskID, h.interval)
	if err != nil {
		cancel()
		if errors.Is(err, plugin.ErrNotSupported) {
			return nil
		}
		return err
	}
	h.mu.Lock()
	if h.cancel != nil {
		h.cancel()
	}
	h.cancel = cancel
	h.mu.Unlock()
	go func() {
		for u := range ch {
			h.mu.Lock()
			if ctx.Err() == nil {
				h.last = u
			}
			h.mu.Unlock()
		}
	}()
	return nil
}

// Exited ends the stream and forgets the last sample.
func (h *statsHook) Exited(context.Context) error {
	h.stop()
	return nil
}

func (h *statsHook) Stop(context.Context, *StopRequest) error {
	h.stop()
	return nil
}

func (h *statsHook) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cancel != nil {
		h.cancel()
		h.cancel = nil
	}
	h.last = nil
}

func (h *statsHook) latest() *plugin.TaskResourceUsage {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.last == nil {
		return nil
	}
	u := *h.last
	return &u
}
