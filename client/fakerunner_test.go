package client

import (
	"sync"

	"github.com/nomadish/nomadish/client/allocrunner"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// fakeRunner stands in for an alloc runner: Run reports the allocation
// running through the Updater and returns, reporting it complete, when
// the test finishes it, a desired stop arrives or it is destroyed.
type fakeRunner struct {
	cfg    *allocrunner.Config
	waitCh chan struct{}

	mu sync.Mutex // guards the fields below
	// finish is closed to end Run with the allocation complete; quit
	// to end it without a report (Shutdown).
	finish, quit             chan struct{}
	finished, quitted        bool
	alloc                    *structs.Allocation
	restored, ran, destroyed bool
	shutdown                 bool
	updates                  []*structs.Allocation
	pluginRestarts           []string
	// localStops are the reasons StopLocally was called with.
	localStops []*structs.TaskEvent
}

func (r *fakeRunner) Restore() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.restored = true
	return nil
}

func (r *fakeRunner) Run() {
	defer close(r.waitCh)
	r.mu.Lock()
	r.ran = true
	r.mu.Unlock()
	r.report(structs.AllocClientStatusRunning)
	select {
	case <-r.finish:
		r.report(structs.AllocClientStatusComplete)
	case <-r.quit:
	}
}

func (r *fakeRunner) report(status string) {
	r.mu.Lock()
	r.alloc.ClientStatus = status
	a := r.alloc.Copy()
	r.mu.Unlock()
	r.cfg.Updater(a)
}

// endUnreported finishes Run with the allocation complete without
// reporting it, as a runner that lost its final report would.
func (r *fakeRunner) endUnreported() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.finished && !r.quitted {
		r.alloc.ClientStatus = structs.AllocClientStatusComplete
		r.quitted = true
		close(r.quit)
	}
}

// end finishes Run with the allocation complete.
func (r *fakeRunner) end() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.finished && !r.quitted {
		r.finished = true
		close(r.finish)
	}
}

func (r *fakeRunner) Update(a *structs.Allocation) {
	r.mu.Lock()
	r.updates = append(r.updates, a)
	status := r.alloc.ClientStatus
	r.alloc = a.Copy()
	r.alloc.ClientStatus = status
	r.mu.Unlock()
	if a.DesiredStatus != structs.AllocDesiredStatusRun {
		r.end()
	}
}

func (r *fakeRunner) Alloc() *structs.Allocation {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.alloc.Copy()
}

func (r *fakeRunner) WaitCh() <-chan struct{} { return r.waitCh }

func (r *fakeRunner) Shutdown() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.shutdown = true
	if !r.finished && !r.quitted {
		r.quitted = true
		close(r.quit)
	}
}

func (r *fakeRunner) Destroy() {
	r.end()
	r.mu.Lock()
	ran := r.ran
	r.destroyed = true
	r.mu.Unlock()
	if ran {
		<-r.waitCh
	}
}

// StopLocally records the reason and ends Run with the allocation
// complete, as a real runner's killed tasks would.
func (r *fakeRunner) StopLocally(reason *structs.TaskEvent) {
	r.mu.Lock()
	r.localStops = append(r.localStops, reason)
	r.mu.Unlock()
	r.end()
}

func (r *fakeRunner) PluginRestarted(driver string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pluginRestarts = append(r.pluginRestarts, driver)
}

// state reads the flags under the lock.
func (r *fakeRunner) state() (restored, ran, destroyed, shutdown bool, updates int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.restored, r.ran, r.destroyed, r.shutdown, len(r.updates)
}

// fakeRunners makes fakeRunners and keeps them by allocation ID (the
// latest one for each).
type fakeRunners struct {
	mu      sync.Mutex // guards byID
	byID    map[string]*fakeRunner
	created int
}

func newFakeRunners() *fakeRunners { return &fakeRunners{byID: map[string]*fakeRunner{}} }

func (f *fakeRunners) new(cfg *allocrunner.Config) (allocRunner, error) {
	r := &fakeRunner{cfg: cfg, alloc: cfg.Alloc.Copy(), waitCh: make(chan struct{}),
		finish: make(chan struct{}), quit: make(chan struct{})}
	f.mu.Lock()
	f.byID[cfg.Alloc.ID] = r
	f.created++
	f.mu.Unlock()
	return r, nil
}

func (f *fakeRunners) get(id string) *fakeRunner {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.byID[id]
}

func (f *fakeRunners) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.created
}
