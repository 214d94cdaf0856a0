// Package scheduler decides where allocations run. It is a pure library:
// given a read-only State snapshot and a Planner, a Scheduler turns one
// evaluation into a plan. It opens no connections, reads no clock (time
// comes from the evaluation: the latest of its CreateTime, ModifyTime and
// WaitUntil), starts no goroutines, and draws randomness only from a
// source seeded with the evaluation's ID, so the same evaluation on the
// same state makes the same decisions. It imports nothing of nomadish but
// nomadish/structs.
//
// # Flow
//
// The server's worker dequeues an evaluation, waits until its state has
// reached the evaluation's index, builds a scheduler with the Factory in
// BuiltinSchedulers named by the evaluation's Type, and calls Process:
//
//  1. Read the job (nil when purged), its allocations (terminal ones
//     included) and, for services, its latest deployment.
//  2. Decide what to do without choosing nodes. Service and batch jobs go
//     through the reconciler (reconcile.go): per task group, place
//     missing allocations, stop surplus ones, update in place or
//     destructively, migrate off draining nodes, replace lost ones,
//     reschedule failed ones per the reschedule policy (now, or later
//     through a delayed follow-up evaluation), never replace a batch
//     allocation that completed. System and sysbatch jobs
//     (scheduler_system.go) want one allocation per eligible node.
//  3. Find nodes for the placements through the stack (stack.go): a chain
//     of small iterators — ready nodes in a seeded shuffle, feasibility
//     (feasible.go: drivers and constraints, cached per computed node
//     class; distinct_hosts; distinct_property), ranking (rank.go,
//     spread.go: bin-packing or spreading of resources with ports
//     assigned, job anti-affinity, rescheduling penalty, affinities,
//     spreads) and selection (select.go: a limit, then the best score).
//     When nothing fits and preemption is enabled for the job type
//     (preemption.go), lower-priority allocations may be evicted.
//  4. Submit the plan. When the plan applier commits only part of it, it
//     hands back fresher state and the scheduler starts again from 1, up
//     to a limit; then it leaves a blocked evaluation (TriggeredBy
//     max-plan-attempts) and marks the evaluation failed.
//  5. Update the evaluation: complete, with FailedTGAllocs (per group, an
//     AllocMetric counting the nodes each filter removed and each
//     resource dimension exhausted) and QueuedAllocations; when
//     placements failed, a blocked evaluation with the node classes that
//     were eligible is created (or, for an evaluation that was itself
//     blocked, it is re-blocked) so it runs again when capacity appears.
//
// With Evaluation.AnnotatePlan set, the plan carries
// Annotations.DesiredTGUpdates, the per-group counts of what it would do:
// the job-plan endpoint runs a scheduler with a Planner that commits
// nothing and reads the plan, the evaluation update and the created
// evaluations it was handed.
//
// A panic inside Process is not recovered here: the worker recovers it at
// the evaluation boundary. Bad input (a purged job, nil maps, no nodes)
// never panics.
package scheduler
