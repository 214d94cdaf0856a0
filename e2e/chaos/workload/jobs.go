// Package workload drives the chaos suite's clients: concurrent job
// clients that register (plainly or with a check-index compare-and-set),
// read, list and deregister a few job IDs through the project's own api
// package, against a random server each time, and simulated nodes that
// register and heartbeat over RPC. Every call is recorded in a
// history.Recorder with its interval and its outcome: a definite success,
// a definite failure, or unknown (a timeout, a reset connection, a 5xx
// after the request was sent), which may or may not have taken effect.
//
// It decides nothing about correctness; the checker does, afterwards.
package workload

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nomadish/nomadish/api"
	"github.com/nomadish/nomadish/e2e/chaos/history"
)

// TokenMeta is the job Meta key that carries a register's token.
const TokenMeta = "chaos_token"

// Config describes the job workload.
type Config struct {
	// Servers are the servers' HTTP addresses; each call picks one.
	Servers []string
	// Clients is how many concurrent clients run (default 5); Keys how
	// many job IDs they share (default 5), named Prefix+"0"...
	Clients int
	Keys    int
	Prefix  string
	// Timeout bounds every call (default 3s); a call that runs out is
	// recorded as unknown.
	Timeout time.Duration
	// Think is the longest pause between one client's calls (default
	// 100ms), drawn at random, so that calls overlap without flooding two
	// cores.
	Think time.Duration
	Seed  uint64
}

func (c *Config) defaults() {
	if c.Clients == 0 {
		c.Clients = 5
	}
	if c.Keys == 0 {
		c.Keys = 5
	}
	if c.Prefix == "" {
		c.Prefix = "chaos-"
	}
	if c.Timeout == 0 {
		c.Timeout = 3 * time.Second
	}
	if c.Think == 0 {
		c.Think = 100 * time.Millisecond
	}
}

// Stats count what the workload did, by kind and outcome.
type Stats struct {
	mu sync.Mutex // guards the map
	n  map[string]int
}

func (s *Stats) add(kind history.Kind, outcome string) {
	s.mu.Lock()
	if s.n == nil {
		s.n = map[string]int{}
	}
	s.n[string(kind)+" "+outcome]++
	s.mu.Unlock()
}

// Counts returns a copy of the counters, keyed "kind outcome".
func (s *Stats) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for k, v := range s.n {
		out[k] = v
	}
	return out
}

func outcome(op *history.Op) string {
	switch {
	case op.OK:
		return "ok"
	case op.Unknown:
		return "unknown"
	case op.CASFailed:
		return "cas-failed"
	}
	return "failed"
}

// RunJobs runs the job clients until ctx ends and records every call.
func RunJobs(ctx context.Context, cfg Config, rec *history.Recorder, stats *Stats) {
	cfg.defaults()
	var seq atomic.Uint64
	var wg sync.WaitGroup
	for i := range cfg.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newJobClient(i, cfg, rec, stats, &seq)
			c.loop(ctx)
		}()
	}
	wg.Wait()
}

type jobClient struct {
	id    int
	cfg   Config
	rng   *rand.Rand
	rec   *history.Recorder
	stats *Stats
	seq   *atomic.Uint64
	apis  []*api.Client
	// seen is the JobModifyIndex this client last saw for each key (0:
	// absent), used as the check-index of its next compare-and-set, so
	// that some of its CASes succeed and some lose races.
	seen map[string]uint64
}

func newJobClient(id int, cfg Config, rec *history.Recorder, stats *Stats, seq *atomic.Uint64) *jobClient {
	c := &jobClient{id: id, cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, uint64(id)+1)), rec: rec,
		stats: stats, seq: seq, seen: map[string]uint64{}}
	for _, s := range cfg.Servers {
		// One transport per client and server: a connection a paused
		// server holds stalls only this client's calls to it.
		hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2}}
		a, err := api.NewClient(&api.Config{Address: s, Timeout: cfg.Timeout, HttpClient: hc})
		if err != nil {
			panic(fmt.Sprintf("api client for %s: %v", s, err))
		}
		c.apis = append(c.apis, a)
	}
	return c
}

func (c *jobClient) loop(ctx context.Context) {
	for ctx.Err() == nil {
		srv := c.rng.IntN(len(c.apis))
		key := fmt.Sprintf("%s%d", c.cfg.Prefix, c.rng.IntN(c.cfg.Keys))
		var op history.Op
		switch r := c.rng.IntN(100); {
		case r < 35:
			op = c.register(srv, key, r < 20)
		case r < 60:
			op = c.read(srv, key, c.rng.IntN(3) == 0)
		case r < 75:
			op = c.list(srv, c.rng.IntN(3) == 0)
		case r < 85:
			op = c.deregister(srv, key)
		default:
			op = c.allocRead(srv, key, c.rng.IntN(2) == 0)
		}
		c.stats.add(op.Kind, outcome(&op))
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(c.rng.Int64N(int64(c.cfg.Think)))):
		}
	}
}

