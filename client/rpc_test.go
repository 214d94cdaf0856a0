package client

import (
	"net"
	"slices"
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// hungServer accepts connections and never answers.
func hungServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// TestUnansweredCallFailsOver: a server that accepts but never answers
// costs one RPC timeout, on the clock, and the call moves on.
func TestUnansweredCallFailsOver(t *testing.T) {
	hung := hungServer(t)
	srv := newFakeServer(t)
	clock := newFakeClock()
	cfg := testConfig(t, clock, newFakeRunners(), hung, srv.addr)
	cfg.RPCTimeout = 13 * time.Second
	c := newTestClient(t, cfg)

	clock.advanceWhenArmed(t, "the registration's RPC timeout", 13*time.Second)
	waitFor(t, "the registration at the answering server", func() bool { return len(srv.registrations()) == 1 })
	if got, want := c.Servers(), []string{srv.addr, hung}; !slices.Equal(got, want) {
		t.Errorf("Servers() = %v, want %v", got, want)
	}
}

func TestBlockingWait(t *testing.T) {
	for _, tc := range []struct {
		args interface{}
		want time.Duration
	}{
		{&structs.NodeRegisterRequest{}, 0},
		{&structs.NodeSpecificRequest{}, 0},
		{&structs.NodeSpecificRequest{QueryOptions: structs.QueryOptions{MinQueryIndex: 5}}, 5*time.Minute + 5*time.Minute/16},
		{&structs.NodeSpecificRequest{QueryOptions: structs.QueryOptions{MinQueryIndex: 5, MaxQueryTime: 16 * time.Second}}, 17 * time.Second},
		{&structs.JobSpecificRequest{QueryOptions: structs.QueryOptions{MinQueryIndex: 5, MaxQueryTime: time.Hour}}, 10*time.Minute + 10*time.Minute/16},
		{structs.NodeListRequest{QueryOptions: structs.QueryOptions{MinQueryIndex: 1, MaxQueryTime: 16 * time.Second}}, 17 * time.Second},
		{nil, 0},
		{"x", 0},
	} {
		if got := blockingWait(tc.args); got != tc.want {
			t.Errorf("blockingWait(%#v) = %v, want %v", tc.args, got, tc.want)
		}
	}
}
