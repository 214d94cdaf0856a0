package lb

import (
	"context"
	"errors"
	"io"
	"net"
	"time"
)

// Accept errors that are not the listener closing are retried after a
// wait that doubles from minAcceptWait up to maxAcceptWait (the process
// may be out of file descriptors for a while).
const (
	minAcceptWait = 5 * time.Millisecond
	maxAcceptWait = time.Second
)

// serveTCP accepts connections until the listener closes and proxies each
// to an instance of the port's pool.
func (l *listener) serveTCP() {
	wait := time.Duration(0)
	for {
		c, err := l.ln.Accept()
		if err != nil {
			if l.closed.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			wait = min(max(2*wait, minAcceptWait), maxAcceptWait)
			l.m.logger.Warn("load balancer accept failed", "port", l.port, "error", err, "retry_in", wait)
			time.Sleep(wait)
			continue
		}
		wait = 0
		if !l.track(c, true) {
			c.Close()
			return
		}
		go l.proxyTCP(c)
	}
}

// track adds c to (or removes it from) the connections shutdown cuts; it
// reports false when the listener is already shut.
func (l *listener) track(c net.Conn, add bool) bool {
	l.connMu.Lock()
	defer l.connMu.Unlock()
	if !add {
		delete(l.conns, c)
		l.connWG.Done()
		return true
	}
	if l.closed.Load() {
		return false
	}
	l.conns[c] = struct{}{}
	l.connWG.Add(1)
	return true
}

// proxyTCP connects c to an instance, trying a second one when the first
// cannot be reached, and copies both ways until both sides are done or
// the instance's drain ends.
func (l *listener) proxyTCP(c net.Conn) {
	defer l.track(c, false)
	defer c.Close()
	p := l.tcpPool.Load()
	if p == nil {
		return
	}
	b := p.pick(nil)
	if b == nil {
		l.m.logger.Debug("connection refused: no passing instance", "service", p.service, "client", c.RemoteAddr().String())
		return
	}
	up, err := l.m.dialer.DialContext(b.gone, "tcp", b.addr)
	if err != nil {
		other := p.pick(b)
		if other == nil {
			l.m.logger.Debug("cannot reach instance", "service", p.service, "instance", b.addr, "error", err)
			return
		}
		b = other
		if up, err = l.m.dialer.DialContext(b.gone, "tcp", b.addr); err != nil {
			l.m.logger.Debug("cannot reach instance", "service", p.service, "instance", b.addr, "error", err)
			return
		}
	}
	defer up.Close()
	b.active.Add(1)
	defer b.active.Add(-1)
	stop := context.AfterFunc(b.gone, func() {
		c.Close()
		up.Close()
	})
	defer stop()
	pipe(c, up)
}

// pipe copies a to b and b to a; each direction's end is passed on as a
// half close, and pipe returns when both have ended.
func pipe(a, b net.Conn) {
	done := make(chan struct{})
	go func() {
		copyHalf(b, a)
		close(done)
	}()
	copyHalf(a, b)
	<-done
}

// copyHalf copies src to dst, then closes dst for writing (or whole, for
// a connection that cannot half close).
func copyHalf(dst, src net.Conn) {
	io.Copy(dst, src)
	if cw, ok := dst.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	} else {
		dst.Close()
	}
}
