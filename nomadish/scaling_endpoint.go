package nomadish

import (
	"sort"
	"strings"

	"github.com/hashicorp/go-hclog"
	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/state"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Scaling serves the scaling policies of the jobs' groups. A policy lives
// in its job (TaskGroup.Scaling) rather than in a table of its own: its ID
// is derived from its target (structs.ScalingPolicyID), so it is the same
// in every version of the job, and it goes away with the job.
type Scaling struct {
	srv    *Server
	logger hclog.Logger
}

// scalingPolicies lists the policies of one job, with the indexes that
// the job's store record gives them: created with the job, modified with
// its latest version.
func scalingPolicies(job *structs.Job) []*structs.ScalingPolicy {
	var out []*structs.ScalingPolicy
	for _, tg := range job.TaskGroups {
		if tg == nil || tg.Scaling == nil {
			continue
		}
		p := *tg.Scaling
		if p.ID == "" {
			p.ID = structs.ScalingPolicyID(job.Namespace, job.ID, tg.Name)
		}
		if p.Type == "" {
			p.Type = structs.ScalingPolicyTypeHorizontal
		}
		p.Namespace = job.Namespace
		p.Target = map[string]string{structs.ScalingTargetNamespace: job.Namespace, structs.ScalingTargetJob: job.ID, structs.ScalingTargetGroup: tg.Name}
		p.CreateIndex = job.CreateIndex
		p.ModifyIndex = job.JobModifyIndex
		out = append(out, &p)
	}
	return out
}

// ListPolicies lists scaling policies, filtered by namespace ("*": all),
// job ID and type.
func (s *Scaling) ListPolicies(args *structs.ScalingPolicyListRequest, reply *structs.ScalingPolicyListResponse) error {
	if done, err := s.srv.forward("Scaling.ListPolicies", args, args, reply); done {
		return err
	}
	return s.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			var it memdb.ResultIterator
			var err error
			if args.Namespace == "*" {
				it, err = st.Jobs(ws)
			} else {
				it, err = st.JobsByNamespace(ws, args.RequestNamespace())
			}
			if err != nil {
				return err
			}
			list := []*structs.ScalingPolicyListStub{}
			for raw := it.Next(); raw != nil; raw = it.Next() {
				job := raw.(*structs.Job)
				if args.Job != "" && job.ID != args.Job {
					continue
				}
				for _, p := range scalingPolicies(job) {
					if args.Type != "" && !strings.EqualFold(args.Type, p.Type) {
						continue
					}
					if !hasPrefix(p.ID, args.Prefix) {
						continue
					}
					list = append(list, &structs.ScalingPolicyListStub{ID: p.ID, Enabled: p.Enabled, Type: p.Type,
						Target: p.Target, CreateIndex: p.CreateIndex, ModifyIndex: p.ModifyIndex})
				}
			}
			sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
			reply.Policies = list
			return setTableIndex(st, &reply.QueryMeta, "jobs")
		},
	})
}

// GetPolicy returns one scaling policy by ID, or a nil Policy.
func (s *Scaling) GetPolicy(args *structs.ScalingPolicySpecificRequest, reply *structs.SingleScalingPolicyResponse) error {
	if done, err := s.srv.forward("Scaling.GetPolicy", args, args, reply); done {
		return err
	}
	if args.ID == "" {
		return invalid("ID", "required: the ID of a scaling policy, as listed by /v1/scaling/policies")
	}
	return s.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			it, err := st.Jobs(ws)
			if err != nil {
				return err
			}
			reply.Policy = nil
			for raw := it.Next(); raw != nil && reply.Policy == nil; raw = it.Next() {
				for _, p := range scalingPolicies(raw.(*structs.Job)) {
					if p.ID == args.ID {
						reply.Policy = p
						break
					}
				}
			}
			return setTableIndex(st, &reply.QueryMeta, "jobs")
		},
	})
}
