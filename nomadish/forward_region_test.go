package nomadish

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// federate joins eu's WAN pool to global's and waits until both see the
// two regions.
func federate(t testing.TB, global, eu *Server) {
	t.Helper()
	waitForLeader(t, global)
	waitForLeader(t, eu)
	if _, err := eu.JoinWAN([]string{wanAddr(global)}); err != nil {
		t.Fatal(err)
	}
	want := []string{eu.Region(), global.Region()}
	slices.Sort(want)
	waitFor(t, 60*time.Second, func() error {
		for _, s := range []*Server{global, eu} {
			if r := s.Regions(); !slices.Equal(r, want) {
				return fmt.Errorf("%s sees regions %v", s.Region(), r)
			}
		}
		return nil
	})
}

// blackHole accepts connections and reads them without ever answering:
// a server behind a link that drops its replies.
func blackHole(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(io.Discard, c)
			}()
		}
	}()
	return ln.Addr().String()
}

func TestConnPoolRPCUntilEndsAtDeadline(t *testing.T) {
	p := newConnPool(hclog.NewNullLogger(), time.Minute)
	defer p.Shutdown()
	addr := blackHole(t)
	err := p.RPCUntil(addr, "Status.Ping", &structs.GenericRequest{}, new(struct{}), time.Now().Add(100*time.Millisecond))
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.Is(err, errTransport) {
		t.Fatalf("a call to a server that never answers ended with %v; want a transport error past the deadline", err)
	}
	// A deadline already passed fails before dialling.
	err = p.RPCUntil(addr, "Status.Ping", &structs.GenericRequest{}, new(struct{}), time.Now().Add(-time.Second))
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("past deadline: %v", err)
	}
}

func TestBlockingWaitBoundsTheForward(t *testing.T) {
	for _, tc := range []struct {
		q    structs.QueryOptions
		want time.Duration
	}{
		{structs.QueryOptions{}, 0},
		{structs.QueryOptions{MaxQueryTime: time.Minute}, 0}, // not blocking
		{structs.QueryOptions{MinQueryIndex: 3, MaxQueryTime: 16 * time.Second}, 17 * time.Second},
		{structs.QueryOptions{MinQueryIndex: 3}, structs.DefaultBlockingWait + structs.DefaultBlockingWait/16},
		{structs.QueryOptions{MinQueryIndex: 3, MaxQueryTime: time.Hour}, structs.MaxBlockingWait + structs.MaxBlockingWait/16},
	} {
		var args interface{} = &structs.JobListRequest{QueryOptions: tc.q}
		bw, ok := args.(interface{ BlockingWait() time.Duration })
		if !ok || bw.BlockingWait() != tc.want {
			t.Errorf("%+v: BlockingWait %v (ok %v), want %v", tc.q, bw.BlockingWait(), ok, tc.want)
		}
	}
}

// A region whose server stopped while the WAN pool still lists it alive
// answers at once with an error naming the region and the reason; a
// region the pool has marked failed is refused without a dial; requests
// for the local region are not held by either.
func TestServer_RegionUnreachable(t *testing.T) {
	global := testServer(t, func(c *Config) { c.RegionForwardTimeout = 2 * time.Second })
	eu := testServer(t, func(c *Config) { c.Region = "eu" })
	federate(t, global, eu)
	eu.Shutdown()

	var leader string
	err := global.RPC("Status.Leader", &structs.GenericRequest{QueryOptions: structs.QueryOptions{Region: "eu"}}, &leader)
	if !structs.IsErrRegionUnreachable(err) || !strings.Contains(err.Error(), `region "eu"`) {
		t.Fatalf("a request for a region whose server is gone: %v; want ErrRegionUnreachable naming eu", err)
	}
	if err := global.RPC("Status.Leader", &structs.GenericRequest{}, &leader); err != nil || leader == "" {
		t.Fatalf("the local region: %q, %v", leader, err)
	}
	waitFor(t, 30*time.Second, func() error {
		err := global.RPC("Status.Leader", &structs.GenericRequest{QueryOptions: structs.QueryOptions{Region: "eu"}}, &leader)
		if !strings.Contains(fmt.Sprint(err), "none of its servers is alive") {
			return fmt.Errorf("not yet marked failed: %v", err)
		}
		return nil
	})
}

