package api

import (
	"errors"
	"net"
	"strconv"
)

// Agent is the /v1/agent endpoints, answered by the agent the client talks
// to rather than by the region's leader.
type Agent struct{ client *Client }

// Agent returns the agent endpoints.
func (c *Client) Agent() *Agent { return &Agent{client: c} }

// AgentSelf describes the agent: its configuration as a free-form map, its
// gossip Member (servers only) and its subsystem stats.
type AgentSelf struct {
	Config map[string]interface{}       `json:"config"`
	Member Member                       `json:"member"`
	Stats  map[string]map[string]string `json:"stats"`
}

// Member is a server in a gossip pool. Tags carry, among others, "region",
// "dc", "build", "raft_vsn", "rpc_addr" and "port" (the RPC port).
type Member struct {
	Name        string
	Addr        string
	Port        uint16
	Tags        map[string]string
	Status      string
	ProtocolMin uint8
	ProtocolMax uint8
	ProtocolCur uint8
	DelegateMin uint8
	DelegateMax uint8
	DelegateCur uint8
}

// RPCAddr returns the member's RPC address "host:port" from its tags, the
// same form /v1/status/leader returns, or "" if the tags lack it.
func (m *Member) RPCAddr() string {
	host, port := m.Tags["rpc_addr"], m.Tags["port"]
	if host == "" || port == "" {
		return ""
	}
	if _, err := strconv.Atoi(port); err != nil {
		return ""
	}
	return net.JoinHostPort(host, port)
}

// ServerMembers answers GET /v1/agent/members.
type ServerMembers struct {
	ServerName   string
	ServerRegion string
	ServerDC     string
	Members      []*Member
}

// AgentHealth is one half of a health answer.
type AgentHealth struct {
	Ok      bool   `json:"ok"`
	Message string `json:"message"`
}

// AgentHealthResponse answers GET /v1/agent/health; a half is nil when the
// agent does not run that part.
type AgentHealthResponse struct {
	Server *AgentHealth `json:"server,omitempty"`
	Client *AgentHealth `json:"client,omitempty"`
}

// joinResponse answers PUT /v1/agent/join.
type joinResponse struct {
	NumJoined int    `json:"num_joined"`
	Error     string `json:"error"`
}

// Self describes the agent.
func (a *Agent) Self() (*AgentSelf, error) {
	var resp AgentSelf
	if _, err := a.client.query("/v1/agent/self", &resp, nil); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Members lists the servers in the agent's LAN gossip pool (its region).
func (a *Agent) Members(q *QueryOptions) (*ServerMembers, error) {
	var resp ServerMembers
	if _, err := a.client.query("/v1/agent/members", &resp, q); err != nil {
		return nil, err
	}
	return &resp, nil
}

// MembersWAN lists the servers of every region in the WAN gossip pool.
func (a *Agent) MembersWAN(q *QueryOptions) (*ServerMembers, error) {
	var resp ServerMembers
	if _, err := a.client.query("/v1/agent/members?wan=true", &resp, q); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Health reports whether the agent's server and client parts are healthy.
// An unhealthy agent answers 500, which is returned as an error.
func (a *Agent) Health() (*AgentHealthResponse, error) {
	var resp AgentHealthResponse
	if _, err := a.client.query("/v1/agent/health", &resp, nil); err != nil {
		return nil, err
	}
	return &resp, nil
}

// ErrJoinedNone is returned by Join when the agent joined no server and gave
// no reason.
var ErrJoinedNone = errors.New("joined no servers")

// Join asks the agent to join the gossip pool through the given addresses
// and returns how many it reached. An error the agent reports is returned
// together with the count.
func (a *Agent) Join(addrs ...string) (int, error) {
	return a.join(false, addrs)
}

// JoinWAN is Join for the cross-region (WAN) gossip pool, which federates
// regions; addresses default to the WAN gossip port, 4649.
func (a *Agent) JoinWAN(addrs ...string) (int, error) {
	return a.join(true, addrs)
}

func (a *Agent) join(wan bool, addrs []string) (int, error) {
	r, err := a.client.newRequest("PUT", "/v1/agent/join")
	if err != nil {
		return 0, err
	}
	for _, addr := range addrs {
		r.params.Add("address", addr)
	}
	if wan {
		r.params.Set("wan", "true")
	}
	r.setWriteOptions(a.client, nil)
	resp, _, err := a.client.do(r)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var jr joinResponse
	if err := decodeBody(resp, &jr, "PUT /v1/agent/join"); err != nil {
		return 0, err
	}
	if jr.Error != "" {
		return jr.NumJoined, errors.New(jr.Error)
	}
	if jr.NumJoined == 0 {
		return 0, ErrJoinedNone
	}
	return jr.NumJoined, nil
}
