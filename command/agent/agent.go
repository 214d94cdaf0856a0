package agent

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	sockaddr "github.com/hashicorp/go-sockaddr"

	"github.com/nomadish/nomadish/command/agent/lb"
	"github.com/nomadish/nomadish/nomadish"
)

// Agent is one running agent process: the server, the client or both, the
// metrics sinks and the HTTP API.
type Agent struct {
	config *Config
	logger hclog.Logger

	server *nomadish.Server // nil on a client-only agent
	client localClient      // nil on a server-only agent
	// tempDir is the client's data directory under -dev without a
	// data_dir, removed at shutdown.
	tempDir string

	metrics *metricsSinks
	http    *HTTPServer

	httpLn  net.Listener
	httpSrv *http.Server
	// httpErr receives the HTTP server's error if it stops on its own.
	httpErr chan error

	dns *DNSServer // nil when ports.dns is 0

	lb     *lb.Manager // nil without a client, or with client.lb off
	lbStop context.CancelFunc

	shutdownOnce sync.Once
}

// NewAgent starts the server and/or client and the HTTP API described by
// cfg, which must have passed Validate.
func NewAgent(cfg *Config, logger hclog.Logger) (_ *Agent, err error) {
	a := &Agent{config: cfg, logger: logger, httpErr: make(chan error, 1)}
	// Undo what was started if a later step fails.
	defer func() {
		if err != nil {
			a.stopParts()
		}
	}()
	if a.metrics, err = newMetricsSinks(true); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	// Listen before the server and client start: the server gossips, and
	// the client registers the node with, the HTTP address other agents
	// reach this one at.
	if a.httpLn, err = listenHTTP(orDefault(cfg.Addresses.HTTP, cfg.BindAddr), cfg.Ports.HTTP); err != nil {
		return nil, err
	}
	if cfg.Server.Enabled {
		sc, err := cfg.serverConfig(logger)
		if err != nil {
			return nil, err
		}
		if adv, err := a.advertiseHTTP(); err == nil {
			sc.HTTPAdvertise = adv
		} else {
			logger.Warn("agents of other regions cannot reach this region's nodes through this server", "error", err)
		}
		if a.server, err = nomadish.NewServer(sc); err != nil {
			return nil, fmt.Errorf("start server: %w", err)
		}
	}
	if cfg.Client.Enabled {
		if err := a.startClient(); err != nil {
			return nil, err
		}
	}

	var b backend
	if a.server != nil {
		b = a.server
	} else {
		b = &clientBackend{client: a.client, region: cfg.Region}
	}
	if err := a.startDNS(b); err != nil {
		return nil, err
	}
	a.startLB(b)
	a.http = newHTTPServer(b, cfg, a.metrics, logger)
	a.http.client = a.client
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

// startClient starts the client part: its data lives in data_dir, or in
// a temporary directory under -dev without one.
func (a *Agent) startClient() error {
	cfg := a.config
	dataDir := cfg.DataDir
	if dataDir == "" {
		dir, err := os.MkdirTemp("", "nomadish-dev-client-")
		if err != nil {
			return fmt.Errorf("client data dir: %w", err)
		}
		a.tempDir, dataDir = dir, dir
	}
	serverRPC := ""
	if a.server != nil {
		serverRPC = a.RPCAddr()
	}
	httpAddr, err := a.advertiseHTTP()
	if err != nil {
		return err
	}
	s, err := cfg.clientSettings(dataDir, serverRPC, httpAddr, cfg.Drivers, a.logger.Named("client"))
	if err != nil {
		return err
	}
	c, err := startClient(s)
	if errors.Is(err, errNoClientPackage) && a.server != nil {
		a.logger.Warn("client not available in this build; running the server only")
		if a.tempDir != "" {
			os.RemoveAll(a.tempDir)
			a.tempDir = ""
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("start client: %w", err)
	}
	a.client = c
	a.logger.Info("client started", "node_id", c.NodeID(), "data_dir", dataDir, "servers", s.Servers, "drivers", s.Drivers)
	return nil
}

// advertiseHTTP is the HTTP address other agents reach this one at:
// advertise.http, else the listener's address when it is bound to one
// IP, else the first private IP with the listener's port.
func (a *Agent) advertiseHTTP() (string, error) {
	port := a.httpLn.Addr().(*net.TCPAddr).Port
	if adv := a.config.Advertise.HTTP; adv != "" {
		host, p, err := splitAdvertise(adv, port)
		if err != nil {
			return "", fmt.Errorf("advertise.http: %w", err)
		}
		return net.JoinHostPort(host, strconv.Itoa(p)), nil
	}
	ip := a.httpLn.Addr().(*net.TCPAddr).IP
	if !ip.IsUnspecified() {
		return a.httpLn.Addr().String(), nil
	}
	priv, err := sockaddr.GetPrivateIP()
	if err != nil || priv == "" {
		return "", fmt.Errorf("advertise.http: the HTTP listener binds to all interfaces and no private IP was found to advertise; set advertise { http = \"IP\" }")
	}
	return net.JoinHostPort(priv, strconv.Itoa(port)), nil
}

// HTTPAddr is the address the HTTP API listens on, e.g. 127.0.0.1:4646.
func (a *Agent) HTTPAddr() string { return a.httpLn.Addr().String() }

// RPCAddr is the server's advertised RPC address; "" without a server.
func (a *Agent) RPCAddr() string {
	if a.server == nil {
		return ""
	}
	return a.server.RPCAdvertise().String()
}

// NodeID is the client's node ID; "" without a client.
func (a *Agent) NodeID() string {
	if a.client == nil {
		return ""
	}
	return a.client.NodeID()
}

// SerfAddrs are the LAN and WAN gossip addresses this server advertises;
// empty without a server.
func (a *Agent) SerfAddrs() (lan, wan string) {
	if a.server == nil {
		return "", ""
	}
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

// Leave leaves the cluster gracefully; Shutdown is still needed after. A
// client has nothing to leave: its node is marked down by missed
// heartbeats, or stays up if the agent comes back in time.
func (a *Agent) Leave() error {
	if a.server == nil {
		return nil
	}
	return a.server.Leave()
}

// Shutdown stops the HTTP API, then the client (its tasks keep running)
// and the server. It is safe to call twice.
func (a *Agent) Shutdown() error {
	var err error
	a.shutdownOnce.Do(func() {
		if a.httpSrv != nil {
			// Blocking queries may hold requests for minutes: give
			// ordinary ones a moment to finish, then close what is
			// left.
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			if a.httpSrv.Shutdown(ctx) != nil {
				a.httpSrv.Close()
			}
			cancel()
		}
		err = a.stopParts()
	})
	return err
}

// stopParts stops the client, the server and the metrics sinks and
// removes a temporary client data directory.
func (a *Agent) stopParts() error {
	var errs []error
	a.stopLB()
	if a.dns != nil {
		if err := a.dns.Shutdown(); err != nil {
			errs = append(errs, fmt.Errorf("dns shutdown: %w", err))
		}
	}
	if a.httpSrv == nil && a.httpLn != nil {
		a.httpLn.Close()
	}
	if a.client != nil {
		if err := a.client.Shutdown(); err != nil {
			errs = append(errs, fmt.Errorf("client shutdown: %w", err))
		}
	}
	if a.server != nil {
		if err := a.server.Shutdown(); err != nil {
			errs = append(errs, err)
		}
	}
	if a.tempDir != "" {
		if err := os.RemoveAll(filepath.Clean(a.tempDir)); err != nil {
			a.logger.Warn("removing the dev client data dir failed", "dir", a.tempDir, "error", err)
		}
	}
	if a.metrics != nil && a.metrics.global != nil {
		a.metrics.global.Shutdown()
	}
	return errors.Join(errs...)
}

// SetLogLevel changes the level of every logger of the agent.
func (a *Agent) SetLogLevel(level hclog.Level) { a.logger.SetLevel(level) }
