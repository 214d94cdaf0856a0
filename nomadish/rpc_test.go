package nomadish

import (
	"errors"
	"io"
	"net"
	"net/rpc"
	"strings"
	"testing"
	"time"

	msgpackrpc "github.com/hashicorp/net-rpc-msgpackrpc/v2"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestRPC_PlainConnection(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)
	conn, err := net.Dial("tcp", s.RPCAdvertise().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte{byte(rpcNomad)}); err != nil {
		t.Fatal(err)
	}
	client := rpc.NewClientWithCodec(msgpackrpc.NewCodecFromHandle(true, true, conn, structs.MsgpackHandle))
	if err := client.Call("Status.Ping", struct{}{}, &struct{}{}); err != nil {
		t.Fatalf("ping: %v", err)
	}
	var leader string
	if err := client.Call("Status.Leader", &structs.GenericRequest{}, &leader); err != nil || leader != s.RPCAdvertise().String() {
		t.Fatalf("leader %q, %v", leader, err)
	}
	if err := client.Call("Nope.Nothing", struct{}{}, &struct{}{}); err == nil {
		t.Fatal("unknown method: want an error")
	}
}

func TestRPC_UnknownTypeByteClosesConnection(t *testing.T) {
	s := testServer(t, nil)
	conn, err := net.Dial("tcp", s.RPCAdvertise().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte{0x7f})
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read after unknown type byte: %v, want EOF", err)
	}
}

func TestRPC_InmemErrors(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)
	if err := s.RPC("Nope.Nothing", struct{}{}, &struct{}{}); err == nil || !strings.Contains(err.Error(), "Nope") {
		t.Fatalf("unknown method: %v", err)
	}
	var wrong int
	if err := s.RPC("Status.Leader", &structs.GenericRequest{}, &wrong); err == nil {
		t.Fatal("wrong reply type: want an error")
	}
	if err := s.RPC("Status.Leader", 42, new(string)); err == nil {
		t.Fatal("wrong argument type: want an error")
	}
}

func TestConnPool_MultiplexAndReap(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)
	p := newConnPool(testLogger("pool"), time.Minute)
	defer p.Shutdown()
	addr := s.RPCAdvertise().String()

	for i := 0; i < 3; i++ {
		var leader string
		if err := p.RPC(addr, "Status.Leader", &structs.GenericRequest{}, &leader); err != nil || leader != addr {
			t.Fatalf("call %d: %q, %v", i, leader, err)
		}
	}
	if n := len(p.conns); n != 1 {
		t.Fatalf("%d pooled sessions, want 1", n)
	}
	err := p.RPC(addr, "Status.Peers", &structs.GenericRequest{QueryOptions: structs.QueryOptions{Region: "nowhere"}}, &[]string{})
	if !errors.Is(err, structs.ErrUnknownRegion) {
		t.Fatalf("remote error lost its sentinel: %v", err)
	}

	p.reapOnce(time.Now())
	if n := len(p.conns); n != 1 {
		t.Fatal("reaped a session that was not idle long enough")
	}
	p.reapOnce(time.Now().Add(2 * time.Minute))
	if n := len(p.conns); n != 0 {
		t.Fatalf("%d sessions left after reaping idle ones", n)
	}
	var leader string
	if err := p.RPC(addr, "Status.Leader", &structs.GenericRequest{}, &leader); err != nil {
		t.Fatalf("call after reap: %v", err)
	}
}
