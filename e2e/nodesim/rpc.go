package nodesim

import (
	"errors"
	"fmt"
	"net"
	"net/rpc"
	"sync"
	"sync/atomic"
	"time"

	msgpackrpc "github.com/hashicorp/net-rpc-msgpackrpc/v2"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// rpcTypeNomad is the first byte of a plain msgpack net/rpc connection to
// a server's RPC port.
const rpcTypeNomad = 0x01

const dialTimeout = 10 * time.Second

// rpcPool is a few net/rpc connections to one server. net/rpc pipelines
// calls on a connection (the server handles each in its own goroutine),
// so thousands of simulated nodes share them; calls are spread round
// robin. A connection that breaks is redialled on its next use.
type rpcPool struct {
	addr string
	next atomic.Uint64

	mu     sync.Mutex // guards conns and closed
	conns  []*rpc.Client
	closed bool
}

// errPoolClosed fails calls after close.
var errPoolClosed = errors.New("connection pool closed")

func newRPCPool(addr string, size int) *rpcPool {
	return &rpcPool{addr: addr, conns: make([]*rpc.Client, size)}
}

func (p *rpcPool) client(i int) (*rpc.Client, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errPoolClosed
	}
	if c := p.conns[i]; c != nil {
		return c, nil
	}
	conn, err := net.DialTimeout("tcp", p.addr, dialTimeout)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Write([]byte{rpcTypeNomad}); err != nil {
		conn.Close()
		return nil, err
	}
	c := rpc.NewClientWithCodec(msgpackrpc.NewCodecFromHandle(true, true, conn, structs.MsgpackHandle))
	p.conns[i] = c
	return c, nil
}

func (p *rpcPool) drop(i int, c *rpc.Client) {
	p.mu.Lock()
	if p.conns[i] == c {
		p.conns[i] = nil
	}
	p.mu.Unlock()
	c.Close()
}

// call makes one RPC, redialling once if the connection had died.
func (p *rpcPool) call(method string, args, reply interface{}) error {
	i := int(p.next.Add(1) % uint64(len(p.conns)))
	for attempt := 0; ; attempt++ {
		c, err := p.client(i)
		if err != nil {
			return fmt.Errorf("rpc %s to %s: %w", method, p.addr, err)
		}
		err = c.Call(method, args, reply)
		var se rpc.ServerError
		if err == nil || errors.As(err, &se) {
			return err
		}
		p.drop(i, c)
		if attempt > 0 {
			return fmt.Errorf("rpc %s to %s: %w", method, p.addr, err)
		}
	}
}

func (p *rpcPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for i, c := range p.conns {
		if c != nil {
			c.Close()
			p.conns[i] = nil
		}
	}
}
