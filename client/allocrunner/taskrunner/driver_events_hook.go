package taskrunner

import (
	"context"
	"errors"
	"sort"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// driverEventsHook records what the driver says about the running task
// (its TaskEvents stream) as "Driver" task events.
type driverEventsHook struct {
	emit   func(*structs.TaskEvent)
	logger hclog.Logger

	// Only the runner's goroutine calls Poststart and Exited.
	cancel context.CancelFunc
	done   chan struct{}
}

func newDriverEventsHook(emit func(*structs.TaskEvent), logger hclog.Logger) *driverEventsHook {
	return &driverEventsHook{emit: emit, logger: logger}
}

func (*driverEventsHook) Name() string { return "driver_events" }

func (h *driverEventsHook) Poststart(ctx context.Context, req *PoststartRequest) error {
	h.stop()
	ctx, cancel := context.WithCancel(ctx)
	ch, err := req.Driver.TaskEvents(ctx)
	if err != nil {
		cancel()
		if errors.Is(err, plugin.ErrNotSupported) {
			return nil
		}
		return err
	}
	done := make(chan struct{})
	h.cancel, h.done = cancel, done
	go func() {
		defer close(done)
		for {
			select {
			case ev, ok := <-ch:
				if !ok {
					return
				}
				if ev.TaskID == req.TaskID && ev.Message != "" {
					h.emit(driverEvent(ev))
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return nil
}

func driverEvent(ev *plugin.TaskEvent) *structs.TaskEvent {
	out := NewEvent(EventDriver, ev.Message)
	out.Details["driver_message"] = ev.Message
	keys := make([]string, 0, len(ev.Annotations))
	for k := range ev.Annotations {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out.Details[k] = ev.Annotations[k]
	}
	return out
}

// Exited ends the stream and waits for its goroutine, so no event is
// recorded after the runner moved on.
func (h *driverEventsHook) Exited(context.Context) error {
	h.stop()
	return nil
}

func (h *driverEventsHook) Stop(context.Context, *StopRequest) error {
	h.stop()
	return nil
}

func (h *driverEventsHook) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	<-h.done
	h.cancel, h.done = nil, nil
}
