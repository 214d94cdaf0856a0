// Package nodesim simulates nomadish client nodes for load tests: it
// registers thousands of nodes over the servers' msgpack RPC port, keeps
// each one heartbeating at the TTL the leader hands out, long-polls each
// node's allocation list with Node.GetClientAllocs, fetches the new and
// changed ones with Alloc.GetAllocs, and acknowledges them —
// running when placed, complete when stopped — with Node.UpdateAlloc
// calls, one per node per flush, each carrying that node's secret as a
// real client's does. No task is ever started.
//
// It speaks the client protocol, so it imports the wire types of
// nomadish/structs; it must not import the server, the client agent or the
// scheduler. Every node keeps its own blocking query, as a real client
// does, so that the servers carry the real per-node watch load; the
// queries go to every server with AllowStale to spread it, and writes to
// the leader. Used by the e2e cluster benchmark and `go run
// ./e2e/cmd/nodesim`.
package nodesim

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Config describes the simulated fleet.
type Config struct {
	// Servers are RPC addresses (host:port) of the region's servers.
	Servers []string
	// Nodes is how many nodes to simulate.
	Nodes int
	// Datacenter of every node (default "dc1"); NodePool default "default".
	Datacenter string
	NodePool   string
	// NamePrefix names nodes "<prefix>-<n>" (default "sim").
	NamePrefix string
	// Seed makes node IDs and stagger reproducible.
	Seed uint64
	// ConnsPerServer is how many RPC connections to open to each server
	// (default 4).
	ConnsPerServer int
	// RegisterParallelism bounds concurrent registrations (default 64).
	RegisterParallelism int
	// AckBatch and AckInterval bound a flush of acknowledgements:
	// whichever comes first (defaults 2000 and 50ms). A flush sends one
	// Node.UpdateAlloc per node, AckParallelism at a time (default 64).
	// AckWorkers flush concurrently (default 4).
	AckBatch       int
	AckInterval    time.Duration
	AckWorkers     int
	AckParallelism int
	// PollWait is each blocking query's MaxQueryTime (default 5m).
	PollWait time.Duration
	Logger   hclog.Logger
}

func (c *Config) defaults() error {
	if len(c.Servers) == 0 {
		return errors.New("nodesim: at least one server address is required")
	}
	if c.Nodes <= 0 {
		return fmt.Errorf("nodesim: %d nodes: want at least one", c.Nodes)
	}
	if c.Datacenter == "" {
		c.Datacenter = "dc1"
	}
	if c.NodePool == "" {
		c.NodePool = structs.DefaultNodePool
	}
	if c.NamePrefix == "" {
		c.NamePrefix = "sim"
	}
	if c.ConnsPerServer <= 0 {
		c.ConnsPerServer = 4
	}
	if c.RegisterParallelism <= 0 {
		c.RegisterParallelism = 64
	}
	if c.AckBatch <= 0 {
		c.AckBatch = 2000
	}
	if c.AckInterval <= 0 {
		c.AckInterval = 50 * time.Millisecond
	}
	if c.AckWorkers <= 0 {
		c.AckWorkers = 4
	}
	if c.AckParallelism <= 0 {
		c.AckParallelism = 64
	}
	if c.PollWait <= 0 {
		c.PollWait = 5 * time.Minute
	}
	if c.Logger == nil {
		c.Logger = hclog.NewNullLogger()
	}
	return nil
}

// Stats counts what the simulator did.
type Stats struct {
	Registered      int64
	Heartbeats      int64
	HeartbeatErrors int64
	Polls           int64
	PollErrors      int64
	AckedRunning    int64
	AckedComplete   int64
	AckErrors       int64
}

// Sim is a running fleet of simulated nodes.
type Sim struct {
	cfg    Config
	logger hclog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	leader *rpcPool   // writes
	reads  []*rpcPool // blocking queries, one pool per server
	nodes  []*simNode
	acks   chan nodeAck

	registered, heartbeats, heartbeatErrs, polls, pollErrs atomic.Int64
	ackedRunning, ackedComplete, ackErrs                   atomic.Int64
}

type simNode struct {
	node *structs.Node

	mu    sync.Mutex // guards the fields below
	timer *time.Timer
	acked map[string]string // alloc ID -> client status reported
}

