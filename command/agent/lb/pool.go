package lb

import (
	"context"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// backend is one instance of a service, kept by address across updates
// so that its connection count survives them. When it leaves the
// passing set it takes no new work; gone is cancelled DrainTimeout
// later, which cuts what it still serves.
type backend struct {
	addr    string
	allocID string
	active  atomic.Int64

	gone   context.Context
	cancel context.CancelFunc
	// drain is the timer that cancels gone; nil while the instance is
	// live. Guarded by the pool's mu.
	drain *time.Timer
}

// pool is one service's instances: those that take new work (live) and
// those draining.
type pool struct {
	// service is "namespace/name", as logs and errors name it.
	service string
	// proxy serves the pool's HTTP requests.
	proxy http.Handler

	mu  sync.Mutex
	all map[string]*backend

	leastConn atomic.Bool

	// live is the snapshot picks read, sorted by address.
	live atomic.Pointer[[]*backend]
	next atomic.Uint64
}

func newPool(service string) *pool {
	p := &pool{service: service, all: map[string]*backend{}}
	p.live.Store(&[]*backend{})
	return p
}

// set makes regs (passing instances) the live set. An instance that
// returns while draining is live again; one that left drains for
// drainTimeout.
func (p *pool) set(algo string, regs []*structs.ServiceRegistration, drainTimeout time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.leastConn.Store(algo == structs.LBLeastConn)
	want := map[string]*structs.ServiceRegistration{}
	for _, r := range regs {
		want[instanceAddr(r)] = r
	}
	live := make([]*backend, 0, len(want))
	for addr, r := range want {
		b := p.all[addr]
		if b == nil {
			b = &backend{addr: addr, allocID: r.AllocID}
			b.gone, b.cancel = context.WithCancel(context.Background())
			p.all[addr] = b
		}
		if b.drain != nil {
			b.drain.Stop()
			b.drain = nil
		}
		live = append(live, b)
	}
	for addr, b := range p.all {
		if _, ok := want[addr]; ok || b.drain != nil {
			continue
		}
		b := b
		b.drain = time.AfterFunc(drainTimeout, func() { p.expire(b) })
	}
	sort.Slice(live, func(i, j int) bool { return live[i].addr < live[j].addr })
	p.live.Store(&live)
}

// expire ends a draining instance: what it still serves is cut.
func (p *pool) expire(b *backend) {
	p.mu.Lock()
	if p.all[b.addr] == b && b.drain != nil {
		delete(p.all, b.addr)
		b.drain = nil
		b.cancel()
	}
	p.mu.Unlock()
}

// close drains every instance at once: the pool is no longer used.
func (p *pool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for addr, b := range p.all {
		if b.drain != nil {
			b.drain.Stop()
		}
		b.cancel()
		delete(p.all, addr)
	}
	p.live.Store(&[]*backend{})
}

// pick chooses a live instance other than not (nil: any), or nil when
// there is none.
func (p *pool) pick(not *backend) *backend {
	live := *p.live.Load()
	n := len(live)
	if n == 0 || n == 1 && live[0] == not {
		return nil
	}
	start := int(p.next.Add(1) % uint64(n))
	leastConn := p.leastConn.Load()
	var best *backend
	for i := 0; i < n; i++ {
		b := live[(start+i)%n]
		if b == not {
			continue
		}
		if !leastConn {
			return b
		}
		// Ties go to the first in round-robin order, so that idle
		// instances take turns.
		if best == nil || b.active.Load() < best.active.Load() {
			best = b
		}
	}
	return best
}

// liveCount is the number of instances taking new work.
func (p *pool) liveCount() int { return len(*p.live.Load()) }
