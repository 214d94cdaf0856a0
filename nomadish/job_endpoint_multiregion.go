package nomadish

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// A multiregion job is registered once, in any region, and stored in
// every region of its multiregion block as that region's copy: the
// region's count (for groups of count 0), datacenters, node pool and meta
// (merged over the job's). The copies share a rollout key, which the
// regions' leaders use to find each other's deployments of it
// (multiregion_watcher.go).

// registerMultiregion sends each region its copy of args.Job, in the
// order of the multiregion block, and answers with the copy of this
// region (or of the first region when this one is not in the block).
// A region that fails is named in the error with the regions that took
// the job; registering again completes it.
func (j *Job) registerMultiregion(args *structs.JobRegisterRequest, reply *structs.JobRegisterResponse) error {
	job := args.Job
	known := j.srv.Regions()
	var problems []structs.FieldError
	for i, r := range job.Multiregion.Regions {
		if r != nil && !slices.Contains(known, r.Name) {
			problems = append(problems, structs.FieldError{Path: fmt.Sprintf("Multiregion.Regions[%d].Name", i),
				Message: fmt.Sprintf("unknown region %q; known regions: %s (federate it first: server join -wan)", r.Name, strings.Join(known, ", "))})
		}
	}
	if len(problems) > 0 {
		return &structs.ValidationError{Problems: problems}
	}
	rollout := rolloutKey(job)
	var done []string
	var answered bool
	for _, r := range job.Multiregion.Regions {
		req := &structs.JobRegisterRequest{
			Job:             regionCopy(job, r, rollout),
			PreserveCounts:  args.PreserveCounts,
			PolicyOverride:  args.PolicyOverride,
			EvalPriority:    args.EvalPriority,
			MultiregionCopy: true,
			WriteRequest:    structs.WriteRequest{Region: r.Name, Namespace: args.Namespace},
		}
		var resp structs.JobRegisterResponse
		if err := j.Register(req, &resp); err != nil {
			if len(done) == 0 {
				return fmt.Errorf("multiregion job %q: region %q: %w", job.ID, r.Name, err)
			}
			return fmt.Errorf("multiregion job %q: registered in %s but not in region %q (register it again to complete): %w",
				job.ID, strings.Join(done, ", "), r.Name, err)
		}
		done = append(done, r.Name)
		if !answered || r.Name == j.srv.Region() {
			*reply = resp
			answered = r.Name == j.srv.Region()
		}
	}
	return nil
}

// regionCopy is region r's copy of job.
func regionCopy(job *structs.Job, r *structs.MultiregionRegion, rollout string) *structs.Job {
	c := job.Copy()
	c.Region = r.Name
	c.MultiregionRollout = rollout
	if len(r.Datacenters) > 0 {
		c.Datacenters = slices.Clone(r.Datacenters)
	}
	if r.NodePool != "" {
		c.NodePool = r.NodePool
	}
	if len(r.Meta) > 0 {
		meta := maps.Clone(c.Meta)
		if meta == nil {
			meta = map[string]string{}
		}
		maps.Copy(meta, r.Meta)
		c.Meta = meta
	}
	for _, tg := range c.TaskGroups {
		if tg != nil && tg.Count == 0 && r.Count > 0 {
			tg.Count = r.Count
		}
	}
	return c
}

// rolloutKey is the same for every region's copy of one submission and
// for an identical submission: a digest of the job as submitted, without
// what the servers set.
func rolloutKey(job *structs.Job) string {
	c := job.Copy()
	c.Region, c.MultiregionRollout = "", ""
	c.Version, c.SubmitTime = 0, 0
	c.CreateIndex, c.ModifyIndex, c.JobModifyIndex = 0, 0, 0
	c.Stable, c.Stop = false, false
	b, err := json.Marshal(c) // map keys sorted: the same job, the same bytes
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// deregisterGlobal stops (or purges) a multiregion job in every region of
// its multiregion block, this one included; a region that cannot be
// reached is named, the others are stopped all the same.
func (j *Job) deregisterGlobal(args *structs.JobDeregisterRequest, job *structs.Job, reply *structs.JobDeregisterResponse) error {
	var failed []error
	var answered bool
	for _, r := range job.Multiregion.Regions {
		if r == nil {
			continue
		}
		req := &structs.JobDeregisterRequest{JobID: args.JobID, Purge: args.Purge,
			WriteRequest: structs.WriteRequest{Region: r.Name, Namespace: args.Namespace}}
		var resp structs.JobDeregisterResponse
		if err := j.Deregister(req, &resp); err != nil {
			if structs.IsErrNotFound(err) {
				continue
			}
			failed = append(failed, fmt.Errorf("region %q: %w", r.Name, err))
			continue
		}
		if !answered || r.Name == j.srv.Region() {
			*reply = resp
			answered = r.Name == j.srv.Region()
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("stopping multiregion job %q everywhere: %w", args.JobID, errors.Join(failed...))
	}
	return nil
}
