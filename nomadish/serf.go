package nomadish

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/serf/serf"
)

// Serf tags every server advertises in both pools.
const (
	tagRole      = "role"
	tagRegion    = "region"
	tagDC        = "dc"
	tagRPCAddr   = "rpc_addr"
	tagPort      = "port"
	tagBootstrap = "bootstrap"
	tagExpect    = "expect"
	tagBuild     = "build"
	tagVsn       = "vsn"
	tagRaftVsn   = "raft_vsn"
	tagID        = "id"
	tagWANPort   = "wan_port" // LAN only: where to reach this server's WAN pool
	// TagHTTPAddr is the host:port of the server agent's HTTP API, which
	// agents of other regions send client requests (logs, fs, exec) to.
	TagHTTPAddr = "http_addr"

	roleServer     = "nomadish"
	serfVsn        = "1"
	serfEventQueue = 2048
	serfLANSnap    = "serf/local.snapshot"
	serfWANSnap    = "serf/wan.snapshot"
)

// serverParts is what a gossip member says about a server.
type serverParts struct {
	Name       string
	ID         string
	Region     string
	Datacenter string
	RPCAddr    *net.TCPAddr
	Expect     int
	Bootstrap  bool
	Build      string
	RaftVsn    int
	WANPort    int
	Status     serf.MemberStatus
}

// ServerHTTPAddr is the region and gossiped HTTP address of a live
// server member of the WAN pool; ok is false for anything else.
func ServerHTTPAddr(m serf.Member) (region, addr string, ok bool) {
	p, isSrv := isServer(m)
	addr = m.Tags[TagHTTPAddr]
	if !isSrv || m.Status != serf.StatusAlive || addr == "" {
		return "", "", false
	}
	return p.Region, addr, true
}

// isServer parses a member's tags; ok is false for anything that is not a
// nomadish server.
func isServer(m serf.Member) (serverParts, bool) {
	if m.Tags[tagRole] != roleServer {
		return serverParts{}, false
	}
	port, err := strconv.Atoi(m.Tags[tagPort])
	if err != nil {
		return serverParts{}, false
	}
	ip := net.ParseIP(m.Tags[tagRPCAddr])
	if ip == nil {
		ip = m.Addr
	}
	expect, _ := strconv.Atoi(m.Tags[tagExpect])
	raftVsn, _ := strconv.Atoi(m.Tags[tagRaftVsn])
	wanPort, _ := strconv.Atoi(m.Tags[tagWANPort])
	return serverParts{
		Name:       m.Name,
		ID:         m.Tags[tagID],
		Region:     m.Tags[tagRegion],
		Datacenter: m.Tags[tagDC],
		RPCAddr:    &net.TCPAddr{IP: ip, Port: port},
		Expect:     expect,
		Bootstrap:  m.Tags[tagBootstrap] == "1",
		Build:      m.Tags[tagBuild],
		RaftVsn:    raftVsn,
		WANPort:    wanPort,
		Status:     m.Status,
	}, true
}

