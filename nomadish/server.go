package nomadish

import (
	"fmt"
	"net"
	"net/rpc"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	sockaddr "github.com/hashicorp/go-sockaddr"
	"github.com/hashicorp/raft"
	"github.com/hashicorp/serf/serf"
	"github.com/nomadish/nomadish/nomadish/state"
)

// Server is one nomadish server: a Raft member of its region, a member of
// the LAN and WAN gossip pools, and an RPC endpoint.
type Server struct {
	config *Config
	logger hclog.Logger

	fsm           *FSM
	raft          *raft.Raft
	raftStores    *raftStores
	raftTransport raft.Transport
	raftLayer     *raftLayer // nil when Config.RaftTransport is set

	// periodic launches periodic jobs' children while this server leads.
	periodic *periodicDispatcher

	// The scheduling pipeline (leader_scheduling.go): enabled while this
	// server leads; workers (worker.go) run on every server.
	evalBroker   *evalBroker
	blockedEvals *blockedEvals
	planQueue    *planQueue

	// Node lifecycle (heartbeat.go, drainer.go, node_endpoint_alloc.go):
	// the leader's heartbeat timers, its drainer, and the batcher of
	// clients' allocation updates.
	heartbeats   *heartbeats
	drainer      *drainer
	allocUpdates *allocUpdateBatcher
	// deployments moves deployments on while this server leads
	// (deployment_watcher.go).
	deployments *deploymentWatcher
	multiregion *multiregionWatcher
	replication replicator

	listener     net.Listener
	rpcAdvertise *net.TCPAddr
	rpcServer    *rpc.Server
	connPool     *connPool

	serfLAN    *serf.Serf
	serfWAN    *serf.Serf
	eventChLAN chan serf.Event
	eventChWAN chan serf.Event

	// leaderCh receives Raft's leadership changes (Config.NotifyCh).
	leaderCh chan bool
	// reconcileCh carries LAN member changes to the leader loop.
	reconcileCh chan memberEvent
	// bootstrapCh wakes the bootstrap_expect loop.
	bootstrapCh  chan struct{}
	bootstrapped atomic.Bool

	leaderMu       sync.Mutex // guards leaderChangeCh
	leaderChangeCh chan struct{}
	// leaderReady is set while this server is the leader and its FSM
	// has applied every entry of earlier terms (the leader loop's first
	// barrier): until then its state store may be behind what was
	// acknowledged, so requests wait rather than read it.
	leaderReady atomic.Bool

	jitter func(max time.Duration) time.Duration

	connsMu sync.Mutex // guards conns
	conns   map[net.Conn]struct{}

	left         atomic.Bool
	shutdownOnce sync.Once
	shutdownCh   chan struct{}
	wg           sync.WaitGroup

	// foreignWAN holds the WAN addresses of other regions' servers a
	// LAN join reached (serf.go), by address, with their region.
	foreignMu  sync.Mutex
	foreignWAN map[string]string
}

// NewServer starts a server: RPC listener, Raft, gossip pools, and the
// loops that tie them together. On error everything started is stopped.
func NewServer(cfg *Config) (*Server, error) {
	if cfg == nil {
		cfg = DefaultConfig()
	}
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("server config: %w", err)
	}
	if err := cfg.ensureNodeID(); err != nil {
		return nil, err
	}
	s := &Server{
		config:         cfg,
		logger:         cfg.Logger.Named("server"),
		rpcServer:      rpc.NewServer(),
		eventChLAN:     make(chan serf.Event, serfEventQueue),
		eventChWAN:     make(chan serf.Event, serfEventQueue),
		leaderCh:       make(chan bool, 16),
		reconcileCh:    make(chan memberEvent, 256),
		bootstrapCh:    make(chan struct{}, 1),
		leaderChangeCh: make(chan struct{}),
		conns:          make(map[net.Conn]struct{}),
		shutdownCh:     make(chan struct{}),
		jitter:         cfg.BlockingJitter,
	}
	if s.jitter == nil {
		s.jitter = randomJitter
	}
	if err := s.start(); err != nil {
		s.Shutdown()
		return nil, err
	}
	s.logger.Info("server started", "node_id", cfg.NodeID, "region", cfg.Region, "rpc_addr", s.rpcAdvertise.String(),
		"serf_lan", s.serfLAN.Memberlist().LocalNode().Address(), "serf_wan", s.serfWAN.Memberlist().LocalNode().Address())
	return s, nil
}