// Start registers every node, then keeps them heartbeating and answering
// their allocations until Stop. It returns once all are registered.
func Start(ctx context.Context, cfg Config) (*Sim, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &Sim{cfg: cfg, logger: cfg.Logger.Named("nodesim"), ctx: ctx, cancel: cancel,
		acks: make(chan nodeAck, 4*cfg.AckBatch)}
	for _, addr := range cfg.Servers {
		s.reads = append(s.reads, newRPCPool(addr, cfg.ConnsPerServer))
	}
	s.leader = s.reads[0]
	var leader string
	if err := s.reads[0].call("Status.Leader", &structs.GenericRequest{}, &leader); err == nil && leader != "" {
		for _, p := range s.reads {
			if p.addr == leader {
				s.leader = p
			}
		}
	}

	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	for i := 0; i < cfg.Nodes; i++ {
		s.nodes = append(s.nodes, &simNode{node: s.newNode(rng, i), acked: map[string]string{}})
	}
	for i := 0; i < cfg.AckWorkers; i++ {
		s.wg.Add(1)
		go s.ackLoop()
	}
	if err := s.registerAll(); err != nil {
		s.Stop()
		return nil, err
	}
	for i, n := range s.nodes {
		s.wg.Add(1)
		go s.pollLoop(n, s.reads[i%len(s.reads)])
	}
	return s, nil
}

// Stop stops every node's heartbeats and queries. The servers will mark
// the nodes down once their TTLs pass.
func (s *Sim) Stop() {
	s.cancel()
	for _, n := range s.nodes {
		n.mu.Lock()
		if n.timer != nil {
			n.timer.Stop()
		}
		n.mu.Unlock()
	}
	for _, p := range s.reads {
		p.close() // unblocks the long polls
	}
	s.wg.Wait()
}

// NodeIDs returns the simulated nodes' IDs.
func (s *Sim) NodeIDs() []string {
	out := make([]string, len(s.nodes))
	for i, n := range s.nodes {
		out[i] = n.node.ID
	}
	return out
}

// Stats returns the counters so far.
func (s *Sim) Stats() Stats {
	return Stats{
		Registered: s.registered.Load(), Heartbeats: s.heartbeats.Load(), HeartbeatErrors: s.heartbeatErrs.Load(),
		Polls: s.polls.Load(), PollErrors: s.pollErrs.Load(),
		AckedRunning: s.ackedRunning.Load(), AckedComplete: s.ackedComplete.Load(), AckErrors: s.ackErrs.Load(),
	}
}

// newNode builds node i: 4 cores at 4000 MHz, 8 GiB, 100 GiB of disk, a
// healthy mock driver and Linux attributes, with unique.* values its own.
func (s *Sim) newNode(rng *rand.Rand, i int) *structs.Node {
	var b [16]byte
	for j := range b {
		b[j] = byte(rng.UintN(256))
	}
	id := uuid.Must(uuid.FromBytes(b[:]))
	id[6] = (id[6] & 0x0f) | 0x40
	id[8] = (id[8] & 0x3f) | 0x80
	name := fmt.Sprintf("%s-%d", s.cfg.NamePrefix, i)
	ip := fmt.Sprintf("10.%d.%d.%d", (i>>16)&0xff, (i>>8)&0xff, i&0xff)
	return &structs.Node{
		ID:         id.String(),
		SecretID:   uuid.NewString(),
		Datacenter: s.cfg.Datacenter,
		Name:       name,
		NodePool:   s.cfg.NodePool,
		HTTPAddr:   ip + ":4646",
		Attributes: map[string]string{
			"kernel.name":               "linux",
			"kernel.version":            "6.1.0",
			"os.name":                   "debian",
			"cpu.arch":                  "amd64",
			"cpu.numcores":              "4",
			"cpu.totalcompute":          "4000",
			"memory.totalbytes":         "8589934592",
			"nomad.version":             "0.1.0",
			"driver.mock":               "1",
			"unique.hostname":           name,
			"unique.network.ip-address": ip,
		},
		NodeResources: &structs.NodeResources{
			Cpu:      structs.NodeCpuResources{CpuShares: 4000, TotalCpuCores: 4},
			Memory:   structs.NodeMemoryResources{MemoryMB: 8192},
			Disk:     structs.NodeDiskResources{DiskMB: 100 * 1024},
			Networks: []*structs.NetworkResource{{Mode: "host", Device: "eth0", CIDR: ip + "/32", IP: ip, MBits: 1000}},
		},
		Drivers: map[string]*structs.DriverInfo{
			"mock": {Detected: true, Healthy: true, HealthDescription: "Healthy", UpdateTime: time.Now().UnixNano()},
		},
		Status: structs.NodeStatusReady,
	}
}

