package nomadish

import (
	"errors"
	"fmt"
	"net/rpc"
	"sync"

	"github.com/nomadish/nomadish/nomadish/panics"
)

// errRPCPanic is what the caller of an RPC that panicked is answered.
var errRPCPanic = errors.New("internal error: the server hit a bug answering this request (logged as a recovered panic)")

// serveConcurrent serves net/rpc requests from codec until it fails, each
// request in its own goroutine (calls on one connection run concurrently,
// as with rpc.Server.ServeCodec, so a blocking query does not hold up the
// client's heartbeats behind it). Unlike ServeCodec it recovers a panic in
// an endpoint: net/rpc would let it kill the process, so one malformed
// request from the network could take a server down. The caller gets an
// error answer and the panic is reported to the panics package.
func (s *Server) serveConcurrent(codec rpc.ServerCodec) {
	conn := &sharedCodec{ServerCodec: codec}
	var wg sync.WaitGroup
	for {
		req := &requestCodec{conn: conn, read: make(chan error, 1)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.serveOne(req)
		}()
		if err := <-req.read; err != nil {
			break
		}
	}
	wg.Wait()
	codec.Close()
}

// serveOne serves the next request of req's connection, recovering a
// panic in reading or answering it.
func (s *Server) serveOne(req *requestCodec) {
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		panics.Recovered(s.logger, "rpc", req.header.ServiceMethod, p)
		// A panic while the body was decoded leaves the stream at an
		// unknown place: stop reading it.
		req.readDone(fmt.Errorf("rpc: panic reading a request"))
		req.answerPanic()
	}()
	_ = s.rpcServer.ServeRequest(req)
}

// sharedCodec is one connection's codec, shared by the goroutines serving
// its requests: reads happen one request at a time (serveConcurrent starts
// the next read only after the previous request's body is in), writes are
// serialized here.
type sharedCodec struct {
	rpc.ServerCodec
	writeMu sync.Mutex
}

// requestCodec is the view of a sharedCodec that serves one request.
type requestCodec struct {
	conn *sharedCodec
	// read is sent nil once the request is read in full (the next may be
	// read), or the error that ends the connection.
	read     chan error
	readOnce sync.Once
	header   rpc.Request
	// answered is set once a response for this request was written.
	answered bool
}

func (c *requestCodec) readDone(err error) {
	c.readOnce.Do(func() { c.read <- err })
}

func (c *requestCodec) ReadRequestHeader(r *rpc.Request) error {
	err := c.conn.ReadRequestHeader(r)
	if err != nil {
		c.readDone(err)
		return err
	}
	c.header = *r
	return nil
}

// ReadRequestBody is called for every header that was read, to decode
// the argument or to discard it; either way the next request may follow.
func (c *requestCodec) ReadRequestBody(body interface{}) error {
	err := c.conn.ReadRequestBody(body)
	c.readDone(nil)
	return err
}

func (c *requestCodec) WriteResponse(r *rpc.Response, body interface{}) error {
	c.conn.writeMu.Lock()
	defer c.conn.writeMu.Unlock()
	c.answered = true
	return c.conn.WriteResponse(r, body)
}

// answerPanic tells the caller its request failed, unless it was answered.
func (c *requestCodec) answerPanic() {
	if c.answered || c.header.ServiceMethod == "" {
		return
	}
	_ = c.WriteResponse(&rpc.Response{ServiceMethod: c.header.ServiceMethod, Seq: c.header.Seq, Error: errRPCPanic.Error()}, struct{}{})
}

// Close is the connection's: serveConcurrent closes it once.
func (c *requestCodec) Close() error { return nil }

// serveInmem serves one in-process call, turning a panic in the endpoint
// into an error, as for a call from the network.
func (s *Server) serveInmem(codec *inmemCodec) (err error) {
	defer func() {
		if p := recover(); p != nil {
			panics.Recovered(s.logger, "rpc", codec.method, p)
			err = fmt.Errorf("rpc %s: %w", codec.method, errRPCPanic)
		}
	}()
	return s.rpcServer.ServeRequest(codec)
}
