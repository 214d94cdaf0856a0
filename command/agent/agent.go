package agent

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/nomadish/nomadish/nomadish"
)

// ErrClientOnly is returned for an agent with the client enabled and the
// server not: the client is not built yet.
var ErrClientOnly = errors.New("the client is not built yet: run with -server (or server { enabled = true }) or -dev")

// Agent is one running agent process: the server (the client comes later),
// the metrics sinks and the HTTP API.
type Agent struct {
	config *Config
	logger hclog.Logger

	server  *nomadish.Server
	metrics *metricsSinks
	http    *HTTPServer

	httpLn  net.Listener
	httpSrv *http.Server
	// httpErr receives the HTTP server's error if it stops on its own.
	httpErr chan error

	shutdownOnce sync.Once
}

// NewAgent starts the server and the HTTP API described by cfg, which must
// have passed Validate.
func NewAgent(cfg *Config, logger hclog.Logger) (*Agent, error) {
	if !cfg.Server.Enabled {
		return nil, ErrClientOnly
	}
	a := &Agent{config: cfg, logger: logger, httpErr: make(chan error, 1)}
	var err error
	if a.metrics, err = newMetricsSinks(true); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	sc, err := cfg.serverConfig(logger)
	if err != nil {
		return nil, err
	}
	if a.server, err = nomadish.NewServer(sc); err != nil {
		return nil, fmt.Errorf("start server: %w", err)
	}
	if cfg.Client.Enabled {
		logger.Warn("client is not built yet; running the server only")
	}

	a.http = newHTTPServer(a.server, cfg, a.metrics, logger)
	if a.httpLn, err = listenHTTP(orDefault(cfg.Addresses.HTTP, cfg.BindAddr), cfg.Ports.HTTP); err != nil {
		a.server.Shutdown()
		return nil, err
	}
	a.httpSrv = &http.Server{
		Handler:           a.http,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          logger.Named("http").StandardLogger(&hclog.StandardLoggerOptions{InferLevels: true}),
	}
	go func() {
		if err := a.httpSrv.Serve(a.httpLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.httpErr <- err
		}
	}()
	logger.Info("http api started", "address", a.HTTPAddr())
	return a, nil
}

// HTTPAddr is the address the HTTP API listens on, e.g. 127.0.0.1:4646.
func (a *Agent) HTTPAddr() string { return a.httpLn.Addr().String() }

// RPCAddr is the server's advertised RPC address.
func (a *Agent) RPCAddr() string { return a.server.RPCAdvertise().String() }

// SerfAddrs are the LAN and WAN gossip addresses this server advertises.
func (a *Agent) SerfAddrs() (lan, wan string) {
	for _, m := range a.server.LANMembers() {
		if m.Name == a.config.NodeName {
			lan = net.JoinHostPort(m.Addr.String(), strconv.Itoa(int(m.Port)))
		}
	}
	for _, m := range a.server.WANMembers() {
		if m.Name == a.config.NodeName+"."+a.config.Region {
			wan = net.JoinHostPort(m.Addr.String(), strconv.Itoa(int(m.Port)))
		}
	}
	return lan, wan
}

// HTTPErr yields an error if the HTTP server stops on its own.
func (a *Agent) HTTPErr() <-chan error { return a.httpErr }

// Leave leaves the cluster gracefully; Shutdown is still needed after.
func (a *Agent) Leave() error {
	return a.server.Leave()
}

// Shutdown stops the HTTP API, then the server. It is safe to call twice.
func (a *Agent) Shutdown() error {
	var err error
	a.shutdownOnce.Do(func() {
		// Blocking queries may hold requests for minutes: give ordinary
		// ones a moment to finish, then close what is left.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if a.httpSrv.Shutdown(ctx) != nil {
			a.httpSrv.Close()
		}
		cancel()
		err = a.server.Shutdown()
		if a.metrics.global != nil {
			a.metrics.global.Shutdown()
		}
	})
	return err
}

// SetLogLevel changes the level of every logger of the agent.
func (a *Agent) SetLogLevel(level hclog.Level) { a.logger.SetLevel(level) }
