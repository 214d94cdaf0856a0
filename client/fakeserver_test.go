package client

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/rpc"
	"sync"
	"testing"
	"time"

	msgpackrpc "github.com/hashicorp/net-rpc-msgpackrpc/v2"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// fakeTTL is the heartbeat TTL a fakeServer hands out. It differs from
// every other interval on the client's clock (the plugin manager's health
// checks every 10s, garbage collection every minute, RPC timeouts 30s), so
// a test waiting for the heartbeat's timer finds that one.
const fakeTTL = 7 * time.Second

// fakeServer answers the four Node RPCs a client makes, over the same
// msgpack net/rpc protocol as a real server, and records what it was sent.
// Its allocations are set by the test; GetClientAllocs blocks until they
// change, as a real blocking query does.
type fakeServer struct {
	t    *testing.T
	ln   net.Listener
	addr string

	mu   sync.Mutex // guards the fields below
	cond *sync.Cond // broadcast when allocs change or the server stops
	// ttl is handed out on every registration and heartbeat; servers
	// is the server list handed out.
	ttl     time.Duration
	servers []*structs.NodeServerInfo
	// forget makes the next heartbeat answer that the node is unknown.
	forget bool
	// cutOff makes registrations, heartbeats and allocation updates
	// fail, as a network partition between client and servers would.
	cutOff bool
	// refuse are errors the next UpdateAlloc calls answer with, one each,
	// without applying anything; refused counts the calls refused.
	refuse     []error
	refused    int
	registered []*structs.Node
	heartbeats []*structs.NodeUpdateStatusRequest
	updates    []*structs.AllocUpdateRequest
	queries    []*structs.NodeSpecificRequest
	pulls      []*structs.AllocsGetRequest
	// shortPulls makes the next Alloc.GetAllocs answers leave out their
	// last allocation, as a server that garbage-collected it would.
	shortPulls int
	allocs     map[string]*structs.Allocation
	index      uint64
	conns      []net.Conn
	closed     bool
}

func newFakeServer(t *testing.T) *fakeServer {
	t.Helper()
	return newFakeServerOn(t, "127.0.0.1:0")
}

func newFakeServerOn(t *testing.T, addr string) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{t: t, ln: ln, addr: ln.Addr().String(), ttl: fakeTTL,
		allocs: map[string]*structs.Allocation{}, index: 1}
	s.cond = sync.NewCond(&s.mu)
	srv := rpc.NewServer()
	if err := srv.RegisterName("Node", &fakeNodeEndpoint{s}); err != nil {
		t.Fatal(err)
	}
	if err := srv.RegisterName("Alloc", &fakeAllocEndpoint{s}); err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			if s.closed {
				s.mu.Unlock()
				conn.Close()
				return
			}
			s.conns = append(s.conns, conn)
			s.mu.Unlock()
			go func() {
				var b [1]byte
				if _, err := io.ReadFull(conn, b[:]); err != nil || b[0] != rpcTypeNomad {
					conn.Close()
					return
				}
				srv.ServeCodec(msgpackrpc.NewCodecFromHandle(true, true, conn, structs.MsgpackHandle))
			}()
		}
	}()
	t.Cleanup(s.stop)
	return s
}

// stop closes the listener and every connection: the server is gone.
func (s *fakeServer) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	s.ln.Close()
	for _, c := range s.conns {
		c.Close()
	}
	s.cond.Broadcast()
}

// setAlloc adds or replaces an allocation (bumping its indexes as the
// server's state store does for a server-side write).
func (s *fakeServer) setAlloc(a *structs.Allocation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.index++
	a = a.Copy()
	if old := s.allocs[a.ID]; old != nil {
		a.CreateIndex = old.CreateIndex
	} else {
		a.CreateIndex = s.index
	}
	a.ModifyIndex, a.AllocModifyIndex = s.index, s.index
	s.allocs[a.ID] = a
	s.cond.Broadcast()
}

// lastPull is the allocation IDs of the latest Alloc.GetAllocs.
func (s *fakeServer) lastPull() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pulls) == 0 {
		return nil
	}
	return s.pulls[len(s.pulls)-1].AllocIDs
}

// setAllocs sets several allocations in one change.
func (s *fakeServer) setAllocs(allocs ...*structs.Allocation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.index++
	for _, a := range allocs {
		a = a.Copy()
		a.CreateIndex, a.ModifyIndex, a.AllocModifyIndex = s.index, s.index, s.index
		s.allocs[a.ID] = a
	}
	s.cond.Broadcast()
}

func (s *fakeServer) deleteAlloc(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.index++
	delete(s.allocs, id)
	s.cond.Broadcast()
}

func (s *fakeServer) setForget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forget = true
}

// setCutOff starts or ends a partition: while it lasts, registrations,
// heartbeats and allocation updates fail.
func (s *fakeServer) setCutOff(cut bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cutOff = cut
}

func (s *fakeServer) setServers(addrs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.servers = nil
	for _, a := range addrs {
		s.servers = append(s.servers, &structs.NodeServerInfo{RPCAdvertiseAddr: a, Datacenter: "dc1"})
	}
}

func (s *fakeServer) registrations() []*structs.Node {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*structs.Node(nil), s.registered...)
}

func (s *fakeServer) heartbeatCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.heartbeats)
}

func (s *fakeServer) lastHeartbeat() *structs.NodeUpdateStatusRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.heartbeats) == 0 {
		return nil
	}
	return s.heartbeats[len(s.heartbeats)-1]
}

