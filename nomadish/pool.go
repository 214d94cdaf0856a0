package nomadish

import (
	"errors"
	"fmt"
	"net"
	"net/rpc"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	metrics "github.com/hashicorp/go-metrics"
	msgpackrpc "github.com/hashicorp/net-rpc-msgpackrpc/v2"
	"github.com/hashicorp/yamux"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Pool timings.
const (
	poolDialTimeout  = 10 * time.Second
	poolMaxIdle      = 2 * time.Minute
	poolReapInterval = 30 * time.Second
)

// connPool keeps one yamux session per remote server and opens a stream
// per call. Sessions idle for poolMaxIdle with no call in flight are
// closed by the reaper.
type connPool struct {
	logger hclog.Logger
	// localIP, when set, is the address calls are made from: the IP the
	// server's RPC listener is bound to, so that its traffic to other
	// servers comes from the address they know it by.
	localIP  net.IP
	maxIdle  time.Duration
	shutdown chan struct{}
	once     sync.Once

	mu    sync.Mutex // guards conns
	conns map[string]*poolConn
}

// poolConn is one multiplexed connection to a server.
type poolConn struct {
	addr     string
	session  *yamux.Session
	refs     atomic.Int32
	lastUsed atomic.Int64 // unix nanoseconds
}

func newConnPool(logger hclog.Logger, maxIdle time.Duration) *connPool {
	p := &connPool{logger: logger.Named("pool"), maxIdle: maxIdle, shutdown: make(chan struct{}), conns: make(map[string]*poolConn)}
	go p.reap(poolReapInterval)
	return p
}

// RPC calls method on the server at addr. A session taken from the pool
// may have died since its last use (the peer restarted, the network
// dropped it); when the call fails on such a reused session it is retried
// once on a fresh connection.
func (p *connPool) RPC(addr, method string, args, reply interface{}) error {
	return p.RPCUntil(addr, method, args, reply, time.Time{})
}

// RPCUntil is RPC bounded by deadline (none when zero): the dial, the
// call and its retry all end by then, with an error wrapping
// errTransport and os.ErrDeadlineExceeded.
func (p *connPool) RPCUntil(addr, method string, args, reply interface{}, deadline time.Time) error {
	defer metrics.MeasureSinceWithLabels([]string{"nomad", "rpc", "outbound"}, time.Now(), []metrics.Label{{Name: "method", Value: method}})
	err, reused := p.call(addr, method, args, reply, deadline)
	if err != nil && reused && errors.Is(err, errTransport) && !errors.Is(err, os.ErrDeadlineExceeded) {
		p.logger.Debug("retrying rpc on a fresh connection", "method", method, "addr", addr, "error", err)
		err, _ = p.call(addr, method, args, reply, deadline)
	}
	return err
}

// errTransport marks a failure of the connection rather than of the call;
// errNotSent one where the request never left (the dial failed).
var (
	errTransport = errors.New("transport")
	errNotSent   = errors.New("not sent")
)

func (p *connPool) call(addr, method string, args, reply interface{}, deadline time.Time) (err error, reused bool) {
	dial := poolDialTimeout
	if !deadline.IsZero() {
		if dial = min(dial, time.Until(deadline)); dial <= 0 {
			return fmt.Errorf("rpc %s to %s: %w (%w): %w", method, addr, errTransport, errNotSent, os.ErrDeadlineExceeded), false
		}
	}
	c, reused, err := p.acquire(addr, dial)
	if err != nil {
		if isTimeout(err) {
			err = fmt.Errorf("%w (%v)", os.ErrDeadlineExceeded, err)
		}
		return fmt.Errorf("rpc %s to %s: %w (%w): %w", method, addr, errTransport, errNotSent, err), false
	}
	defer p.release(c)

	stream, err := c.session.Open()
	if err != nil {
		p.drop(c)
		return fmt.Errorf("rpc %s to %s: open stream: %w: %w", method, addr, errTransport, err), reused
	}
	if !deadline.IsZero() {
		stream.SetDeadline(deadline)
	}
	codec := msgpackrpc.NewCodecFromHandle(true, true, stream, structs.MsgpackHandle)
	err = msgpackrpc.CallWithCodec(codec, method, args, reply)
	codec.Close()
	if err == nil {
		return nil, reused
	}
	var serverErr rpc.ServerError
	if errors.As(err, &serverErr) {
		return decodeRPCError(string(serverErr)), reused
	}
	// The connection itself failed (or did not answer by the deadline,
	// which makes it suspect); the next call dials afresh.
	p.drop(c)
	if isTimeout(err) {
		err = fmt.Errorf("%w (%v)", os.ErrDeadlineExceeded, err)
	}
	return fmt.Errorf("rpc %s to %s: %w: %w", method, addr, errTransport, err), reused
}

// isTimeout reports whether err is a dial, read or write that ran out of
// time. The msgpack codec keeps only the text of the stream's error.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, yamux.ErrTimeout) || errors.As(err, &ne) && ne.Timeout() ||
		strings.Contains(err.Error(), yamux.ErrTimeout.Error())
}

func (p *connPool) acquire(addr string, dialTimeout time.Duration) (c *poolConn, reused bool, err error) {
	p.mu.Lock()
	if c, ok := p.conns[addr]; ok && !c.session.IsClosed() {
		c.refs.Add(1)
		p.mu.Unlock()
		return c, true, nil
	}
	p.mu.Unlock()

	select {
	case <-p.shutdown:
		return nil, false, errShutdown
	default:
	}
	d := net.Dialer{Timeout: dialTimeout}
	if p.localIP != nil {
		d.LocalAddr = &net.TCPAddr{IP: p.localIP}
	}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, false, err
	}
	if _, err := conn.Write([]byte{byte(rpcMultiplex)}); err != nil {
		conn.Close()
		return nil, false, err
	}
	session, err := yamux.Client(conn, yamuxConfig(p.logger))
	if err != nil {
		conn.Close()
		return nil, false, err
	}
	fresh := &poolConn{addr: addr, session: session}
	fresh.lastUsed.Store(time.Now().UnixNano())

	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.conns[addr]; ok && !c.session.IsClosed() {
		// Another caller dialled first; use theirs.
		session.Close()
		c.refs.Add(1)
		return c, true, nil
	}
	fresh.refs.Add(1)
	p.conns[addr] = fresh
	return fresh, false, nil
}

func (p *connPool) release(c *poolConn) {
	c.lastUsed.Store(time.Now().UnixNano())
	c.refs.Add(-1)
}

// drop forgets and closes c.
func (p *connPool) drop(c *poolConn) {
	p.mu.Lock()
	if p.conns[c.addr] == c {
		delete(p.conns, c.addr)
	}
	p.mu.Unlock()
	c.session.Close()
}

// reap closes idle sessions until shutdown.
func (p *connPool) reap(interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-p.shutdown:
			return
		case now := <-t.C:
			p.reapOnce(now)
		}
	}
}

// reapOnce closes sessions that are broken, or idle for longer than
// maxIdle at now with no call in flight.
func (p *connPool) reapOnce(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for addr, c := range p.conns {
		idle := now.Sub(time.Unix(0, c.lastUsed.Load()))
		if (c.refs.Load() == 0 && idle > p.maxIdle) || c.session.IsClosed() {
			delete(p.conns, addr)
			c.session.Close()
		}
	}
}

// Shutdown closes every session.
func (p *connPool) Shutdown() {
	p.once.Do(func() { close(p.shutdown) })
	p.mu.Lock()
	defer p.mu.Unlock()
	for addr, c := range p.conns {
		c.session.Close()
		delete(p.conns, addr)
	}
}
