package agent

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/nomadish/nomadish/nomadish"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// forwardedHeader marks a client request one agent proxied to the node
// running the allocation, so that the node never proxies it again.
const forwardedHeader = "X-Nomadish-Client-Forwarded"

// regionForwardedHeader marks a client request an agent of another
// region proxied to a server agent of the allocation's region (its value
// is that other region), so that it is never proxied to a region again.
const regionForwardedHeader = "X-Nomadish-Region-Forwarded"

// Bounds on reaching another node's HTTP API: connecting, and waiting for
// its answer's headers (a followed log stream sends them at once).
const (
	proxyDialTimeout   = 5 * time.Second
	proxyHeaderTimeout = 15 * time.Second
)

func (s *HTTPServer) registerClientRoutes() {
	s.route("/v1/client/fs/logs/{alloc}", methods{http.MethodGet: s.clientLogs})
	s.route("/v1/client/fs/ls/{alloc}", methods{http.MethodGet: s.clientFSList})
	s.route("/v1/client/fs/stat/{alloc}", methods{http.MethodGet: s.clientFSStat})
	s.route("/v1/client/fs/cat/{alloc}", methods{http.MethodGet: s.clientFSCat})
	s.route("/v1/client/fs/readat/{alloc}", methods{http.MethodGet: s.clientFSReadAt})
	s.route("/v1/client/fs/stream/{alloc}", methods{http.MethodGet: s.clientFSStream})
	s.route("/v1/client/allocation/{alloc}/restart", methods{http.MethodPut: s.clientAllocRestart, http.MethodPost: s.clientAllocRestart})
	s.route("/v1/client/allocation/{alloc}/signal", methods{http.MethodPut: s.clientAllocSignal, http.MethodPost: s.clientAllocSignal})
	s.route("/v1/client/allocation/{alloc}/stats", methods{http.MethodGet: s.clientAllocStats})
	s.route("/v1/client/allocation/{alloc}/exec", methods{http.MethodGet: s.clientAllocExec})
	s.registerClientStatsRoutes()
	s.registerClientChecksRoutes() // client_checks_endpoint.go
	// Nomad's API also serves restart and signal under /v1/allocation.
	s.route("/v1/allocation/{alloc}/restart", methods{http.MethodPut: s.clientAllocRestart, http.MethodPost: s.clientAllocRestart})
	s.route("/v1/allocation/{alloc}/signal", methods{http.MethodPut: s.clientAllocSignal, http.MethodPost: s.clientAllocSignal})
}

// allocHandler answers a client request for an allocation this agent's
// client holds.
type allocHandler func(w http.ResponseWriter, r *http.Request, la localAlloc) (interface{}, error)

// onAlloc runs h when the allocation named by the path is on this agent's
// client. Otherwise it looks the allocation up on the servers and proxies
// the request to its node's HTTP API; check, when set, first vets the
// request against the allocation (e.g. its task names) so that a bad
// request is refused before any proxying.
func (s *HTTPServer) onAlloc(check func(r *http.Request, a *structs.Allocation) error, h allocHandler) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) (interface{}, error) {
		id := r.PathValue("alloc")
		if id == "" {
			return nil, badRequest("missing allocation ID in the path")
		}
		if s.client != nil {
			if la, ok := s.client.Alloc(id); ok {
				if check != nil {
					if err := check(r, la.Alloc()); err != nil {
						return nil, err
					}
				}
				return h(w, r, la)
			}
		}
		if r.Header.Get(forwardedHeader) != "" {
			return nil, &CodedError{Code: http.StatusNotFound,
				Msg: fmt.Sprintf("allocation %q is not running on this node (its client does not hold it)", id)}
		}
		if region := r.URL.Query().Get("region"); region != "" && region != s.agent.region() && r.Header.Get(regionForwardedHeader) == "" {
			if addr := s.regionHTTPAddr(region); addr != "" {
				// The allocation's region finds its node and reaches
				// it; this agent may have no route to that node.
				s.proxyTo(w, r, addr, fmt.Sprintf("a server of region %q", region), map[string]string{regionForwardedHeader: s.agent.region()})
				return written{}, nil
			}
		}
		alloc, node, err := s.allocNode(r, id)
		if err != nil {
			return nil, err
		}
		if check != nil {
			if err := check(r, alloc); err != nil {
				return nil, err
			}
		}
		if s.client != nil && node.ID == s.client.NodeID() {
			return nil, &CodedError{Code: http.StatusNotFound,
				Msg: fmt.Sprintf("allocation %q is placed on this node but its client does not hold it (not started yet, or already removed)", id)}
		}
		s.proxyToNode(w, r, node)
		return written{}, nil
	}
}

