package client

import (
	"errors"
	"fmt"
	"net"
	"net/rpc"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	msgpackrpc "github.com/hashicorp/net-rpc-msgpackrpc/v2"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// rpcTypeNomad is the first byte of a plain msgpack net/rpc connection to
// a server's RPC port.
const rpcTypeNomad = 0x01

// dialTimeout bounds one TCP connect. It is a network timeout, not a
// decision the client takes, so it is not paced by the injected clock.
const dialTimeout = 10 * time.Second

var (
	// ErrShutdown is returned by RPCs made after, or cut short by,
	// Shutdown.
	ErrShutdown = errors.New("client is shut down")
	// errRPCTimeout is a call that got no answer in time; the connection
	// is dropped and the next server tried.
	errRPCTimeout = errors.New("no answer in time")
)

// serverPool is the client's connection to the servers: one net/rpc
// connection at a time, to the server first in the list. net/rpc
// pipelines calls on it (the server handles each in its own goroutine), so
// the heartbeat, the blocking query and the allocation updates share it.
//
// A call that fails for want of a server (the connection breaks, no answer
// in time, or the server has no leader) drops the connection, moves that
// server to the end of the list and is retried on the next one, at most
// once per server. An error the server answered with is returned as is.
type serverPool struct {
	clock  Clock
	logger hclog.Logger

	mu sync.Mutex // guards the fields below
	// configured are the addresses from the config; servers are those in
	// the order they are tried, the first being the one connected to.
	configured []string
	servers    []string
	conn       *serverConn
	connAddr   string
	closed     bool
	closeCh    chan struct{}
}

func newServerPool(addrs []string, clock Clock, logger hclog.Logger) *serverPool {
	configured := dedupe(addrs)
	return &serverPool{
		clock:      clock,
		logger:     logger,
		configured: configured,
		servers:    slices.Clone(configured),
		closeCh:    make(chan struct{}),
	}
}

func dedupe(addrs []string) []string {
	var out []string
	for _, a := range addrs {
		if a != "" && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// list returns the servers in the order they are tried.
func (p *serverPool) list() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.servers)
}

// setServers takes the servers a registration or heartbeat answered with:
// they are tried first (the one connected to staying first), then the
// configured ones not among them, which remain the way back in should the
// whole list go stale.
func (p *serverPool) setServers(infos []*structs.NodeServerInfo) {
	if len(infos) == 0 {
		return
	}
	var found []string
	for _, s := range infos {
		if s != nil {
			found = append(found, s.RPCAdvertiseAddr)
		}
	}
	found = dedupe(found)
	p.mu.Lock()
	defer p.mu.Unlock()
	var next []string
	if p.connAddr != "" && slices.Contains(found, p.connAddr) {
		next = append(next, p.connAddr)
	}
	for _, a := range found {
		if !slices.Contains(next, a) {
			next = append(next, a)
		}
	}
	for _, a := range p.configured {
		if !slices.Contains(next, a) {
			next = append(next, a)
		}
	}
	if !slices.Equal(next, p.servers) {
		p.logger.Debug("server list updated", "servers", next)
	}
	p.servers = next
}

// call makes one RPC with the given timeout, failing over through the
// servers as the type comment describes.
func (p *serverPool) call(method string, args, reply interface{}, timeout time.Duration) error {
	var lastErr error
	for attempt, n := 0, len(p.list()); attempt < max(n, 1); attempt++ {
		c, addr, err := p.client()
		if err != nil {
			if errors.Is(err, ErrShutdown) {
				return err
			}
			lastErr = err
			p.failed(addr, nil)
			continue
		}
		err = p.do(c, method, args, reply, timeout)
		if err == nil {
			return nil
		}
		if p.isClosed() {
			return ErrShutdown
		}
		var se rpc.ServerError
		if errors.As(err, &se) && !structs.IsErrNoLeader(err) {
			return err
		}
		lastErr = fmt.Errorf("rpc %s to %s: %w", method, addr, err)
		p.logger.Debug("rpc failed; trying the next server", "method", method, "server", addr, "error", err)
		p.failed(addr, c)
	}
	if lastErr == nil {
		lastErr = errors.New("no server addresses are known")
	}
	return lastErr
}

// do makes the call on c and waits for its answer up to timeout. A call
// that times out closes c, which ends the call, and waits for that, so
// reply is never written after do returns.
func (p *serverPool) do(c *serverConn, method string, args, reply interface{}, timeout time.Duration) error {
	call := c.rpc.Go(method, args, reply, make(chan *rpc.Call, 1))
	tick, stop := p.clock.NewTimer(timeout)
	defer stop()
	select {
	case <-call.Done:
		return call.Error
	case <-tick:
		c.Close()
		<-call.Done
		return fmt.Errorf("%w (%s)", errRPCTimeout, timeout)
	case <-p.closeCh:
		c.Close()
		<-call.Done
		return ErrShutdown
	}
}

// client returns the connection to the first server, dialling it if
// needed, and that server's address.
func (p *serverPool) client() (*serverConn, string, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, "", ErrShutdown
	}
	if p.conn != nil {
		c, addr := p.conn, p.connAddr
		p.mu.Unlock()
		return c, addr, nil
	}
	if len(p.servers) == 0 {
		p.mu.Unlock()
		return nil, "", errors.New("no server addresses are known")
	}
	addr := p.servers[0]
	p.mu.Unlock()

	// Dial without the lock: a slow connect must not hold up Servers().
	c, err := dial(addr)
	if err != nil {
		return nil, addr, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.closed:
		c.Close()
		return nil, "", ErrShutdown
	case p.conn != nil:
		// Another caller connected meanwhile: use theirs.
		c.Close()
		return p.conn, p.connAddr, nil
	}
	p.conn, p.connAddr = c, addr
	return c, addr, nil
}

