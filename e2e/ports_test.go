//go:build e2e

package e2e

import (
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
)

// agentPorts are the four ports an agent listens on, all on 127.0.0.1.
type agentPorts struct {
	HTTP, RPC, Serf, SerfWAN int
}

// portRegistry hands out ports that were free a moment ago and never hands
// out the same one twice in a test binary, so that two agents of one test
// cannot be given the same port even before either has bound it.
var portRegistry = struct {
	mu   sync.Mutex // guards used
	used map[int]bool
}{used: map[int]bool{}}

// freePort asks the kernel for a free TCP port on 127.0.0.1, checks that the
// same UDP port is free too (serf gossips over both) and records it.
func freePort(t testing.TB) int {
	t.Helper()
	portRegistry.mu.Lock()
	defer portRegistry.mu.Unlock()
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("find a free port: %v", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		pc, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		l.Close()
		if err != nil {
			continue
		}
		pc.Close()
		if portRegistry.used[port] {
			continue
		}
		portRegistry.used[port] = true
		return port
	}
	t.Fatalf("find a free port: no unused TCP+UDP port on 127.0.0.1 after 50 tries")
	return 0
}

func newAgentPorts(t testing.TB) agentPorts {
	return agentPorts{HTTP: freePort(t), RPC: freePort(t), Serf: freePort(t), SerfWAN: freePort(t)}
}

func (p agentPorts) String() string {
	return fmt.Sprintf("http=%d rpc=%d serf=%d serf_wan=%d", p.HTTP, p.RPC, p.Serf, p.SerfWAN)
}
