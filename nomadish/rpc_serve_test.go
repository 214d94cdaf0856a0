package nomadish

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/panics"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Panic is a test endpoint with a bug: it dereferences a nil pointer.
func (e *testEndpoint) Panic(args *structs.GenericRequest, reply *struct{}) error {
	var n *structs.Node
	_ = n.ID
	return nil
}

// blockRelease holds Test.Block until it is closed.
var blockRelease = make(chan struct{})

// Block answers once blockRelease is closed, like a blocking query.
func (e *testEndpoint) Block(args *structs.GenericRequest, reply *string) error {
	select {
	case <-blockRelease:
		*reply = "released"
	case <-time.After(30 * time.Second):
		*reply = "timed out"
	}
	return nil
}

func TestRPC_PanicIsAnsweredNotFatal(t *testing.T) {
	panics.Allow(t)
	s := testServer(t, nil)
	waitForLeader(t, s)
	before := panics.Count()

	// Over the network: net/rpc alone would let the panic end the process.
	c := rpcClient(t, s)
	err := c.Call("Test.Panic", &structs.GenericRequest{}, &struct{}{})
	if err == nil || !strings.Contains(err.Error(), "internal error") {
		t.Fatalf("Test.Panic over the network: %v, want an internal error answer", err)
	}
	// The same connection goes on serving.
	if err := c.Call("Status.Ping", struct{}{}, &struct{}{}); err != nil {
		t.Fatalf("ping after the panic: %v", err)
	}

	// In process, as the HTTP API calls it.
	err = s.RPC("Test.Panic", &structs.GenericRequest{}, &struct{}{})
	if !errors.Is(err, errRPCPanic) {
		t.Fatalf("Test.Panic in process: %v, want errRPCPanic", err)
	}
	if got := panics.Count() - before; got != 2 {
		t.Fatalf("%d panics counted, want 2", got)
	}
}

func TestRPC_CallsOnOneConnectionRunConcurrently(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)
	c := rpcClient(t, s)

	var blocked string
	call := c.Go("Test.Block", &structs.GenericRequest{}, &blocked, nil)
	// While Test.Block waits, later calls on the connection are answered.
	for i := 0; i < 3; i++ {
		if err := c.Call("Status.Ping", struct{}{}, &struct{}{}); err != nil {
			t.Fatalf("ping %d behind a blocked call: %v", i, err)
		}
	}
	select {
	case <-call.Done:
		t.Fatalf("Test.Block answered before it was released: %q, %v", blocked, call.Error)
	default:
	}
	close(blockRelease)
	<-call.Done
	if call.Error != nil || blocked != "released" {
		t.Fatalf("Test.Block: %q, %v", blocked, call.Error)
	}
}
