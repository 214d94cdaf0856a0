// Command nodesim runs a fleet of simulated client nodes against running
// nomadish servers until interrupted, printing its counters every few
// seconds. It is a load-test tool, not part of the nomadish CLI:
//
//	go run ./e2e/cmd/nodesim -servers 127.0.0.1:4647 -nodes 5000
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/e2e/nodesim"
)

func main() {
	var cfg nodesim.Config
	var servers, logLevel string
	var every time.Duration
	flag.StringVar(&servers, "servers", "127.0.0.1:4647", "comma-separated RPC addresses of the servers")
	flag.IntVar(&cfg.Nodes, "nodes", 1000, "how many nodes to simulate")
	flag.StringVar(&cfg.Datacenter, "datacenter", "dc1", "datacenter of every node")
	flag.StringVar(&cfg.NodePool, "node-pool", "default", "node pool of every node")
	flag.StringVar(&cfg.NamePrefix, "name-prefix", "sim", "node names are <prefix>-<n>")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "seed of node IDs")
	flag.DurationVar(&every, "report", 5*time.Second, "how often to print counters")
	flag.StringVar(&logLevel, "log-level", "warn", "log level")
	flag.Parse()
	cfg.Servers = strings.Split(servers, ",")
	cfg.Logger = hclog.New(&hclog.LoggerOptions{Name: "nodesim", Level: hclog.LevelFromString(logLevel)})

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	sim, err := nodesim.Start(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("registered %d nodes in %s\n", cfg.Nodes, time.Since(start).Round(time.Millisecond))
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			sim.Stop()
			return
		case <-tick.C:
			fmt.Printf("%+v\n", sim.Stats())
		}
	}
}
