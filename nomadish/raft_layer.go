package nomadish

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// errRaftLayerClosed is returned by Accept after shutdown.
var errRaftLayerClosed = errors.New("raft layer closed")

// raftLayer is Raft's raft.StreamLayer on the shared RPC port: the RPC
// listener hands it connections whose first byte was rpcRaft, and Dial
// writes that byte before giving the connection to Raft.
type raftLayer struct {
	addr    net.Addr
	connCh  chan net.Conn
	closeCh chan struct{}
	once    sync.Once
}

func newRaftLayer(addr net.Addr) *raftLayer {
	return &raftLayer{addr: addr, connCh: make(chan net.Conn), closeCh: make(chan struct{})}
}

// Handoff gives an inbound Raft connection to Raft.
func (l *raftLayer) Handoff(c net.Conn) error {
	select {
	case l.connCh <- c:
		return nil
	case <-l.closeCh:
		return errRaftLayerClosed
	}
}

// Accept implements net.Listener.
func (l *raftLayer) Accept() (net.Conn, error) {
	select {
	case c := <-l.connCh:
		return c, nil
	case <-l.closeCh:
		return nil, errRaftLayerClosed
	}
}

// Close implements net.Listener; the shared listener itself is closed by
// the server.
func (l *raftLayer) Close() error {
	l.once.Do(func() { close(l.closeCh) })
	return nil
}

// Addr implements net.Listener with the advertised address, which is what
// Raft records in its configuration.
func (l *raftLayer) Addr() net.Addr { return l.addr }

// Dial implements raft.StreamLayer.
func (l *raftLayer) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	d := net.Dialer{Timeout: timeout}
	conn, err := d.Dial("tcp", string(address))
	if err != nil {
		return nil, err
	}
	if _, err := conn.Write([]byte{byte(rpcRaft)}); err != nil {
		conn.Close()
		return nil, fmt.Errorf("raft dial %s: %w", address, err)
	}
	return conn, nil
}