// Job builds the job a register writes: a service job of count 1 or 2 on
// the mock driver, its token in Meta.
func Job(id, token string, count int) *api.Job {
	return &api.Job{
		ID:          id,
		Type:        api.JobTypeService,
		Datacenters: []string{"dc1"},
		Meta:        map[string]string{TokenMeta: token},
		TaskGroups: []*api.TaskGroup{{
			Name:          "g",
			Count:         count,
			EphemeralDisk: &api.EphemeralDisk{SizeMB: 10},
			Tasks: []*api.Task{{
				Name:      "t",
				Driver:    "mock",
				Config:    map[string]interface{}{"run_for": "1h"},
				Resources: &api.Resources{CPU: 10, MemoryMB: 10},
			}},
		}},
	}
}

func (c *jobClient) register(srv int, key string, cas bool) history.Op {
	token := fmt.Sprintf("c%d-%d", c.id, c.seq.Add(1))
	op := history.Op{Client: c.id, Kind: history.Register, Server: c.cfg.Servers[srv], JobID: key, Token: token}
	req := &api.JobRegisterRequest{Job: Job(key, token, 1+c.rng.IntN(2))}
	if cas {
		idx := c.seen[key]
		op.CheckIndex = &idx
		req.EnforceIndex, req.JobModifyIndex = true, idx
	}
	_, finish := c.rec.Begin()
	resp, _, err := c.apis[srv].Jobs().RegisterOpts(req, nil)
	if err == nil {
		op.OK, op.Index = true, resp.JobModifyIndex
		c.seen[key] = resp.JobModifyIndex
	} else {
		classifyWrite(&op, err)
	}
	finish(op)
	return op
}

func (c *jobClient) deregister(srv int, key string) history.Op {
	op := history.Op{Client: c.id, Kind: history.Deregister, Server: c.cfg.Servers[srv], JobID: key}
	_, finish := c.rec.Begin()
	_, _, err := c.apis[srv].Jobs().Deregister(key, true, nil)
	if err == nil {
		op.OK = true
		c.seen[key] = 0
	} else {
		classifyWrite(&op, err)
	}
	finish(op)
	return op
}

func (c *jobClient) read(srv int, key string, stale bool) history.Op {
	op := history.Op{Client: c.id, Kind: history.Read, Server: c.cfg.Servers[srv], JobID: key, Stale: stale}
	_, finish := c.rec.Begin()
	job, _, err := c.apis[srv].Jobs().Info(key, &api.QueryOptions{AllowStale: stale})
	switch {
	case err == nil:
		op.OK, op.Found = true, true
		op.Entry = entryOf(job)
		if !stale {
			c.seen[key] = op.Entry.ModifyIndex
		}
	case api.IsNotFound(err):
		op.OK = true
		if !stale {
			c.seen[key] = 0
		}
	default:
		// A read changes nothing, so a read that failed in any way is
		// simply a failed read: the checker ignores it.
		op.Err = err.Error()
	}
	finish(op)
	return op
}

func entryOf(job *api.Job) history.JobEntry {
	return history.JobEntry{ID: job.ID, Token: job.Meta[TokenMeta], ModifyIndex: job.JobModifyIndex}
}

func (c *jobClient) list(srv int, stale bool) history.Op {
	op := history.Op{Client: c.id, Kind: history.List, Server: c.cfg.Servers[srv], Stale: stale}
	_, finish := c.rec.Begin()
	jobs, _, err := c.apis[srv].Jobs().List(&api.QueryOptions{AllowStale: stale, Prefix: c.cfg.Prefix})
	if err == nil {
		op.OK = true
		// The list stub carries no Meta, so a listed job has no token:
		// its JobModifyIndex identifies the write it shows.
		for _, j := range jobs {
			op.Jobs = append(op.Jobs, history.JobEntry{ID: j.ID, ModifyIndex: j.JobModifyIndex})
		}
	} else {
		op.Err = err.Error()
	}
	finish(op)
	return op
}

func (c *jobClient) allocRead(srv int, key string, stale bool) history.Op {
	op := history.Op{Client: c.id, Kind: history.AllocRead, Server: c.cfg.Servers[srv], JobID: key, Stale: stale}
	_, finish := c.rec.Begin()
	allocs, _, err := c.apis[srv].Jobs().Allocations(key, &api.QueryOptions{AllowStale: stale})
	if err == nil || api.IsNotFound(err) {
		op.OK, op.Found = true, len(allocs) > 0
		op.Index = uint64(len(allocs))
	} else {
		op.Err = err.Error()
	}
	finish(op)
	return op
}

// classifyWrite records the outcome of a write that returned err: a
// definite failure when the server answered that it refused it (a 4xx,
// among them 409 for a check-index mismatch) or when the request never
// left (connection refused); unknown otherwise, since a request sent to a
// server that then timed out, reset the connection or answered 5xx may
// have been committed all the same.
func classifyWrite(op *history.Op, err error) {
	op.Err = err.Error()
	var ue *api.UnexpectedResponseError
	if errors.As(err, &ue) {
		switch {
		case ue.StatusCode == http.StatusConflict:
			op.CASFailed = op.CheckIndex != nil
			if !op.CASFailed {
				op.Unknown = true
			}
		case ue.StatusCode >= 400 && ue.StatusCode < 500:
		default:
			op.Unknown = true
		}
		return
	}
	if errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(err.Error(), "connection refused") {
		return
	}
	op.Unknown = true
}