func (s *Server) start() error {
	store, err := state.NewStateStore(s.config.Logger)
	if err != nil {
		return err
	}
	s.fsm = NewFSM(store, s.config.Logger)
	s.periodic = newPeriodicDispatcher(s.clock(), s.logger, s.State, s.periodicLaunch)
	s.fsm.SetJobHook(s.periodic.JobChanged)
	s.setupScheduling()
	s.heartbeats = newHeartbeats(s.config, s.clock(), s.logger, s.nodeHeartbeatMissed)
	s.drainer = newDrainer(s)
	s.deployments = newDeploymentWatcher(s)
	s.multiregion = newMultiregionWatcher(s)
	s.allocUpdates = newAllocUpdateBatcher(s)

	if err := s.setupListener(); err != nil {
		return err
	}
	s.connPool = newConnPool(s.logger, poolMaxIdle)
	if ip := s.config.RPCAddr.IP; ip != nil && !ip.IsUnspecified() {
		s.connPool.localIP = ip
	}
	if err := s.setupRPCEndpoints(s.rpcServer); err != nil {
		return err
	}
	if err := s.setupRaft(); err != nil {
		return err
	}
	s.wg.Add(1)
	go s.listen()
	s.startWorkers()

	if s.serfWAN, err = s.setupSerf(s.config.SerfWANConfig, s.eventChWAN, true); err != nil {
		return err
	}
	if s.serfLAN, err = s.setupSerf(s.config.SerfLANConfig, s.eventChLAN, false); err != nil {
		return err
	}

	s.wg.Add(4)
	go s.lanEventHandler()
	go s.wanEventHandler()
	go s.monitorLeadership()
	go s.bootstrapLoop()

	if len(s.config.StartJoin) > 0 {
		if n, err := s.JoinLAN(s.config.StartJoin); err != nil {
			return fmt.Errorf("start_join %v: joined %d: %w", s.config.StartJoin, n, err)
		}
	}
	if len(s.config.RetryJoin) > 0 {
		s.wg.Add(1)
		go s.retryJoin()
	}
	return nil
}

// setupListener binds the RPC port and works out the address to advertise.
func (s *Server) setupListener() error {
	l, err := net.ListenTCP("tcp", s.config.RPCAddr)
	if err != nil {
		return fmt.Errorf("listen on rpc address %s: %w", s.config.RPCAddr, err)
	}
	s.listener = l
	bound := l.Addr().(*net.TCPAddr)
	adv := s.config.RPCAdvertise
	switch {
	case adv != nil:
		a := *adv
		if a.Port == 0 {
			a.Port = bound.Port
		}
		adv = &a
	case bound.IP.IsUnspecified():
		ipStr, err := sockaddr.GetPrivateIP()
		ip := net.ParseIP(ipStr)
		if err != nil || ip == nil {
			ip = net.IPv4(127, 0, 0, 1)
		}
		adv = &net.TCPAddr{IP: ip, Port: bound.Port}
	default:
		adv = bound
	}
	s.rpcAdvertise = adv
	return nil
}

