package lb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"sync"
	"time"
)

// errNoInstance is a request for a service none of whose instances is
// passing.
type errNoInstance struct{ service string }

func (e errNoInstance) Error() string {
	return fmt.Sprintf("service %s has no passing instance", e.service)
}

// instanceError is a request an instance did not answer.
type instanceError struct {
	service, addr string
	err           error
}

func (e *instanceError) Error() string {
	return fmt.Sprintf("service %s: instance %s: %v", e.service, e.addr, e.err)
}

func (e *instanceError) Unwrap() error { return e.err }

// newTransport is the connection pool every service's proxy shares.
func (m *Manager) newTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           m.dialer.DialContext,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   128,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// newProxy is the reverse proxy of one service: the standard library's,
// with the instance chosen per request by the pool's transport. The
// request keeps its Host header; X-Forwarded-For, -Host and -Proto are
// set.
func (m *Manager) newProxy(p *pool, base http.RoundTripper) http.Handler {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme = "http"
			pr.Out.URL.Host = p.service // replaced by the instance's address
			pr.SetXForwarded()
		},
		Transport:     &poolTransport{pool: p, base: base},
		FlushInterval: -1, // stream: server-sent events and long polls pass as they come
		ErrorLog:      m.logger.Named("http").StandardLogger(nil),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if r.Context().Err() != nil {
				return // the client left
			}
			var none errNoInstance
			if errors.As(err, &none) {
				http.Error(w, "nomadish lb: "+err.Error(), http.StatusServiceUnavailable)
				return
			}
			m.logger.Debug("request failed", "service", p.service, "error", err)
			http.Error(w, "nomadish lb: "+err.Error(), http.StatusBadGateway)
		},
	}
}

// poolTransport sends each request to an instance of its pool and, for a
// request that can be sent twice, once more to another instance when the
// first cannot be reached or answers 502 or 503.
type poolTransport struct {
	pool *pool
	base http.RoundTripper
}

func (t *poolTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	b := t.pool.pick(nil)
	if b == nil {
		return nil, errNoInstance{service: t.pool.service}
	}
	resp, err := t.send(b, req)
	if !retryable(req) || req.Context().Err() != nil || err == nil && resp.StatusCode != http.StatusBadGateway && resp.StatusCode != http.StatusServiceUnavailable {
		return resp, err
	}
	other := t.pool.pick(b)
	if other == nil {
		return resp, err
	}
	if resp != nil {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}
	return t.send(other, req)
}

// send sends req to b. The request is cut when b's drain ends; b counts
// it as active until its body is closed.
func (t *poolTransport) send(b *backend, req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancel(req.Context())
	stop := context.AfterFunc(b.gone, cancel)
	out := req.Clone(ctx)
	out.URL.Host = b.addr
	b.active.Add(1)
	var once sync.Once
	done := func() {
		once.Do(func() {
			b.active.Add(-1)
			stop()
			cancel()
		})
	}
	resp, err := t.base.RoundTrip(out)
	if err != nil {
		done()
		return nil, &instanceError{service: t.pool.service, addr: b.addr, err: err}
	}
	if rwc, ok := resp.Body.(io.ReadWriteCloser); ok && resp.StatusCode == http.StatusSwitchingProtocols {
		resp.Body = &upgradedBody{ReadWriteCloser: rwc, done: done}
	} else {
		resp.Body = &countedBody{ReadCloser: resp.Body, done: done}
	}
	return resp, nil
}

// retryable reports whether req may be sent a second time: an idempotent
// method and no body to send again.
func retryable(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
	default:
		return false
	}
	return req.Body == nil || req.Body == http.NoBody
}

// countedBody calls done when the response body is closed.
type countedBody struct {
	io.ReadCloser
	done func()
}

func (c *countedBody) Close() error {
	err := c.ReadCloser.Close()
	c.done()
	return err
}

// upgradedBody is countedBody for a switched protocol (WebSocket), which
// the reverse proxy writes to as well.
type upgradedBody struct {
	io.ReadWriteCloser
	done func()
}

func (c *upgradedBody) Close() error {
	err := c.ReadWriteCloser.Close()
	c.done()
	return err
}
