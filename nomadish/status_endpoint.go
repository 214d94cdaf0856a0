package nomadish

import (
	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Status answers questions about the cluster's health: who leads, who
// votes, and whether this server is reachable at all.
type Status struct {
	srv    *Server
	logger hclog.Logger
}

// Ping answers at once; it proves the RPC path works.
func (e *Status) Ping(args struct{}, reply *struct{}) error { return nil }

// Leader returns the RPC address of the region's leader, "" if none.
func (e *Status) Leader(args *structs.GenericRequest, reply *string) error {
	if done, err := e.srv.forward("Status.Leader", args, args, reply); done {
		return err
	}
	*reply = e.srv.Leader()
	return nil
}

// Peers returns the Raft addresses of the region's servers.
func (e *Status) Peers(args *structs.GenericRequest, reply *[]string) error {
	if done, err := e.srv.forward("Status.Peers", args, args, reply); done {
		return err
	}
	future := e.srv.raft.GetConfiguration()
	if err := future.Error(); err != nil {
		return err
	}
	peers := []string{}
	for _, srv := range future.Configuration().Servers {
		peers = append(peers, string(srv.Address))
	}
	*reply = peers
	return nil
}