// setupSerf starts one gossip pool. wan selects the WAN naming (NAME.REGION)
// and snapshot; the returned serf delivers its events on ch.
func (s *Server) setupSerf(conf *serf.Config, ch chan serf.Event, wan bool) (*serf.Serf, error) {
	conf.Init()
	name, snap, pool := s.config.NodeName, serfLANSnap, "lan"
	if wan {
		name, snap, pool = s.config.NodeName+"."+s.config.Region, serfWANSnap, "wan"
	}
	conf.NodeName = name
	conf.MemberlistConfig.Name = name
	conf.Tags[tagRole] = roleServer
	conf.Tags[tagRegion] = s.config.Region
	conf.Tags[tagDC] = s.config.Datacenter
	conf.Tags[tagRPCAddr] = s.rpcAdvertise.IP.String()
	conf.Tags[tagPort] = strconv.Itoa(s.rpcAdvertise.Port)
	conf.Tags[tagBuild] = s.config.Build
	conf.Tags[tagVsn] = serfVsn
	conf.Tags[tagRaftVsn] = strconv.Itoa(int(s.config.RaftConfig.ProtocolVersion))
	conf.Tags[tagID] = s.config.NodeID
	if s.config.HTTPAdvertise != "" {
		conf.Tags[TagHTTPAddr] = s.config.HTTPAdvertise
	}
	if s.config.BootstrapExpect > 1 && !s.config.DevMode {
		conf.Tags[tagExpect] = strconv.Itoa(s.config.BootstrapExpect)
	} else {
		conf.Tags[tagBootstrap] = "1"
	}
	if !wan && s.serfWAN != nil {
		conf.Tags[tagWANPort] = strconv.Itoa(int(s.serfWAN.Memberlist().LocalNode().Port))
	}
	conf.EventCh = ch
	std := s.logger.Named("serf").With("pool", pool).StandardLogger(&hclog.StandardLoggerOptions{InferLevels: true})
	conf.Logger = std
	conf.LogOutput = nil
	conf.MemberlistConfig.Logger = std
	conf.MemberlistConfig.LogOutput = nil
	conf.EnableNameConflictResolution = false
	conf.Merge = &poolMerger{region: s.config.Region, wan: wan, foreign: s.noteForeignServer}
	if !s.config.DevMode {
		conf.SnapshotPath = filepath.Join(s.config.DataDir, snap)
	}
	if err := ensureParentDir(conf.SnapshotPath); err != nil {
		return nil, err
	}
	sf, err := serf.Create(conf)
	if err != nil {
		return nil, fmt.Errorf("start serf %s pool: %w", pool, err)
	}
	return sf, nil
}

// LANMembers returns the region's gossip pool.
func (s *Server) LANMembers() []serf.Member { return s.serfLAN.Members() }

// WANMembers returns the cross-region gossip pool.
func (s *Server) WANMembers() []serf.Member { return s.serfWAN.Members() }

// JoinLAN joins the region's gossip pool through any of addrs
// ("host:port" of a LAN serf port) and returns how many it reached.
func (s *Server) JoinLAN(addrs []string) (int, error) { return s.serfLAN.Join(addrs, true) }

// JoinWAN joins the cross-region gossip pool through any of addrs.
func (s *Server) JoinWAN(addrs []string) (int, error) { return s.serfWAN.Join(addrs, true) }

// poolMerger refuses a join that would mix pools: anything that is not a
// nomadish server, and, in the LAN pool, servers of another region (which
// belong in the WAN pool). The joining side sees the error.
type poolMerger struct {
	region string
	wan    bool
	// foreign is told the WAN address of each server of another region
	// a LAN join reached, so that retry_join can federate with it.
	foreign func(region, wanAddr string)
}

func (p *poolMerger) NotifyMerge(members []*serf.Member) error {
	for _, m := range members {
		parts, ok := isServer(*m)
		if !ok {
			return fmt.Errorf("member %q at %s is not a nomadish server (role tag %q)", m.Name, m.Addr, m.Tags[tagRole])
		}
		if p.wan && !strings.HasSuffix(m.Name, "."+parts.Region) {
			return fmt.Errorf("member %q at %s is a LAN pool member (WAN members are named NAME.REGION); join a server's WAN port (ports.serf_wan)", m.Name, m.Addr)
		}
		if !p.wan && parts.Region != p.region {
			if p.foreign != nil && parts.WANPort > 0 {
				p.foreign(parts.Region, net.JoinHostPort(m.Addr.String(), strconv.Itoa(parts.WANPort)))
			}
			return fmt.Errorf("member %q is in region %q but this LAN pool is region %q; join other regions through the WAN pool (nomadish server join -wan)", m.Name, parts.Region, p.region)
		}
	}
	return nil
}

// noteForeignServer keeps the WAN address of a server of another region
// that a LAN join reached, for retryJoin.
func (s *Server) noteForeignServer(region, wanAddr string) {
	s.foreignMu.Lock()
	defer s.foreignMu.Unlock()
	if s.foreignWAN == nil {
		s.foreignWAN = map[string]string{}
	}
	s.foreignWAN[wanAddr] = region
}

// takeForeignServers returns and forgets the WAN addresses noted.
func (s *Server) takeForeignServers() map[string]string {
	s.foreignMu.Lock()
	defer s.foreignMu.Unlock()
	out := s.foreignWAN
	s.foreignWAN = nil
	return out
}