// blockingWait is how long a server may hold args before answering: for
// a blocking query (a request embedding structs.QueryOptions with a
// MinQueryIndex), its MaxQueryTime as the server bounds it, plus the
// server's jitter of up to a sixteenth; zero for any other request.
func blockingWait(args interface{}) time.Duration {
	v := reflect.ValueOf(args)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return 0
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return 0
	}
	f := v.FieldByName("QueryOptions")
	if !f.IsValid() {
		return 0
	}
	q, ok := f.Interface().(structs.QueryOptions)
	if !ok {
		return 0
	}
	return q.BlockingWait()
}

// serverConn is one connection to a server.
type serverConn struct {
	rpc  *rpc.Client
	conn net.Conn
}

// Close ends the connection, failing the calls in flight on it. It closes
// the socket rather than the rpc.Client: the msgpack codec's Close is not
// safe against a concurrent call, while the reader's error on a closed
// socket ends every call the same way.
func (c *serverConn) Close() {
	_ = c.conn.Close()
}

func dial(addr string) (*serverConn, error) {
	conn, err := net.DialTimeout("tcp", addr, dialTimeout)
	if err != nil {
		return nil, fmt.Errorf("connect to server %s: %w", addr, err)
	}
	if _, err := conn.Write([]byte{rpcTypeNomad}); err != nil {
		conn.Close()
		return nil, fmt.Errorf("connect to server %s: %w", addr, err)
	}
	return &serverConn{
		rpc:  rpc.NewClientWithCodec(msgpackrpc.NewCodecFromHandle(true, true, conn, structs.MsgpackHandle)),
		conn: conn,
	}, nil
}

// failed drops the connection c to addr (nil when the dial failed) and
// moves addr to the end of the list, so the next call tries another server.
func (p *serverPool) failed(addr string, c *serverConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c != nil {
		c.Close()
		if p.conn == c {
			p.conn, p.connAddr = nil, ""
		}
	}
	if p.conn == nil && len(p.servers) > 1 && p.servers[0] == addr {
		p.servers = append(p.servers[1:], addr)
	}
}

func (p *serverPool) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// close fails every call in flight and every later one with ErrShutdown.
func (p *serverPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.closed = true
	close(p.closeCh)
	if p.conn != nil {
		p.conn.Close()
		p.conn, p.connAddr = nil, ""
	}
}