// A server of another region listed in retry_join (its LAN address, as
// Nomad users list servers) is joined through the WAN pool: the regions
// federate and the LAN pools stay apart.
func TestServer_RetryJoinFederatesOtherRegion(t *testing.T) {
	global := testServer(t, nil)
	waitForLeader(t, global)
	eu := testServer(t, func(c *Config) {
		c.Region = "eu"
		c.RetryJoin = []string{lanAddr(global)}
		c.RetryInterval = 50 * time.Millisecond
	})
	waitForLeader(t, eu)
	waitFor(t, 60*time.Second, func() error {
		if r := global.Regions(); !slices.Equal(r, []string{"eu", "global"}) {
			return fmt.Errorf("regions seen from global: %v", r)
		}
		if r := eu.Regions(); !slices.Equal(r, []string{"eu", "global"}) {
			return fmt.Errorf("regions seen from eu: %v", r)
		}
		return nil
	})
	if n, m := len(global.LANMembers()), len(eu.LANMembers()); n != 1 || m != 1 {
		t.Fatalf("LAN members: global %d, eu %d; want each region's pool to hold only its own server", n, m)
	}

	// A LAN pool member cannot join the WAN pool.
	if _, err := global.serfWAN.Join([]string{lanAddr(eu)}, true); err == nil || !strings.Contains(err.Error(), "is a LAN pool member") {
		t.Fatalf("a WAN join to a LAN port: %v", err)
	}
}

// A blocking query forwarded to another region waits there and answers
// when the other region's state changes.
func TestServer_RegionForwardsBlockingQuery(t *testing.T) {
	global := testServer(t, nil)
	eu := testServer(t, func(c *Config) { c.Region = "eu" })
	federate(t, global, eu)
	var first structs.JobListResponse
	if err := global.RPC("Job.List", &structs.JobListRequest{QueryOptions: structs.QueryOptions{Region: "eu"}}, &first); err != nil {
		t.Fatal(err)
	}
	done := make(chan *structs.JobListResponse, 1)
	go func() {
		var resp structs.JobListResponse
		err := global.RPC("Job.List", &structs.JobListRequest{QueryOptions: structs.QueryOptions{Region: "eu",
			MinQueryIndex: first.Index, MaxQueryTime: 30 * time.Second}}, &resp)
		if err != nil {
			t.Error(err)
		}
		done <- &resp
	}()
	var resp structs.JobRegisterResponse
	if err := eu.RPC("Job.Register", &structs.JobRegisterRequest{Job: mockJob("late")}, &resp); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-done:
		if got.Index <= first.Index || len(got.Jobs) != 1 || got.Jobs[0].ID != "late" {
			t.Fatalf("the forwarded blocking query answered @%d (asked past %d) with %d jobs", got.Index, first.Index, len(got.Jobs))
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the forwarded blocking query did not answer after eu changed")
	}
}

// A leader cut off from the others still believes it leads for its lease;
// a check-and-set it would refuse on its possibly stale state is answered
// as a lost leadership (outcome unknown), never as a definite conflict.
func TestDeposedLeaderDoesNotRefuseDefinitely(t *testing.T) {
	inmem, transports := inmemRaft(t)
	cb := func(c *Config) {
		inmem(c)
		c.BootstrapExpect = 3
		// A long lease: the cut-off leader keeps believing while the
		// test asks it.
		c.RaftConfig.HeartbeatTimeout = 2 * time.Second
		c.RaftConfig.ElectionTimeout = 2 * time.Second
		c.RaftConfig.LeaderLeaseTimeout = 2 * time.Second
	}
	servers := []*Server{testServer(t, cb), testServer(t, cb), testServer(t, cb)}
	connectInmem(*transports)
	joinLAN(t, servers[0], servers[1:]...)
	leader := waitForLeader(t, servers...)
	var resp structs.JobRegisterResponse
	if err := leader.RPC("Job.Register", &structs.JobRegisterRequest{Job: mockJob("cas")}, &resp); err != nil {
		t.Fatal(err)
	}
	wrong := resp.JobModifyIndex + 100
	// Refused at once while the leader is connected.
	stale := &structs.JobRegisterRequest{Job: mockJob("cas"), EnforceIndex: true, JobModifyIndex: wrong}
	if err := leader.RPC("Job.Register", stale, &resp); !structs.IsErrConflict(err) {
		t.Fatalf("a stale check-and-set on a connected leader: %v; want a conflict", err)
	}
	for i, tr := range *transports {
		if servers[i] == leader {
			tr.DisconnectAll()
			continue
		}
		tr.Disconnect(leader.raftTransport.LocalAddr())
	}
	// Asked again until the leader answers the lost leadership: a
	// heartbeat already in flight when the link was cut may still
	// confirm the first verification. Without the confirmation every
	// answer is a conflict until the lease runs out on its own.
	var err error
	waitFor(t, 10*time.Second, func() error {
		stale := &structs.JobRegisterRequest{Job: mockJob("cas"), EnforceIndex: true, JobModifyIndex: wrong}
		err = leader.RPC("Job.Register", stale, &resp)
		if structs.IsErrNoLeader(err) {
			return nil
		}
		return fmt.Errorf("answered %v", err)
	})
	// The lost leadership was found by the write's own confirmation, not
	// by the lease running out first (after which any write finds no
	// leader).
	if !strings.Contains(err.Error(), "lost the leadership before it could answer the write") {
		t.Fatalf("the cut-off leader answered conflicts until its lease ran out (last: %v); want it to confirm before refusing", err)
	}
	if structs.IsErrConflict(err) {
		t.Fatalf("the lost leadership reads as a conflict: %v", err)
	}
}