// allocNode looks up an allocation and the node it is placed on.
func (s *HTTPServer) allocNode(r *http.Request, id string) (*structs.Allocation, *structs.Node, error) {
	var q structs.QueryOptions
	if err := s.parseQueryOptions(r, &q); err != nil {
		return nil, nil, err
	}
	q.MinQueryIndex, q.MaxQueryTime, q.Prefix = 0, 0, ""
	var ar structs.SingleAllocResponse
	if err := s.backend.RPC("Alloc.GetAlloc", &structs.AllocSpecificRequest{AllocID: id, QueryOptions: q}, &ar); err != nil {
		return nil, nil, err
	}
	if ar.Alloc == nil {
		return nil, nil, &CodedError{Code: http.StatusNotFound, Msg: fmt.Sprintf("allocation %q not found (the client endpoints take a full allocation ID)", id)}
	}
	var nr structs.SingleNodeResponse
	if err := s.backend.RPC("Node.GetNode", &structs.NodeSpecificRequest{NodeID: ar.Alloc.NodeID, QueryOptions: q}, &nr); err != nil {
		return nil, nil, err
	}
	switch {
	case nr.Node == nil:
		return nil, nil, &CodedError{Code: http.StatusNotFound, Msg: fmt.Sprintf("node %q of allocation %q not found", ar.Alloc.NodeID, id)}
	case nr.Node.HTTPAddr == "":
		return nil, nil, &CodedError{Code: http.StatusNotFound, Msg: fmt.Sprintf("node %q of allocation %q has no HTTP address registered", nr.Node.ID, id)}
	}
	return ar.Alloc, nr.Node, nil
}

// proxyToNode forwards the request to the node's HTTP API and streams its
// answer back.
func (s *HTTPServer) proxyToNode(w http.ResponseWriter, r *http.Request, node *structs.Node) {
	s.proxyTo(w, r, node.HTTPAddr, fmt.Sprintf("node %s (%s) running the allocation", node.Name, node.ID), map[string]string{forwardedHeader: "1"})
}

// proxyTo forwards the request to the agent at addr (host:port), described
// as what in errors, with the marking headers set, and streams its answer
// back.
func (s *HTTPServer) proxyTo(w http.ResponseWriter, r *http.Request, addr, what string, headers map[string]string) {
	target := &url.URL{Scheme: "http", Host: addr}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = addr
			for k, v := range headers {
				pr.Out.Header.Set(k, v)
			}
			// This agent has vetted the browser's origin (checkWriteOrigin,
			// exec's check); to the far agent the request comes from this
			// agent, whose own origin would not match.
			for _, h := range browserOriginHeaders {
				pr.Out.Header.Del(h)
			}
		},
		Transport:     s.proxyTransport(),
		FlushInterval: -1, // log streams: pass every frame on at once
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			s.logger.Warn("proxying a client request failed", "to", what, "http_addr", addr, "path", r.URL.Path, "error", err)
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprintf(w, "%s could not be reached at %s: %v", what, addr, err)
		},
	}
	s.logger.Debug("proxying client request", "to", what, "http_addr", addr, "path", r.URL.Path)
	rp.ServeHTTP(w, r)
}

// regionHTTPAddr is the HTTP address of a live server agent of region,
// chosen at random, from the WAN pool's gossip; "" when none is known
// (a client-only agent, or servers that gossip no HTTP address).
func (s *HTTPServer) regionHTTPAddr(region string) string {
	var addrs []string
	for _, m := range s.backend.WANMembers() {
		if r, addr, ok := nomadish.ServerHTTPAddr(m); ok && r == region {
			addrs = append(addrs, addr)
		}
	}
	if len(addrs) == 0 {
		return ""
	}
	return addrs[rand.IntN(len(addrs))]
}

func (s *HTTPServer) proxyTransport() *http.Transport {
	return s.proxy
}

// newProxyTransport is the transport client requests are forwarded with.
func newProxyTransport() *http.Transport {
	return &http.Transport{
		DialContext:           (&net.Dialer{Timeout: proxyDialTimeout}).DialContext,
		ResponseHeaderTimeout: proxyHeaderTimeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       time.Minute,
	}
}

// groupTasks lists the task names of the allocation's group, sorted.
func groupTasks(a *structs.Allocation) []string {
	var names []string
	if a != nil && a.Job != nil {
		if tg := a.Job.LookupTaskGroup(a.TaskGroup); tg != nil {
			for _, t := range tg.Tasks {
				names = append(names, t.Name)
			}
		}
	}
	sort.Strings(names)
	return names
}

// checkTask refuses a task name the allocation's group does not have.
// An empty name is accepted when allowEmpty (every task).
func checkTask(a *structs.Allocation, task string, allowEmpty bool) error {
	if a == nil || a.Job == nil {
		// Nothing to check against: the client decides.
		if task == "" && !allowEmpty {
			return badRequest("missing task name")
		}
		return nil
	}
	tasks := groupTasks(a)
	if task == "" {
		if allowEmpty {
			return nil
		}
		return badRequest("missing task name: allocation %s has tasks %s", a.ID, strings.Join(tasks, ", "))
	}
	for _, t := range tasks {
		if t == task {
			return nil
		}
	}
	return badRequest("task %q is not in allocation %s (group %q); its tasks: %s", task, a.ID, a.TaskGroup, strings.Join(tasks, ", "))
}

// fsError maps an allocation file error to a status.
func fsError(path string, err error) error {
	switch {
	case errors.Is(err, errPathEscapes):
		return badRequest("path %q: %v", path, err)
	case errors.Is(err, os.ErrNotExist):
		return &CodedError{Code: http.StatusNotFound, Msg: fmt.Sprintf("path %q not found in the allocation directory", path)}
	case errors.Is(err, context.Canceled):
		return err
	}
	var ce *CodedError
	if errors.As(err, &ce) {
		return err
	}
	return fmt.Errorf("path %q: %w", path, err)
}
