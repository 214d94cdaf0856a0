package workload

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/rpc"
	"sync"
	"time"

	"github.com/google/uuid"
	msgpackrpc "github.com/hashicorp/net-rpc-msgpackrpc/v2"
	"github.com/nomadish/nomadish/e2e/chaos/history"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// rpcTypeNomad is the first byte of a plain msgpack net/rpc connection to
// a server's RPC port.
const rpcTypeNomad = 0x01

// NodeConfig describes the simulated nodes: they register and heartbeat
// as a client agent does, over the servers' RPC port, each call to a
// random server (which forwards it to the leader), and take no work:
// their datacenter is one no chaos job names.
type NodeConfig struct {
	Servers    []string // RPC addresses
	Nodes      int      // default 3
	Datacenter string   // default "chaos-sim"
	Timeout    time.Duration
	Seed       uint64
}

// RunNodes runs the simulated nodes until ctx ends and records every
// register and heartbeat. Client numbers start at firstClient, so that
// they do not collide with the job clients'.
func RunNodes(ctx context.Context, cfg NodeConfig, firstClient int, rec *history.Recorder, stats *Stats) {
	if cfg.Nodes == 0 {
		cfg.Nodes = 3
	}
	if cfg.Datacenter == "" {
		cfg.Datacenter = "chaos-sim"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 3 * time.Second
	}
	var wg sync.WaitGroup
	for i := range cfg.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(cfg.Seed, 1000+uint64(i)))
			n := simNode(rng, cfg.Datacenter, i)
			nodeLoop(ctx, cfg, firstClient+i, n, rng, rec, stats)
		}()
	}
	wg.Wait()
}

func nodeLoop(ctx context.Context, cfg NodeConfig, client int, n *structs.Node, rng *rand.Rand, rec *history.Recorder, stats *Stats) {
	registered := false
	ttl := time.Second
	for ctx.Err() == nil {
		srv := cfg.Servers[rng.IntN(len(cfg.Servers))]
		op := history.Op{Client: client, Server: srv, JobID: n.ID}
		var resp structs.NodeUpdateResponse
		_, finish := rec.Begin()
		var err error
		if !registered {
			op.Kind = history.NodeRegister
			err = call(srv, cfg.Timeout, "Node.Register", &structs.NodeRegisterRequest{Node: n}, &resp)
		} else {
			op.Kind = history.Heartbeat
			err = call(srv, cfg.Timeout, "Node.UpdateStatus", &structs.NodeUpdateStatusRequest{
				NodeID: n.ID, SecretID: n.SecretID, Status: structs.NodeStatusReady}, &resp)
		}
		wait := ttl / 2
		switch {
		case err == nil:
			op.OK, op.Index = true, resp.NodeModifyIndex
			registered = true
			if resp.HeartbeatTTL > 0 {
				ttl = resp.HeartbeatTTL
			}
			wait = ttl / 2
		default:
			op.Err = err.Error()
			var se rpc.ServerError
			if errors.As(err, &se) {
				// The server answered: a refusal unless it says the
				// cluster had no leader, whose write may have been
				// committed before the answer.
				op.Unknown = structs.IsErrNoLeader(err)
				if structs.IsErrNotFound(err) {
					registered = false
				}
			} else {
				op.Unknown = true
			}
			wait = 200 * time.Millisecond
		}
		finish(op)
		stats.add(op.Kind, outcome(&op))
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
}

// call makes one RPC on a fresh connection whose every read and write is
// bounded by timeout, so that a paused or cut-off server costs one
// timeout and nothing lingers.
func call(addr string, timeout time.Duration, method string, args, reply any) error {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return fmt.Errorf("rpc %s to %s: %w", method, addr, err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	if _, err := conn.Write([]byte{rpcTypeNomad}); err != nil {
		return fmt.Errorf("rpc %s to %s: %w", method, addr, err)
	}
	c := rpc.NewClientWithCodec(msgpackrpc.NewCodecFromHandle(true, true, conn, structs.MsgpackHandle))
	defer c.Close()
	return c.Call(method, args, reply)
}

// simNode is a node with the attributes a scheduler looks at, seeded so
// that a run's nodes are the same every time.
func simNode(rng *rand.Rand, dc string, i int) *structs.Node {
	var b [16]byte
	for j := range b {
		b[j] = byte(rng.UintN(256))
	}
	id := uuid.Must(uuid.FromBytes(b[:]))
	id[6] = (id[6] & 0x0f) | 0x40
	id[8] = (id[8] & 0x3f) | 0x80
	name := fmt.Sprintf("sim-%d", i)
	ip := fmt.Sprintf("10.99.0.%d", i+1)
	return &structs.Node{
		ID:         id.String(),
		SecretID:   uuid.NewString(),
		Datacenter: dc,
		Name:       name,
		NodePool:   "default",
		HTTPAddr:   ip + ":4646",
		Attributes: map[string]string{
			"kernel.name": "linux", "os.name": "debian", "cpu.arch": "amd64",
			"cpu.numcores": "2", "cpu.totalcompute": "2000", "memory.totalbytes": "2147483648",
			"driver.mock": "1", "unique.hostname": name, "unique.network.ip-address": ip,
		},
		NodeResources: &structs.NodeResources{
			Cpu:      structs.NodeCpuResources{CpuShares: 2000, TotalCpuCores: 2},
			Memory:   structs.NodeMemoryResources{MemoryMB: 2048},
			Disk:     structs.NodeDiskResources{DiskMB: 10 * 1024},
			Networks: []*structs.NetworkResource{{Mode: "host", Device: "eth0", CIDR: ip + "/32", IP: ip, MBits: 1000}},
		},
		Drivers: map[string]*structs.DriverInfo{
			"mock": {Detected: true, Healthy: true, HealthDescription: "Healthy", UpdateTime: time.Now().UnixNano()},
		},
		Status: structs.NodeStatusReady,
	}
}
