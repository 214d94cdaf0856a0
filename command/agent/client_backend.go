package agent

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/hashicorp/serf/serf"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// errNoServer answers the server-only calls (gossip members, join) on an
// agent that runs only the client.
var errNoServer = &CodedError{Code: http.StatusNotImplemented,
	Msg: "this agent runs no server: gossip membership and join are answered by server agents; point -address at a server"}

// clientBackend is the HTTP API's backend on an agent that runs only the
// client: every RPC goes to a server through the client's connection,
// which fails over between the servers it knows.
type clientBackend struct {
	client localClient
	region string
}

func (b *clientBackend) RPC(method string, args, reply interface{}) error {
	return b.client.RPC(method, args, reply)
}

// serverless marks the backend for the handlers that need a server of
// their own (members, join).
func (b *clientBackend) serverless() error { return errNoServer }

func (b *clientBackend) LANMembers() []serf.Member { return nil }
func (b *clientBackend) WANMembers() []serf.Member { return nil }
func (b *clientBackend) JoinLAN([]string) (int, error) {
	return 0, errNoServer
}
func (b *clientBackend) JoinWAN([]string) (int, error) {
	return 0, errNoServer
}

// Regions is the agent's own region: a client does not see the WAN pool.
func (b *clientBackend) Regions() []string { return []string{b.region} }

// Leader asks a server for the leader's address; "" when none answers.
func (b *clientBackend) Leader() string {
	var leader string
	args := structs.GenericRequest{QueryOptions: structs.QueryOptions{Region: b.region, AllowStale: true}}
	if err := b.client.RPC("Status.Leader", &args, &leader); err != nil {
		return ""
	}
	return leader
}

func (b *clientBackend) Stats() map[string]map[string]string {
	return map[string]map[string]string{"nomad": {"server": "false"}}
}

// serverless reports the error the server-only endpoints answer when the
// backend has no server of its own, or nil.
func serverless(b backend) error {
	if s, ok := b.(interface{ serverless() error }); ok {
		return s.serverless()
	}
	return nil
}

// clientStats is the "client" section of /v1/agent/self's stats, as Nomad
// shows it: node_id, known_servers, num_allocations.
func clientStats(c localClient) map[string]string {
	return map[string]string{
		"node_id":         c.NodeID(),
		"known_servers":   strings.Join(c.Servers(), ","),
		"num_allocations": strconv.Itoa(c.NumAllocs()),
	}
}
