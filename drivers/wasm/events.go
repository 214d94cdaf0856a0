package wasm

import (
	"context"
	"time"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// eventBuffer is how many events a slow TaskEvents reader may fall behind
// before further events are dropped for it.
const eventBuffer = 64

func (d *Driver) TaskEvents(ctx context.Context) (<-chan *plugin.TaskEvent, error) {
	ch := make(chan *plugin.TaskEvent, eventBuffer)
	d.mu.Lock()
	d.events = append(d.events, ch)
	d.mu.Unlock()
	go func() {
		<-ctx.Done()
		d.mu.Lock()
		defer d.mu.Unlock()
		for i, c := range d.events {
			if c == ch {
				d.events = append(d.events[:i], d.events[i+1:]...)
				break
			}
		}
		close(ch)
	}()
	return ch, nil
}

func (d *Driver) emit(t *task, msg string, ann map[string]string) {
	e := &plugin.TaskEvent{
		TaskID:      t.cfg.ID,
		AllocID:     t.cfg.AllocID,
		TaskName:    t.cfg.Name,
		Timestamp:   time.Now(),
		Message:     msg,
		Annotations: ann,
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, c := range d.events {
		select {
		case c <- e:
		default:
		}
	}
}
