package agent

import (
	"net/http"
	"runtime"
	"sort"
	"strconv"

	"github.com/hashicorp/serf/serf"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func (s *HTTPServer) registerAgentRoutes() {
	s.route("/v1/agent/self", methods{http.MethodGet: s.agentSelf})
	s.route("/v1/agent/members", methods{http.MethodGet: s.agentMembers})
	s.route("/v1/agent/join", methods{http.MethodPut: s.agentJoin, http.MethodPost: s.agentJoin})
	s.route("/v1/agent/health", methods{http.MethodGet: s.agentHealth})
}

// Member is a server in a gossip pool, as /v1/agent/members shows it.
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

func toMember(m serf.Member) Member {
	addr := ""
	if m.Addr != nil {
		addr = m.Addr.String()
	}
	return Member{
		Name:        m.Name,
		Addr:        addr,
		Port:        m.Port,
		Tags:        m.Tags,
		Status:      m.Status.String(),
		ProtocolMin: m.ProtocolMin,
		ProtocolMax: m.ProtocolMax,
		ProtocolCur: m.ProtocolCur,
		DelegateMin: m.DelegateMin,
		DelegateMax: m.DelegateMax,
		DelegateCur: m.DelegateCur,
	}
}

// membersResponse answers GET /v1/agent/members.
type membersResponse struct {
	ServerName   string
	ServerRegion string
	ServerDC     string
	Members      []Member
}

// selfResponse answers GET /v1/agent/self.
type selfResponse struct {
	Config *Config                      `json:"config"`
	Member *Member                      `json:"member"`
	Stats  map[string]map[string]string `json:"stats"`
}

type healthResponse struct {
	Server *healthPart `json:"server,omitempty"`
	Client *healthPart `json:"client,omitempty"`
}

type healthPart struct {
	Ok      bool   `json:"ok"`
	Message string `json:"message"`
}

type joinResponse struct {
	NumJoined int    `json:"num_joined"`
	Error     string `json:"error"`
}

func (s *HTTPServer) agentSelf(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	out := selfResponse{Config: s.agent.config, Stats: map[string]map[string]string{}}
	if self, ok := s.selfMember(); ok {
		out.Member = &self
	}
	for k, v := range s.backend.Stats() {
		out.Stats[k] = v
	}
	if s.client != nil {
		out.Stats["client"] = clientStats(s.client)
	}
	if _, ok := out.Stats["runtime"]; ok {
		return out, nil
	}
	out.Stats["runtime"] = map[string]string{
		"goroutines": strconv.Itoa(runtime.NumGoroutine()),
		"cpu_count":  strconv.Itoa(runtime.NumCPU()),
		"version":    runtime.Version(),
		"arch":       runtime.GOARCH,
		"os":         runtime.GOOS,
	}
	return out, nil
}

// selfMember finds this agent in the LAN pool. Server gossip names may
// carry the region as a suffix ("name.region").
func (s *HTTPServer) selfMember() (Member, bool) {
	if s.agent.config == nil {
		return Member{}, false
	}
	name := s.agent.config.NodeName
	for _, m := range s.backend.LANMembers() {
		if m.Name == name || m.Name == name+"."+s.agent.region() {
			return toMember(m), true
		}
	}
	return Member{}, false
}

func (s *HTTPServer) agentMembers(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	if err := serverless(s.backend); err != nil {
		return nil, err
	}
	wan, err := boolParam(r, "wan")
	if err != nil {
		return nil, err
	}
	pool := s.backend.LANMembers()
	if wan {
		pool = s.backend.WANMembers()
	}
	out := membersResponse{ServerRegion: s.agent.region(), Members: make([]Member, 0, len(pool))}
	if c := s.agent.config; c != nil {
		out.ServerName, out.ServerDC = c.NodeName, c.Datacenter
	}
	for _, m := range pool {
		out.Members = append(out.Members, toMember(m))
	}
	sort.Slice(out.Members, func(i, j int) bool { return out.Members[i].Name < out.Members[j].Name })
	return out, nil
}

// agentJoin joins the LAN pool (or with ?wan=true the WAN pool) through
// each ?address=; the answer counts the successes and carries the error of
// the failures, with status 200 as in Nomad.
func (s *HTTPServer) agentJoin(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	if err := serverless(s.backend); err != nil {
		return nil, err
	}
	addrs := r.URL.Query()["address"]
	if len(addrs) == 0 {
		return nil, badRequest("missing address: want ?address=HOST:PORT (repeatable)")
	}
	wan, err := boolParam(r, "wan")
	if err != nil {
		return nil, err
	}
	join := s.backend.JoinLAN
	if wan {
		join = s.backend.JoinWAN
	}
	n, err := join(addrs)
	out := joinResponse{NumJoined: n}
	if err != nil {
		out.Error = err.Error()
	}
	return out, nil
}

// agentHealth is 200 when every part the agent runs is healthy and 500
// otherwise, with the same body shape either way. The server part is
// healthy when it knows a leader; the client part when it has a node ID
// and reaches a server that knows one.
func (s *HTTPServer) agentHealth(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	var out healthResponse
	ok := true
	leader := s.backend.Leader()
	if serverless(s.backend) == nil {
		out.Server = &healthPart{Ok: leader != "", Message: "ok"}
		if leader == "" {
			out.Server.Message = structs.ErrNoLeader.Error()
			ok = false
		}
	}
	if s.client != nil {
		out.Client = &healthPart{Ok: true, Message: "ok"}
		switch {
		case s.client.NodeID() == "":
			out.Client.Ok, out.Client.Message = false, "the client has no node ID yet"
		case leader == "":
			out.Client.Ok, out.Client.Message = false, "no server with a known leader reachable: "+structs.ErrNoLeader.Error()
		}
		ok = ok && out.Client.Ok
	}
	if !ok {
		return statusObject{code: http.StatusInternalServerError, obj: out}, nil
	}
	return out, nil
}