func (s *Sim) registerAll() error {
	sem := make(chan struct{}, s.cfg.RegisterParallelism)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for _, n := range s.nodes {
		sem <- struct{}{}
		wg.Add(1)
		go func(n *simNode) {
			defer func() { <-sem; wg.Done() }()
			var resp structs.NodeUpdateResponse
			err := s.register(n, &resp)
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = fmt.Errorf("register node %s: %w", n.node.Name, err)
				}
				mu.Unlock()
				return
			}
			s.registered.Add(1)
			s.scheduleHeartbeat(n, resp.HeartbeatTTL)
		}(n)
		if s.ctx.Err() != nil {
			break
		}
	}
	wg.Wait()
	return firstErr
}

// registerAttempts bounds how often a node tries to register, a second
// apart, as a client retries: a leader election while thousands of nodes
// register fails the writes in flight, and the servers forward to the
// new leader.
const registerAttempts = 5

func (s *Sim) register(n *simNode, resp *structs.NodeUpdateResponse) error {
	var err error
	for attempt := 1; attempt <= registerAttempts; attempt++ {
		if err = s.leader.call("Node.Register", &structs.NodeRegisterRequest{Node: n.node}, resp); err == nil {
			return nil
		}
		s.logger.Warn("register failed", "node", n.node.Name, "attempt", attempt, "error", err)
		select {
		case <-s.ctx.Done():
			return err
		case <-time.After(time.Second):
		}
	}
	return err
}