// Shutdown stops the server without leaving the cluster: gossip peers
// will see it fail, and Raft keeps it in the configuration.
func (s *Server) Shutdown() error {
	s.shutdownOnce.Do(func() {
		s.logger.Info("shutting down server")
		close(s.shutdownCh)
		if s.periodic != nil {
			s.periodic.SetEnabled(false)
		}
		if s.evalBroker != nil {
			s.stopScheduling()
		}
		if s.serfLAN != nil {
			s.serfLAN.Shutdown()
		}
		if s.serfWAN != nil {
			s.serfWAN.Shutdown()
		}
		if s.raft != nil {
			if err := s.raft.Shutdown().Error(); err != nil {
				s.logger.Warn("raft shutdown failed", "error", err)
			}
		}
		if s.raftLayer != nil {
			s.raftLayer.Close()
		}
		if closer, ok := s.raftTransport.(raft.WithClose); ok && s.config.RaftTransport == nil {
			closer.Close()
		}
		if s.listener != nil {
			s.listener.Close()
		}
		s.connsMu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.connsMu.Unlock()
		if s.connPool != nil {
			s.connPool.Shutdown()
		}
		s.wg.Wait()
		if s.raftStores != nil {
			if err := s.raftStores.close(); err != nil {
				s.logger.Warn("close raft store failed", "error", err)
			}
		}
		if s.fsm != nil {
			s.fsm.State().Abandon()
		}
	})
	return nil
}

func (s *Server) isShutdown() bool {
	select {
	case <-s.shutdownCh:
		return true
	default:
		return false
	}
}

// trackConn remembers an inbound connection so Shutdown can close it; it
// returns false (and closes conn) when the server is already stopping.
func (s *Server) trackConn(c net.Conn) bool {
	s.connsMu.Lock()
	defer s.connsMu.Unlock()
	if s.isShutdown() {
		c.Close()
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrackConn(c net.Conn) {
	s.connsMu.Lock()
	delete(s.conns, c)
	s.connsMu.Unlock()
	c.Close()
}

// IsLeader reports whether this server is the region's Raft leader.
func (s *Server) IsLeader() bool { return s.raft.State() == raft.Leader }

// Leader returns the leader's RPC address, or "" when there is none.
func (s *Server) Leader() string {
	addr, _ := s.raft.LeaderWithID()
	if addr == "" && s.IsLeader() {
		// Raft sets its state before its leader address.
		addr = s.raftTransport.LocalAddr()
	}
	return string(addr)
}

// Region returns the server's region.
func (s *Server) Region() string { return s.config.Region }

// Datacenter returns the server's datacenter.
func (s *Server) Datacenter() string { return s.config.Datacenter }

// NodeID returns the server's persistent ID (its Raft server ID).
func (s *Server) NodeID() string { return s.config.NodeID }

// RPCAdvertise returns the address other servers and clients dial.
func (s *Server) RPCAdvertise() *net.TCPAddr { return s.rpcAdvertise }

// State returns the current state store. It changes when a snapshot is
// restored, so do not hold on to it across requests.
func (s *Server) State() *state.StateStore { return s.fsm.State() }

// Regions returns the regions known through the WAN pool, sorted, always
// including the server's own.
func (s *Server) Regions() []string {
	seen := map[string]struct{}{s.config.Region: {}}
	for _, m := range s.serfWAN.Members() {
		if p, ok := isServer(m); ok && m.Status != serf.StatusLeft {
			seen[p.Region] = struct{}{}
		}
	}
	out := make([]string, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// Stats returns Raft and gossip statistics for /v1/agent/self.
func (s *Server) Stats() map[string]map[string]string {
	leader := "false"
	if s.IsLeader() {
		leader = "true"
	}
	return map[string]map[string]string{
		"nomad": {
			"server":        "true",
			"leader":        leader,
			"leader_addr":   s.Leader(),
			"bootstrap":     fmt.Sprint(s.config.BootstrapExpect <= 1),
			"known_regions": fmt.Sprint(len(s.Regions())),
		},
		"raft":     s.raft.Stats(),
		"serf":     s.serfLAN.Stats(),
		"serf_wan": s.serfWAN.Stats(),
		"runtime":  runtimeStats(),
	}
}

// ensureParentDir creates the directory a file will live in.
func ensureParentDir(path string) error {
	if path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	return nil
}

// runtimeStats reports the Go runtime's basics.
func runtimeStats() map[string]string {
	return map[string]string{
		"goroutines": strconv.Itoa(runtime.NumGoroutine()),
		"max_procs":  strconv.Itoa(runtime.GOMAXPROCS(0)),
		"version":    runtime.Version(),
	}
}
