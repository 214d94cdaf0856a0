//go:build e2e

package e2e

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nomadish/nomadish/api"
)

// smallJob is a one-task service job on the mock driver. No client runs in
// the cluster scenarios, so it is never placed; it only has to be stored.
func smallJob(id string) *api.Job {
	return &api.Job{
		ID:          id,
		Type:        api.JobTypeService,
		Datacenters: []string{"dc1"},
		TaskGroups: []*api.TaskGroup{{
			Name:  "g",
			Count: 1,
			Tasks: []*api.Task{{
				Name:   "t",
				Driver: "mock",
				Config: map[string]interface{}{"run_for": "1h"},
			}},
		}},
	}
}

func jobID(n int) string { return fmt.Sprintf("job-%d", n) }

// ackedWrites records the Raft index of every acknowledged write, so that a
// reader can wait until a server has applied all of them.
type ackedWrites struct {
	mu       sync.Mutex // guards the fields below
	maxIndex uint64
	ids      map[string]bool
}

func newAckedWrites() *ackedWrites { return &ackedWrites{ids: map[string]bool{}} }

func (w *ackedWrites) add(id string, resp *api.JobRegisterResponse, wm *api.WriteMeta) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.ids[id] = true
	w.maxIndex = max(w.maxIndex, wm.LastIndex, resp.JobModifyIndex, resp.EvalCreateIndex)
}

func (w *ackedWrites) snapshot() (ids []string, maxIndex uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for id := range w.ids {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids, w.maxIndex
}

// register registers job through s and records the acknowledgement.
func register(s *agentProc, cl *api.Client, job *api.Job, acks *ackedWrites) error {
	resp, wm, err := cl.Jobs().Register(job, nil)
	if err != nil {
		return fmt.Errorf("register %s through %s: %w", job.ID, s.name, err)
	}
	if resp.JobModifyIndex == 0 && wm.LastIndex == 0 {
		return fmt.Errorf("register %s through %s: acknowledged with no index (JobModifyIndex 0, X-Nomad-Index 0)", job.ID, s.name)
	}
	acks.add(job.ID, resp, wm)
	return nil
}

// registerSpread registers jobs from..to-1, job n through servers[n %
// len(servers)], a few at a time, and fails the test on any error.
func registerSpread(t testing.TB, servers []*agentProc, from, to int, acks *ackedWrites) {
	t.Helper()
	clients := make([]*api.Client, len(servers))
	for i, s := range servers {
		clients[i] = s.client(30 * time.Second)
	}
	const workers = 6
	next := make(chan int)
	var mu sync.Mutex // guards errs
	var errs []string
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range next {
				i := n % len(servers)
				if err := register(servers[i], clients[i], smallJob(jobID(n)), acks); err != nil {
					mu.Lock()
					errs = append(errs, err.Error())
					mu.Unlock()
				}
			}
		}()
	}
	for n := from; n < to; n++ {
		next <- n
	}
	close(next)
	wg.Wait()
	if len(errs) > 0 {
		sort.Strings(errs)
		t.Fatalf("%d of %d registrations failed; first ones:\n  %s", len(errs), to-from, strings.Join(errs[:min(len(errs), 10)], "\n  "))
	}
}

// verifyJobs waits until s, read with stale, has reached index minIndex,
// then checks that it lists every job in ids and can read each one.
func verifyJobs(t testing.TB, s *agentProc, ids []string, minIndex uint64, timeout time.Duration) {
	t.Helper()
	cl := s.client(10 * time.Second)
	stale := &api.QueryOptions{AllowStale: true}
	var list []*api.JobListStub
	took := waitFor(t, timeout, 200*time.Millisecond, func() (bool, string) {
		l, qm, err := cl.Jobs().List(stale)
		if err != nil {
			return false, fmt.Sprintf("%s: list jobs: %v", s.name, err)
		}
		list = l
		if qm.LastIndex < minIndex {
			return false, fmt.Sprintf("%s has jobs index %d, want at least %d (the last acknowledged write); lists %d jobs", s.name, qm.LastIndex, minIndex, len(l))
		}
		// Every acknowledged job must be there; keep polling (bounded)
		// rather than judging one read, and report what is missing if the
		// wait runs out.
		have := make(map[string]bool, len(l))
		for _, j := range l {
			have[j.ID] = true
		}
		for _, id := range ids {
			if !have[id] {
				return false, fmt.Sprintf("%s at index %d lists %d jobs and lacks %s", s.name, qm.LastIndex, len(l), id)
			}
		}
		return true, ""
	})
	listed := map[string]bool{}
	for _, j := range list {
		listed[j.ID] = true
	}
	var missing []string
	for _, id := range ids {
		if !listed[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%s (caught up to index %d) lists %d jobs and lacks %d acknowledged ones: %s",
			s.name, minIndex, len(list), len(missing), strings.Join(missing[:min(len(missing), 20)], ", "))
	}

	var bad []string
	for _, id := range ids {
		job, _, err := cl.Jobs().Info(id, stale)
		switch {
		case err != nil:
			bad = append(bad, fmt.Sprintf("%s: %v", id, err))
		case job.ID != id:
			bad = append(bad, fmt.Sprintf("%s: read back job with ID %q", id, job.ID))
		case len(job.TaskGroups) != 1 || len(job.TaskGroups[0].Tasks) != 1 || job.TaskGroups[0].Tasks[0].Driver != "mock":
			bad = append(bad, fmt.Sprintf("%s: read back a job without its group g / task t on driver mock", id))
		}
	}
	if len(bad) > 0 {
		t.Errorf("%s: %d of %d jobs not readable with stale reads:\n  %s", s.name, len(bad), len(ids), strings.Join(bad[:min(len(bad), 10)], "\n  "))
	}
	if len(missing) == 0 && len(bad) == 0 {
		t.Logf("%s lists and reads all %d jobs (caught up to index %d in %s)", s.name, len(ids), minIndex, took.Round(time.Millisecond))
	}
}
