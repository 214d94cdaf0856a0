package scheduler

import "github.com/nomadish/nomadish/nomadish/structs"

// wantsPreviousNode tells whether a replacement of an allocation of tg
// should go back to the node the previous allocation used: the group's
// ephemeral disk or one of its host or CSI volumes is sticky, so its data
// is on that node.
func wantsPreviousNode(tg *structs.TaskGroup) bool {
	if tg.EphemeralDisk != nil && tg.EphemeralDisk.Sticky {
		return true
	}
	for _, v := range tg.Volumes {
		if v != nil && v.Sticky {
			return true
		}
	}
	return false
}

// stickySelect tries to place p on the node its previous allocation used,
// when the group is sticky and that node is among the ready ones; it
// returns nil when it does not apply or the node is infeasible or full,
// and the caller then places as usual. The attempt runs on a stack of
// its own over that one node, so the main stack's shuffle and caches are
// untouched; only placements that replace an allocation of a sticky group
// pay for it.
func (s *GenericScheduler) stickySelect(ctx *evalContext, job *structs.Job, p placement, ready func(id string) *structs.Node) *rankedNode {
	if p.previous == nil || !wantsPreviousNode(p.tg) {
		return nil
	}
	n := ready(p.previous.NodeID)
	if n == nil {
		return nil
	}
	option := newStack(ctx, job, []*structs.Node{n}).Select(p.tg, nil)
	if option == nil {
		ctx.resetMetrics()
	}
	return option
}

// readyByID returns a lookup of nodes by ID, built on first use.
func readyByID(nodes []*structs.Node) func(id string) *structs.Node {
	var byID map[string]*structs.Node
	return func(id string) *structs.Node {
		if byID == nil {
			byID = make(map[string]*structs.Node, len(nodes))
			for _, n := range nodes {
				byID[n.ID] = n
			}
		}
		return byID[id]
	}
}