func (s *fakeServer) allocUpdates() []*structs.AllocUpdateRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*structs.AllocUpdateRequest(nil), s.updates...)
}

// clientStatus is the latest client status reported for an allocation.
func (s *fakeServer) clientStatus(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.allocs[id]; a != nil {
		return a.ClientStatus
	}
	return ""
}

// refuseUpdates makes the next UpdateAlloc calls answer with errs.
func (s *fakeServer) refuseUpdates(errs ...error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = append(s.refuse, errs...)
}

func (s *fakeServer) refusedCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused
}

// resetClientStatus makes the server forget what the client reported of
// an allocation, as if the report had been lost.
func (s *fakeServer) resetClientStatus(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.allocs[id]; a != nil {
		a.ClientStatus, a.ClientDescription, a.TaskStates = structs.AllocClientStatusPending, "", nil
	}
}

func (s *fakeServer) queryCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queries)
}

// fakeNodeEndpoint is the "Node" RPC service of a fakeServer.
type fakeNodeEndpoint struct{ s *fakeServer }

func (e *fakeNodeEndpoint) Register(args *structs.NodeRegisterRequest, reply *structs.NodeUpdateResponse) error {
	s := e.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if args.Node == nil || args.Node.ID == "" || args.Node.SecretID == "" {
		return errors.New("register: node, ID and secret are required")
	}
	s.registered = append(s.registered, args.Node)
	s.forget = false
	reply.HeartbeatTTL = s.ttl
	reply.Servers = s.servers
	reply.Index = s.index
	return nil
}

func (e *fakeNodeEndpoint) UpdateStatus(args *structs.NodeUpdateStatusRequest, reply *structs.NodeUpdateResponse) error {
	s := e.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cutOff {
		return errors.New("partitioned")
	}
	if s.forget {
		return fmt.Errorf("node %q: %w", args.NodeID, structs.ErrNotFound)
	}
	s.heartbeats = append(s.heartbeats, args)
	reply.HeartbeatTTL = s.ttl
	reply.Servers = s.servers
	reply.Index = s.index
	return nil
}

func (e *fakeNodeEndpoint) GetClientAllocs(args *structs.NodeSpecificRequest, reply *structs.NodeClientAllocsResponse) error {
	s := e.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queries = append(s.queries, args)
	for s.index <= args.MinQueryIndex && !s.closed {
		s.cond.Wait()
	}
	if s.closed {
		return errors.New("server shutting down")
	}
	reply.Allocs = make(map[string]uint64, len(s.allocs))
	for id, a := range s.allocs {
		reply.Allocs[id] = a.AllocModifyIndex
	}
	reply.Index = s.index
	return nil
}

// fakeAllocEndpoint answers Alloc.GetAllocs from the fakeServer's
// allocations, as a server that is never behind. Like a real server it
// lists an allocation whose job would not decode on the client in
// Undeliverable instead.
type fakeAllocEndpoint struct{ s *fakeServer }

func (e *fakeAllocEndpoint) GetAllocs(args *structs.AllocsGetRequest, reply *structs.AllocsGetResponse) error {
	s := e.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pulls = append(s.pulls, args)
	for _, id := range args.AllocIDs {
		if a := s.allocs[id]; a != nil {
			if err := a.Job.DeliveryProblem(); err != nil {
				reply.Undeliverable = append(reply.Undeliverable, a.Undeliverable(err.Error()))
				continue
			}
			reply.Allocs = append(reply.Allocs, a.Copy())
		}
	}
	if s.shortPulls > 0 && len(reply.Allocs) > 0 {
		s.shortPulls--
		reply.Allocs = reply.Allocs[:len(reply.Allocs)-1]
	}
	reply.Index = s.index
	return nil
}

func (e *fakeNodeEndpoint) UpdateAlloc(args *structs.AllocUpdateRequest, reply *structs.GenericResponse) error {
	s := e.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cutOff {
		s.refused++
		return errors.New("partitioned")
	}
	if len(s.refuse) > 0 {
		err := s.refuse[0]
		s.refuse = s.refuse[1:]
		s.refused++
		return err
	}
	// A report of an unknown status refuses the whole batch, as on a
	// real server.
	var problems []structs.FieldError
	for i, u := range args.Alloc {
		switch u.ClientStatus {
		case structs.AllocClientStatusPending, structs.AllocClientStatusRunning, structs.AllocClientStatusComplete,
			structs.AllocClientStatusFailed, structs.AllocClientStatusLost, structs.AllocClientStatusUnknown:
		default:
			problems = append(problems, structs.FieldError{Path: fmt.Sprintf("Alloc[%d].ClientStatus", i), Message: "unknown status"})
		}
	}
	if len(problems) > 0 {
		s.refused++
		return &structs.ValidationError{Problems: problems}
	}
	s.updates = append(s.updates, args)
	for _, u := range args.Alloc {
		// A client update changes ModifyIndex but not AllocModifyIndex,
		// and wakes the blocking query, as on a real server.
		if a := s.allocs[u.ID]; a != nil {
			s.index++
			a.ClientStatus, a.ClientDescription, a.TaskStates = u.ClientStatus, u.ClientDescription, u.TaskStates
			a.ModifyIndex = s.index
		}
	}
	s.cond.Broadcast()
	reply.Index = s.index
	return nil
}