// scheduleHeartbeat arms the node's next heartbeat halfway through its
// TTL, which leaves the other half plus the grace period for a slow
// answer.
func (s *Sim) scheduleHeartbeat(n *simNode, ttl time.Duration) {
	if ttl <= 0 {
		ttl = 10 * time.Second
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if s.ctx.Err() != nil {
		return
	}
	n.timer = time.AfterFunc(ttl/2, func() { s.heartbeat(n) })
}

func (s *Sim) heartbeat(n *simNode) {
	if s.ctx.Err() != nil {
		return
	}
	var resp structs.NodeUpdateResponse
	err := s.leader.call("Node.UpdateStatus", &structs.NodeUpdateStatusRequest{NodeID: n.node.ID, SecretID: n.node.SecretID, Status: structs.NodeStatusReady}, &resp)
	if err != nil {
		s.heartbeatErrs.Add(1)
		s.logger.Warn("heartbeat failed", "node", n.node.Name, "error", err)
		if structs.IsErrNotFound(err) {
			// The node was garbage-collected: register it again.
			var rr structs.NodeUpdateResponse
			if err := s.leader.call("Node.Register", &structs.NodeRegisterRequest{Node: n.node}, &rr); err == nil {
				resp.HeartbeatTTL = rr.HeartbeatTTL
			}
		}
		s.scheduleHeartbeat(n, 2*time.Second)
		return
	}
	s.heartbeats.Add(1)
	s.scheduleHeartbeat(n, resp.HeartbeatTTL)
}

// pollLoop long-polls the node's allocation list, fetches the new and
// changed allocations as a client does, and queues acknowledgements for
// those whose client status lags what the server wants.
func (s *Sim) pollLoop(n *simNode, pool *rpcPool) {
	defer s.wg.Done()
	var index uint64
	pulled := map[string]uint64{} // alloc ID -> AllocModifyIndex fetched
	for s.ctx.Err() == nil {
		var resp structs.NodeClientAllocsResponse
		req := &structs.NodeSpecificRequest{NodeID: n.node.ID, SecretID: n.node.SecretID,
			QueryOptions: structs.QueryOptions{MinQueryIndex: index, MaxQueryTime: s.cfg.PollWait, AllowStale: true}}
		err := pool.call("Node.GetClientAllocs", req, &resp)
		var allocs []*structs.Allocation
		if err == nil && resp.Index > index {
			allocs, err = s.pull(n, pool, resp.Index, resp.Allocs, pulled)
		}
		if err != nil {
			if s.ctx.Err() != nil {
				return
			}
			s.pollErrs.Add(1)
			s.logger.Warn("poll failed", "node", n.node.Name, "error", err)
			select {
			case <-s.ctx.Done():
				return
			case <-time.After(time.Second):
			}
			continue
		}
		s.polls.Add(1)
		index = resp.Index
		for _, a := range allocs {
			want := ""
			switch {
			case a.ClientTerminalStatus():
			case a.DesiredStatus == structs.AllocDesiredStatusRun && a.ClientStatus == structs.AllocClientStatusPending:
				want = structs.AllocClientStatusRunning
			case a.DesiredStatus != structs.AllocDesiredStatusRun:
				want = structs.AllocClientStatusComplete
			}
			if want == "" {
				continue
			}
			n.mu.Lock()
			seen := n.acked[a.ID] == want
			n.acked[a.ID] = want
			n.mu.Unlock()
			if seen {
				continue
			}
			select {
			case s.acks <- nodeAck{node: n, alloc: ackFor(a, want)}:
			case <-s.ctx.Done():
				return
			}
		}
	}
}

// pull fetches with Alloc.GetAllocs the allocations of list newer than
// those already fetched (pulled, updated and pruned here), from the
// server that gave the list, waiting for it to reach index.
func (s *Sim) pull(n *simNode, pool *rpcPool, index uint64, list, pulled map[string]uint64) ([]*structs.Allocation, error) {
	want := structs.AllocsToFetch(list, pulled)
	var out []*structs.Allocation
	for len(want) > 0 {
		chunk := want[:min(len(want), structs.MaxAllocsPerGet)]
		want = want[len(chunk):]
		var resp structs.AllocsGetResponse
		req := &structs.AllocsGetRequest{AllocIDs: chunk, SecretID: n.node.SecretID,
			QueryOptions: structs.QueryOptions{MinQueryIndex: index - 1, MaxQueryTime: time.Minute, AllowStale: true}}
		if err := pool.call("Alloc.GetAllocs", req, &resp); err != nil {
			return nil, err
		}
		out = append(out, resp.Allocs...)
	}
	for _, a := range out {
		pulled[a.ID] = a.AllocModifyIndex
	}
	return out, nil
}

// ackFor is the client's report of alloc in status: every task of its
// group in the matching state.
func ackFor(a *structs.Allocation, status string) *structs.Allocation {
	now := time.Now()
	task := structs.TaskStateRunning
	if status != structs.AllocClientStatusRunning {
		task = structs.TaskStateDead
	}
	states := map[string]*structs.TaskState{}
	if a.Job != nil {
		if tg := a.Job.LookupTaskGroup(a.TaskGroup); tg != nil {
			for _, t := range tg.Tasks {
				ts := &structs.TaskState{State: task, StartedAt: now}
				if task == structs.TaskStateDead {
					ts.FinishedAt = now
				}
				states[t.Name] = ts
			}
		}
	}
	return &structs.Allocation{ID: a.ID, ClientStatus: status, TaskStates: states}
}

// nodeAck is one allocation's acknowledgement by the node it runs on.
type nodeAck struct {
	node  *simNode
	alloc *structs.Allocation
}

// ackLoop collects queued acknowledgements and flushes them.
func (s *Sim) ackLoop() {
	defer s.wg.Done()
	var batch []nodeAck
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	flush := func() {
		if len(batch) > 0 {
			s.flushAcks(batch)
		}
		batch = nil
	}
	for {
		select {
		case <-s.ctx.Done():
			return
		case a := <-s.acks:
			if len(batch) == 0 {
				timer.Reset(s.cfg.AckInterval)
			}
			batch = append(batch, a)
			if len(batch) >= s.cfg.AckBatch {
				timer.Stop()
				flush()
			}
		case <-timer.C:
			flush()
		}
	}
}

// flushAcks sends batch as one Node.UpdateAlloc per node, since a report
// is authenticated by its node's secret, and returns when all are done.
func (s *Sim) flushAcks(batch []nodeAck) {
	byNode := map[*simNode][]*structs.Allocation{}
	var order []*simNode
	for _, a := range batch {
		if _, ok := byNode[a.node]; !ok {
			order = append(order, a.node)
		}
		byNode[a.node] = append(byNode[a.node], a.alloc)
	}
	sem := make(chan struct{}, s.cfg.AckParallelism)
	var wg sync.WaitGroup
	for _, n := range order {
		sem <- struct{}{}
		wg.Add(1)
		go func(n *simNode, allocs []*structs.Allocation) {
			defer func() { <-sem; wg.Done() }()
			s.sendAcks(n, allocs)
		}(n, byNode[n])
	}
	wg.Wait()
}

// sendAcks reports one node's allocations, retrying twice.
func (s *Sim) sendAcks(n *simNode, allocs []*structs.Allocation) {
	req := &structs.AllocUpdateRequest{Alloc: allocs, SecretID: n.node.SecretID}
	var err error
	for attempt := 0; attempt < 3 && s.ctx.Err() == nil; attempt++ {
		if err = s.leader.call("Node.UpdateAlloc", req, &structs.GenericResponse{}); err == nil {
			break
		}
		s.ackErrs.Add(1)
		s.logger.Warn("update allocs failed", "node", n.node.Name, "allocs", len(allocs), "attempt", attempt+1, "error", err)
		select {
		case <-s.ctx.Done():
		case <-time.After(time.Second):
		}
	}
	if err != nil {
		return
	}
	for _, a := range allocs {
		if a.ClientStatus == structs.AllocClientStatusRunning {
			s.ackedRunning.Add(1)
		} else {
			s.ackedComplete.Add(1)
		}
	}
}
