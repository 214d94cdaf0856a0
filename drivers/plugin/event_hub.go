package plugin

import (
	"context"
	"sync"
)

// EventBuffer is how many events a slow TaskEvents reader may fall behind
// before further events are dropped for it.
const EventBuffer = 64

// EventHub is the bookkeeping of a driver's TaskEvents streams: every
// subscriber gets each published event, and one that falls EventBuffer
// behind loses events rather than blocking the driver. The zero value is
// ready to use.
type EventHub struct {
	mu   sync.Mutex // guards subs
	subs []chan *TaskEvent
}

// Subscribe returns a stream of the events published from now until ctx
// is done, when the channel is closed. A driver's TaskEvents returns it.
func (h *EventHub) Subscribe(ctx context.Context) <-chan *TaskEvent {
	ch := make(chan *TaskEvent, EventBuffer)
	h.mu.Lock()
	h.subs = append(h.subs, ch)
	h.mu.Unlock()
	go func() {
		<-ctx.Done()
		h.mu.Lock()
		defer h.mu.Unlock()
		for i, c := range h.subs {
			if c == ch {
				h.subs = append(h.subs[:i], h.subs[i+1:]...)
				break
			}
		}
		close(ch)
	}()
	return ch
}

// Publish sends e to every subscriber that has room for it.
func (h *EventHub) Publish(e *TaskEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.subs {
		select {
		case c <- e:
		default:
		}
	}
}
