package nomadish

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/rpc"
	"reflect"
	"time"

	"github.com/hashicorp/go-hclog"
	metrics "github.com/hashicorp/go-metrics"
	msgpackrpc "github.com/hashicorp/net-rpc-msgpackrpc/v2"
	"github.com/hashicorp/yamux"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// rpcType is the first byte of every connection to the RPC port and says
// what the rest of the connection speaks.
type rpcType byte

const (
	rpcNomad     rpcType = 0x01 // one net/rpc msgpack session
	rpcRaft      rpcType = 0x02 // Raft's transport, handed to the raft layer
	rpcMultiplex rpcType = 0x03 // yamux; every stream one net/rpc msgpack session
	rpcTLS       rpcType = 0x04 // reserved: TLS, then another type byte
	rpcStreaming rpcType = 0x05 // reserved: streaming RPCs (logs, exec)
)

// firstByteTimeout bounds how long a new connection may take to say what
// it is.
const firstByteTimeout = 10 * time.Second

// listen accepts connections until the listener closes.
func (s *Server) listen() {
	defer s.wg.Done()
	for {
		conn, err := s.listener.Accept()
		if err != nil {
			if s.isShutdown() {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			s.logger.Error("rpc accept failed", "error", err)
			select {
			case <-time.After(100 * time.Millisecond):
			case <-s.shutdownCh:
				return
			}
			continue
		}
		go s.handleConn(conn)
	}
}

// handleConn reads the type byte and hands the connection on.
func (s *Server) handleConn(conn net.Conn) {
	buf := []byte{0}
	conn.SetReadDeadline(time.Now().Add(firstByteTimeout))
	if _, err := io.ReadFull(conn, buf); err != nil {
		if err != io.EOF {
			s.logger.Debug("read rpc type byte failed", "remote", conn.RemoteAddr(), "error", err)
		}
		conn.Close()
		return
	}
	conn.SetReadDeadline(time.Time{})

	switch rpcType(buf[0]) {
	case rpcNomad:
		if !s.trackConn(conn) {
			return
		}
		defer s.untrackConn(conn)
		s.serveCodec(conn)
	case rpcRaft:
		metrics.IncrCounter([]string{"nomad", "rpc", "raft_handoff"}, 1)
		if s.raftLayer == nil {
			conn.Close()
			return
		}
		if err := s.raftLayer.Handoff(conn); err != nil {
			conn.Close()
		}
	case rpcMultiplex:
		if !s.trackConn(conn) {
			return
		}
		defer s.untrackConn(conn)
		s.handleMultiplex(conn)
	default:
		s.logger.Warn("unrecognised rpc type byte", "byte", buf[0], "remote", conn.RemoteAddr())
		conn.Close()
	}
}

// handleMultiplex serves every yamux stream of conn as its own net/rpc
// session.
func (s *Server) handleMultiplex(conn net.Conn) {
	session, err := yamux.Server(conn, yamuxConfig(s.logger))
	if err != nil {
		s.logger.Error("yamux server failed", "error", err)
		conn.Close()
		return
	}
	defer session.Close()
	for {
		stream, err := session.Accept()
		if err != nil {
			if err != io.EOF && !errors.Is(err, yamux.ErrSessionShutdown) && !s.isShutdown() {
				s.logger.Debug("yamux accept failed", "remote", conn.RemoteAddr(), "error", err)
			}
			return
		}
		go s.serveCodec(stream)
	}
}

// serveCodec serves net/rpc over one byte stream until it closes.
func (s *Server) serveCodec(rwc io.ReadWriteCloser) {
	codec := &meteredCodec{ServerCodec: msgpackrpc.NewCodecFromHandle(true, true, guardRPCConn(rwc), structs.MsgpackHandle)}
	s.serveConcurrent(codec)
}

// meteredCodec counts requests as they arrive.
type meteredCodec struct{ rpc.ServerCodec }

func (c *meteredCodec) ReadRequestHeader(r *rpc.Request) error {
	err := c.ServerCodec.ReadRequestHeader(r)
	if err == nil {
		metrics.IncrCounterWithLabels([]string{"nomad", "rpc", "request"}, 1, []metrics.Label{{Name: "method", Value: r.ServiceMethod}})
	}
	return err
}

func yamuxConfig(logger hclog.Logger) *yamux.Config {
	cfg := yamux.DefaultConfig()
	cfg.LogOutput = nil
	cfg.Logger = logger.Named("yamux").StandardLogger(&hclog.StandardLoggerOptions{InferLevels: true})
	return cfg
}

// RPC calls method in-process, through the same net/rpc server, endpoint
// and forwarding as a call arriving over the network. args may be a
// pointer or a value of the endpoint's argument type; reply must be a
// pointer to its reply type. Errors that crossed a network hop are
// rebuilt so errors.Is matches the structs sentinels either way.
func (s *Server) RPC(method string, args, reply interface{}) error {
	defer metrics.MeasureSinceWithLabels([]string{"nomad", "rpc", "inmem"}, time.Now(), []metrics.Label{{Name: "method", Value: method}})
	codec := &inmemCodec{method: method, args: args, reply: reply}
	if err := s.serveInmem(codec); err != nil && codec.err == nil {
		return err
	}
	return codec.err
}

// inmemCodec is a net/rpc ServerCodec for one in-process call: it copies
// the caller's arguments in and the endpoint's reply out, with no
// encoding.
type inmemCodec struct {
	method string
	args   interface{}
	reply  interface{}
	err    error
}

func (c *inmemCodec) ReadRequestHeader(req *rpc.Request) error {
	req.ServiceMethod = c.method
	return nil
}

func (c *inmemCodec) ReadRequestBody(args interface{}) error {
	if args == nil {
		return nil
	}
	dst := reflect.ValueOf(args)
	src := reflect.ValueOf(c.args)
	if !src.IsValid() {
		return nil
	}
	if src.Kind() == reflect.Pointer {
		if src.IsNil() {
			return nil
		}
		src = src.Elem()
	}
	if dst.Kind() != reflect.Pointer || !src.Type().AssignableTo(dst.Elem().Type()) {
		return fmt.Errorf("rpc %s: argument of type %T, want %s", c.method, c.args, dst.Type())
	}
	dst.Elem().Set(src)
	return nil
}

func (c *inmemCodec) WriteResponse(resp *rpc.Response, body interface{}) error {
	if resp.Error != "" {
		c.err = decodeRPCError(resp.Error)
		return nil
	}
	if c.reply == nil {
		return nil
	}
	dst := reflect.ValueOf(c.reply)
	src := reflect.ValueOf(body)
	if src.Kind() == reflect.Pointer {
		src = src.Elem()
	}
	if dst.Kind() != reflect.Pointer || dst.IsNil() || !src.Type().AssignableTo(dst.Elem().Type()) {
		c.err = fmt.Errorf("rpc %s: reply of type %T, want pointer to %s", c.method, c.reply, src.Type())
		return nil
	}
	dst.Elem().Set(src)
	return nil
}

func (c *inmemCodec) Close() error { return nil }

// raftApply encodes msg as a Raft entry of type t and applies it, waiting
// at most RaftTimeout for it to be committed and applied. It returns the
// FSM's response; an error the FSM returned comes back as err. An entry
// that would not decode on the servers is refused before Raft sees it
// (encodeEntry).
func (s *Server) raftApply(t structs.MessageType, msg interface{}) (resp interface{}, index uint64, err error) {
	buf, err := encodeEntry(t, msg)
	if err != nil {
		return nil, 0, err
	}
	defer metrics.MeasureSinceWithLabels([]string{"nomad", "raft", "apply"}, time.Now(), []metrics.Label{{Name: "type", Value: t.String()}})
	future := s.raft.Apply(buf, s.config.RaftTimeout)
	// A future Raft accepted just before shutting down may never be
	// answered; stop waiting for it when this server shuts down, so that
	// Shutdown (which waits for the workers that call this) cannot hang.
	done := make(chan error, 1)
	go func() { done <- future.Error() }()
	select {
	case err := <-done:
		if err != nil {
			return nil, 0, fmt.Errorf("raft apply %s: %w", t, err)
		}
	case <-s.shutdownCh:
		return nil, 0, fmt.Errorf("raft apply %s: %w", t, errShutdown)
	}
	resp = future.Response()
	if ferr, ok := resp.(error); ok && ferr != nil {
		return nil, future.Index(), ferr
	}
	return resp, future.Index(), nil
}
