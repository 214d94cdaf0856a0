package nomadish

import (
	"fmt"
	"strconv"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Operator exposes cluster maintenance: inspecting and repairing the Raft
// peer set.
type Operator struct {
	srv    *Server
	logger hclog.Logger
}

// RaftGetConfiguration returns the Raft configuration, marking the leader
// and voters and naming each server from gossip where it is known.
func (e *Operator) RaftGetConfiguration(args *structs.GenericRequest, reply *structs.RaftConfigurationResponse) error {
	if done, err := e.srv.forward("Operator.RaftGetConfiguration", args, args, reply); done {
		return err
	}
	future := e.srv.raft.GetConfiguration()
	if err := future.Error(); err != nil {
		return err
	}
	names := map[raft.ServerID]serverParts{}
	for _, m := range e.srv.LANMembers() {
		if p, ok := isServer(m); ok {
			names[raft.ServerID(p.ID)] = p
		}
	}
	leaderAddr, _ := e.srv.raft.LeaderWithID()
	reply.Index = future.Index()
	reply.Servers = nil
	for _, srv := range future.Configuration().Servers {
		rs := &structs.RaftServer{
			ID:           string(srv.ID),
			Node:         "(unknown)",
			Address:      string(srv.Address),
			Leader:       srv.Address == leaderAddr,
			Voter:        srv.Suffrage == raft.Voter,
			RaftProtocol: strconv.Itoa(int(e.srv.config.RaftConfig.ProtocolVersion)),
		}
		if p, ok := names[srv.ID]; ok {
			rs.Node = p.Name
			rs.RaftProtocol = strconv.Itoa(p.RaftVsn)
		}
		reply.Servers = append(reply.Servers, rs)
	}
	return nil
}

// RaftRemovePeerByAddress removes the Raft peer at args.Address (or with
// args.ID), for servers that died and will not come back.
func (e *Operator) RaftRemovePeerByAddress(args *structs.RaftPeerRequest, reply *struct{}) error {
	if done, err := e.srv.forward("Operator.RaftRemovePeerByAddress", args, args, reply); done {
		return err
	}
	future := e.srv.raft.GetConfiguration()
	if err := future.Error(); err != nil {
		return err
	}
	for _, srv := range future.Configuration().Servers {
		if (args.Address != "" && string(srv.Address) == args.Address) || (args.ID != "" && string(srv.ID) == args.ID) {
			e.logger.Warn("removing raft peer on operator request", "id", srv.ID, "addr", srv.Address)
			if err := e.srv.raft.RemoveServer(srv.ID, 0, 0).Error(); err != nil {
				return fmt.Errorf("remove raft peer %s: %w", srv.Address, err)
			}
			return nil
		}
	}
	return fmt.Errorf("remove raft peer: address %q: %w in the raft configuration", args.Address, structs.ErrNotFound)
}
