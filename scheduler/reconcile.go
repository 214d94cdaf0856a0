package scheduler

import (
	"sort"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// Descriptions given to stopped allocations.
const (
	descNotNeeded   = "alloc not needed due to job update"
	descJobStopped  = "alloc not needed as job is stopped"
	descLost        = "alloc is lost since its node is down"
	descMigrating   = "alloc is being migrated"
	descUpdating    = "alloc is being updated due to job update"
	descRescheduled = "alloc was rescheduled because it failed"
)

// followupWindow batches delayed reschedules due close together into one
// follow-up evaluation.
const followupWindow = 5 * time.Second

// placementKind says why a placement is made.
type placementKind int

const (
	placeNew placementKind = iota
	placeLost
	placeMigrate
	placeReschedule
	placeDestructive
	// placeCanary: a canary of a new job version, placed beside the
	// old allocations without replacing one (reconcile_canary.go).
	placeCanary
)

// placement is one allocation to place: its name and group, and for a
// replacement the allocation it replaces.
type placement struct {
	name     string
	tg       *structs.TaskGroup
	kind     placementKind
	previous *structs.Allocation
	delay    time.Duration // of a reschedule
}

// allocStop is an existing allocation to stop.
type allocStop struct {
	alloc        *structs.Allocation
	desc         string
	clientStatus string
}

// reconcileResult is what the reconciler decided; the scheduler turns it
// into a plan.
type reconcileResult struct {
	place             []placement
	stop              []allocStop
	inplace           []*structs.Allocation
	attributeUpdates  []*structs.Allocation
	followups         []*structs.Evaluation
	deployment        *structs.Deployment // new or updated; placements join it
	createdDeployment bool
	deploymentUpdates []*structs.DeploymentStatusUpdate
	desired           map[string]*structs.DesiredUpdates
}

// reconciler compares a service or batch job's desired groups with its
// existing allocations, group by group. It reads nothing but its inputs
// and never places: it says what to stop, what to update and what needs
// a node, and the scheduler's stack finds the nodes.
//
// Per group, every allocation the server has not already stopped is
// sorted into one of:
//
//   - done (batch only): completed successfully; keeps its slot, never
//     replaced, never updated.
//   - failed: rescheduled now (stopped, replaced on another node with the
//     previous node penalised) when the reschedule policy allows and its
//     delay has passed; kept with a follow-up evaluation due when the
//     delay ends; or kept as failed when the policy is exhausted (a new
//     job version replaces it).
//   - lost: its node is down, disconnected or gone, or the client says
//     lost: stopped as lost and replaced.
//   - migrating: its node is draining and the drainer marked it for
//     migration (DesiredTransition.Migrate), or the drain's deadline
//     passed: stopped and replaced elsewhere.
//   - untainted: running or pending on a healthy node, or on a draining
//     node but not yet marked (it waits for its batch).
//
// Replacements keep the name of the allocation they replace. If more
// slots are filled than the group's count, replacements are dropped
// first, then untainted allocations stopped (duplicated names, then
// failed ones, then the highest indexes); if fewer, new allocations take
// the lowest free indexes. Untainted allocations of an older job version
// are then updated in place or destructively (see classifyUpdate); for a
// service group with an update block of max_parallel N, at most N minus
// those of the current deployment not yet healthy are replaced per
// evaluation — the deployment watcher's next evaluation continues.
// Deployments are minimal: created when a service job version with an
// update block places or replaces allocations, without canaries
// (Canary is treated as 0).
type reconciler struct {
	job          *structs.Job // nil when purged
	batch        bool
	allocs       []*structs.Allocation
	nodes        map[string]*structs.Node // nil value: node gone
	deployment   *structs.Deployment      // latest, may be nil
	eval         *structs.Evaluation
	now          time.Time
	newID        func() string
	updateKinds  map[updateKey]updateKind
	rescheduleAt []rescheduleLater

	// replacements maps an allocation's ID to its live replacement;
	// disconnectAt lists unknown allocations that turn lost later
	// (reconcile_disconnect.go).
	replacements map[string]*structs.Allocation
	disconnectAt []rescheduleLater

	// current is the active deployment of this job version, if any;
	// wantDeployment asks finishDeployment to create one.
	current        *structs.Deployment
	wantDeployment bool
	// regionsHold is set while a multiregion job's version waits for its
	// turn among the regions (reconcile_multiregion.go): nothing of it is
	// placed or updated in its deployment groups.
	regionsHold bool
	// desiredCanaries is, per group waiting for canaries, how many the
	// deployment wants (reconcile_canary.go).
	desiredCanaries map[string]int
}

type updateKey struct {
	createIndex, modifyIndex uint64
	group                    string
}

type rescheduleLater struct {
	alloc *structs.Allocation
	at    time.Time
}

// nodeTaint classifies the node an allocation is on.
type nodeTaint int

const (
	nodeOK nodeTaint = iota
	nodeLost
	nodeDraining
)

func taintOf(n *structs.Node, known bool) nodeTaint {
	switch {
	case !known || n == nil:
		return nodeLost
	case n.Status == structs.NodeStatusDown || n.Status == structs.NodeStatusDisconnected:
		return nodeLost
	case n.Drain || n.DrainStrategy != nil:
		return nodeDraining
	}
	return nodeOK
}

// migrateNow reports whether an allocation on a draining node is to be
// migrated in this evaluation: the leader's drainer marked it (it paces
// migrations by the group's migrate.max_parallel), or the drain's
// deadline has passed (or it is forced), or the node is draining without
// a strategy to pace by. Otherwise the allocation keeps its slot.
func migrateNow(a *structs.Allocation, n *structs.Node, now time.Time) bool {
	if a.DesiredTransition.Migrate {
		return true
	}
	d := n.DrainStrategy
	return d == nil || d.DeadlineReached(now.UnixNano())
}

func (r *reconciler) compute() *reconcileResult {
	res := &reconcileResult{desired: map[string]*structs.DesiredUpdates{}}
	r.updateKinds = map[updateKey]updateKind{}
	r.replacements = liveReplacements(r.allocs)

	byGroup := map[string][]*structs.Allocation{}
	for _, a := range r.allocs {
		byGroup[a.TaskGroup] = append(byGroup[a.TaskGroup], a)
	}
	stopped := r.job == nil || r.job.Stop
	r.handleDeployment(res, stopped)
	r.regionsHold = !stopped && r.waitsForRegions()

	var names []string
	seen := map[string]bool{}
	if r.job != nil {
		for _, tg := range r.job.TaskGroups {
			names = append(names, tg.Name)
			seen[tg.Name] = true
		}
	}
	var extra []string
	for name := range byGroup {
		if !seen[name] {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	names = append(names, extra...)

	for _, name := range names {
		var tg *structs.TaskGroup
		if !stopped {
			tg = r.job.LookupTaskGroup(name)
		}
		du := &structs.DesiredUpdates{}
		res.desired[name] = du
		if tg == nil {
			r.stopAll(res, du, byGroup[name], stopped)
			continue
		}
		r.reconcileGroup(res, du, tg, byGroup[name])
	}
	r.createFollowups(res, r.rescheduleAt, structs.EvalTriggerRetryFailedAlloc)
	r.createFollowups(res, r.disconnectAt, structs.EvalTriggerMaxDisconnectTimeout)
	r.finishDeployment(res)
	return res
}

// stopAll stops every live allocation of a group that is gone or of a
// stopped or purged job.
func (r *reconciler) stopAll(res *reconcileResult, du *structs.DesiredUpdates, allocs []*structs.Allocation, jobStopped bool) {
	desc := descNotNeeded
	if jobStopped {
		desc = descJobStopped
	}
	for _, a := range allocs {
		if a.DesiredStatus != structs.AllocDesiredStatusRun || a.ClientTerminalStatus() {
			continue
		}
		status := ""
		if n, ok := r.nodes[a.NodeID]; taintOf(n, ok) == nodeLost {
			status = structs.AllocClientStatusLost
		}
		res.stop = append(res.stop, allocStop{alloc: a, desc: desc, clientStatus: status})
		du.Stop++
	}
}

// slot is an allocation that keeps its place in the group.
type slot struct {
	alloc   *structs.Allocation
	done    bool // batch success: never stopped or updated
	failed  bool // failed, not (yet) rescheduled
	later   bool // failed, rescheduled when its delay ends
	unknown bool // its client is away: never updated meanwhile
}

func (r *reconciler) reconcileGroup(res *reconcileResult, du *structs.DesiredUpdates, tg *structs.TaskGroup, allocs []*structs.Allocation) {
	var kept []slot
	var replace []placement
	var canaries []*structs.Allocation // pending canaries of the current deployment
	hadCurrent := false
	losers := r.reconnectLosers(res, tg, allocs)

	for _, a := range allocs {
		if a.DesiredStatus != structs.AllocDesiredStatusRun {
			continue
		}
		if desc, ok := losers[a.ID]; ok {
			res.stop = append(res.stop, allocStop{alloc: a, desc: desc})
			du.Stop++
			continue
		}
		if a.Job != nil && r.sameVersion(a.Job) {
			hadCurrent = true
		}
		n, known := r.nodes[a.NodeID]
		taint := taintOf(n, known)
		if isCanary(a) {
			switch r.canaryFateOf(a) {
			case canaryStop:
				res.stop = append(res.stop, allocStop{alloc: a, desc: descCanaryEnded})
				du.Stop++
				continue
			case canaryPending:
				// Beside the group's count, not in it. A lost canary
				// is stopped and placed again as a canary; a failed
				// one stays, as it has failed the deployment.
				if taint == nodeLost || a.ClientStatus == structs.AllocClientStatusLost {
					res.stop = append(res.stop, allocStop{alloc: a, desc: descLost, clientStatus: structs.AllocClientStatusLost})
					du.Stop++
					continue
				}
				canaries = append(canaries, a)
				continue
			}
		}
		switch {
		case a.ClientStatus == structs.AllocClientStatusComplete:
			if r.batch {
				kept = append(kept, slot{alloc: a, done: true})
			}
			// A completed service allocation frees its slot.
		case a.ClientStatus == structs.AllocClientStatusFailed:
			d := decideReschedule(a, tg.ReschedulePolicy, r.now)
			switch {
			case !d.eligible:
				kept = append(kept, slot{alloc: a, failed: true})
			case !d.at.After(r.now):
				res.stop = append(res.stop, allocStop{alloc: a, desc: descRescheduled})
				replace = append(replace, placement{name: a.Name, tg: tg, kind: placeReschedule, previous: a, delay: d.delay})
			default:
				kept = append(kept, slot{alloc: a, failed: true, later: true})
				if a.FollowupEvalID == "" {
					r.rescheduleAt = append(r.rescheduleAt, rescheduleLater{alloc: a, at: d.at})
				}
			}
		case a.ClientStatus == structs.AllocClientStatusUnknown && a.DisconnectGroup(tg).LostAfter() > 0:
			switch r.unknownAction(a, tg, n) {
			case disconnectIgnore:
				du.Ignore++
			case disconnectKeep:
				kept = append(kept, slot{alloc: a, unknown: true})
			case disconnectReplace:
				replace = append(replace, placement{name: a.Name, tg: tg, kind: placeLost, previous: a})
			case disconnectLost:
				res.stop = append(res.stop, allocStop{alloc: a, desc: descLost, clientStatus: structs.AllocClientStatusLost})
				if r.replacements[a.ID] == nil {
					replace = append(replace, placement{name: a.Name, tg: tg, kind: placeLost, previous: a})
				}
			}
		case taint == nodeLost || a.ClientStatus == structs.AllocClientStatusLost || a.ClientStatus == structs.AllocClientStatusUnknown:
			res.stop = append(res.stop, allocStop{alloc: a, desc: descLost, clientStatus: structs.AllocClientStatusLost})
			// A replacement already running (placed while the
			// allocation was unknown) takes its place.
			if r.replacements[a.ID] == nil {
				replace = append(replace, placement{name: a.Name, tg: tg, kind: placeLost, previous: a})
			}
		case a.DesiredTransition.Migrate || (taint == nodeDraining && migrateNow(a, n, r.now)):
			// Marked by the drainer or by `alloc stop`, on any node.
			res.stop = append(res.stop, allocStop{alloc: a, desc: descMigrating})
			replace = append(replace, placement{name: a.Name, tg: tg, kind: placeMigrate, previous: a})
		default:
			kept = append(kept, slot{alloc: a})
		}
	}

	// Too many: drop replacements first, highest index first.
	excess := len(kept) + len(replace) - tg.Count
	if excess > 0 && len(replace) > 0 {
		sort.SliceStable(replace, func(i, j int) bool { return nameIndex(replace[i].name) > nameIndex(replace[j].name) })
		n := min(excess, len(replace))
		replace = replace[n:]
		excess -= n
		du.Stop += uint64(n)
	}
	// Then stop kept allocations: duplicated names, failed, highest index.
	if excess > 0 {
		kept = r.scaleDown(res, du, kept, excess)
	}

	used := map[string]bool{}
	for _, s := range kept {
		used[s.alloc.Name] = true
	}
	for _, p := range replace {
		used[p.name] = true
		switch p.kind {
		case placeMigrate:
			du.Migrate++
		default:
			du.Place++
		}
	}
	res.place = append(res.place, replace...)

	// Too few: new allocations at the lowest free indexes.
	missing := tg.Count - len(kept) - len(replace)
	var newPlacements []placement
	for idx := uint(0); missing > 0; idx++ {
		name := structs.AllocName(r.job.ID, tg.Name, idx)
		if used[name] {
			continue
		}
		used[name] = true
		newPlacements = append(newPlacements, placement{name: name, tg: tg, kind: placeNew})
		missing--
	}
	if r.regionsHold && r.needsDeployment(tg) {
		du.Ignore += uint64(len(newPlacements))
		newPlacements = nil
	}
	res.place = append(res.place, newPlacements...)
	du.Place += uint64(len(newPlacements))

	// Updates of what stays.
	var destructive []slot
	for _, s := range kept {
		if s.done || s.later || s.unknown {
			du.Ignore++
			continue
		}
		switch r.classify(s.alloc, tg.Name) {
		case updateNone:
			du.Ignore++
		case updateInPlace:
			if s.failed {
				du.Ignore++
				continue
			}
			if r.regionsHold && r.needsDeployment(tg) {
				du.Ignore++
				continue
			}
			u := *s.alloc
			u.Job = r.job
			u.EvalID = r.eval.ID
			res.inplace = append(res.inplace, &u)
			du.InPlaceUpdate++
		case updateDestructive:
			destructive = append(destructive, s)
		}
	}
	if r.wantsCanaries(tg) && (len(destructive) > 0 || len(canaries) > 0) {
		r.placeCanaries(res, du, tg, destructive, canaries)
		destructive = nil
	}
	limit := r.destructiveLimit(tg, allocs, len(destructive))
	sort.SliceStable(destructive, func(i, j int) bool {
		if destructive[i].failed != destructive[j].failed {
			return destructive[i].failed
		}
		return nameIndex(destructive[i].alloc.Name) < nameIndex(destructive[j].alloc.Name)
	})
	for i, s := range destructive {
		if i >= limit {
			du.Ignore++
			continue
		}
		res.stop = append(res.stop, allocStop{alloc: s.alloc, desc: descUpdating})
		res.place = append(res.place, placement{name: s.alloc.Name, tg: tg, kind: placeDestructive, previous: s.alloc})
		du.DestructiveUpdate++
	}

	if r.needsDeployment(tg) && (len(destructive) > 0 && limit > 0 || len(newPlacements) > 0 && !hadCurrent) {
		r.wantDeployment = true
	}
	if r.regionsHold && r.needsDeployment(tg) && !hadCurrent {
		r.wantDeployment = true // created pending (finishDeployment)
	}
}

// scaleDown stops excess kept allocations and returns the rest.
func (r *reconciler) scaleDown(res *reconcileResult, du *structs.DesiredUpdates, kept []slot, excess int) []slot {
	counts := map[string]int{}
	for _, s := range kept {
		counts[s.alloc.Name]++
	}
	order := make([]int, 0, len(kept))
	for i, s := range kept {
		if !s.done {
			order = append(order, i)
		}
	}
	// Among duplicated names an allocation of an older job version goes
	// first: a promoted canary stands in for the old allocation of its
	// name.
	rank := func(s slot) int {
		switch {
		case counts[s.alloc.Name] > 1 && (s.alloc.Job == nil || !r.sameVersion(s.alloc.Job)):
			return 0
		case counts[s.alloc.Name] > 1:
			return 1
		case s.failed:
			return 2
		}
		return 3
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, b := kept[order[i]], kept[order[j]]
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra < rb
		}
		return nameIndex(a.alloc.Name) > nameIndex(b.alloc.Name)
	})
	stop := map[int]bool{}
	for _, i := range order {
		if excess == 0 {
			break
		}
		s := kept[i]
		counts[s.alloc.Name]--
		stop[i] = true
		excess--
		res.stop = append(res.stop, allocStop{alloc: s.alloc, desc: descNotNeeded})
		du.Stop++
	}
	out := kept[:0:0]
	for i, s := range kept {
		if !stop[i] {
			out = append(out, s)
		}
	}
	return out
}

func nameIndex(name string) int {
	idx, ok := structs.AllocIndex(name)
	if !ok {
		return -1
	}
	return int(idx)
}

func (r *reconciler) sameVersion(j *structs.Job) bool {
	return r.job != nil && j.CreateIndex == r.job.CreateIndex && j.JobModifyIndex == r.job.JobModifyIndex
}

// classify caches classifyUpdate per old job version and group.
func (r *reconciler) classify(a *structs.Allocation, group string) updateKind {
	if a.Job == nil {
		return updateNone
	}
	key := updateKey{a.Job.CreateIndex, a.Job.JobModifyIndex, group}
	if k, ok := r.updateKinds[key]; ok {
		return k
	}
	k := classifyUpdate(a.Job, r.job, group)
	r.updateKinds[key] = k
	return k
}

// createFollowups makes one delayed evaluation per window of allocations
// that need one later (failed ones whose reschedule delay has not passed,
// unknown ones whose lost_after has not), and marks them with its ID so
// later evaluations do not make another.
func (r *reconciler) createFollowups(res *reconcileResult, later []rescheduleLater, trigger string) {
	if len(later) == 0 {
		return
	}
	sort.SliceStable(later, func(i, j int) bool { return later[i].at.Before(later[j].at) })
	for start := 0; start < len(later); {
		end := start
		for end+1 < len(later) && later[end+1].at.Sub(later[start].at) <= followupWindow {
			end++
		}
		ev := &structs.Evaluation{
			ID:           r.newID(),
			Namespace:    r.eval.Namespace,
			Priority:     r.eval.Priority,
			Type:         r.eval.Type,
			TriggeredBy:  trigger,
			JobID:        r.eval.JobID,
			Status:       structs.EvalStatusPending,
			WaitUntil:    later[end].at,
			PreviousEval: r.eval.ID,
			CreateTime:   r.now.UnixNano(),
			ModifyTime:   r.now.UnixNano(),
		}
		if r.job != nil {
			ev.JobModifyIndex = r.job.JobModifyIndex
		}
		res.followups = append(res.followups, ev)
		for _, l := range later[start : end+1] {
			u := *l.alloc
			u.FollowupEvalID = ev.ID
			if u.ClientStatus == structs.AllocClientStatusUnknown {
				// Left empty, the store keeps the client status it
				// holds: the client may have reported meanwhile.
				u.ClientStatus = ""
			}
			res.attributeUpdates = append(res.attributeUpdates, &u)
		}
		start = end + 1
	}
}
