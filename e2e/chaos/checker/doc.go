// Package checker decides whether a chaos run's history (package
// history) and the servers' end state keep nomadish's promises. It is
// pure: it reads what the workloads recorded and what the harness read
// from every server, starts nothing and talks to no cluster, so its tests
// run in `make test`.
//
// # Linearizability of the job table (CheckJobs)
//
// Register, Deregister, Read and List are checked with porcupine against
// a model of the job table: for each job ID, whether it exists, its
// Meta["chaos_token"] and its JobModifyIndex. The model is partitioned by
// job ID, because operations on different jobs commute. In the model:
//
//   - A Register always applies and is answered an index above every
//     index the job had before (Raft indexes grow in commit order);
//     resubmitting an identical job keeps its index.
//   - A Register with a CheckIndex applies only when the job's index
//     matches (0: the job must not exist). A refusal is valid only when
//     the index did not match; when its answer said the job's index
//     (history.Op.CASCurrent) it must also be the index the job had.
//   - A Deregister purges the job. Purging a job already gone is accepted,
//     since the endpoint checks existence before it proposes the purge.
//   - A Read must see exactly the model's job: found or not, token, index.
//   - An operation whose outcome is unknown has its return time at
//     infinity and the model accepts it whether or not it took effect. A
//     definite failure (a 4xx, a refused compare-and-set) had no effect.
//     An unknown Register whose token a read saw is known to have taken
//     effect before that read returned; unknown writes no operation can
//     need are left out of the search (see pruneUnknown), which keeps
//     failing searches from exploding.
//   - A List is split into one read per job ID in the history with its
//     prefix: present with a token and index, or absent. This is sound but
//     weaker than a snapshot check: each job's observation is checked,
//     not that one instant explains all of them at once.
//
// Across jobs, every write's Raft index must exceed every index an
// operation that returned before the write began had seen.
//
// A stale read (?stale) is held to what nomadish promises for it: every
// answer is one server's state as of some committed index. So a job it
// finds must carry the token of a Register that had begun before the read
// returned and had not been refused, with the index that Register was
// given. Not checked, because not promised: that it is recent, and that
// one client's stale reads never go back (they can, across servers, and
// on one server after a restart from its snapshot or a replaced data
// dir). A stale read that finds no job is always accepted.
//
// The search is bounded by a timeout. A search that runs out of time is
// reported as TimedOut, never as OK, and is not a violation.
//
// # End state (CheckEndState)
//
// Read from every server once the run is over:
//
//   - All servers agree: servers read at the same applied index hold the
//     same jobs, allocations and nodes, and all are read at one index.
//   - No acknowledged write is missing. For each job ID, the writes that
//     can have been applied last are those that may have taken effect
//     (acknowledged or unknown, not definitely failed) and that no
//     acknowledged write began after the moment they surely took effect
//     (their return; never, for an unknown one). The job a server holds
//     must be what one of them left: its token and acknowledged index, or
//     no job for a Deregister. So an acknowledged Register may be
//     overwritten by a later or concurrent Register or Deregister,
//     acknowledged or unknown, but then what is there must be that write.
//   - No two allocations that are not terminal by desired status share a
//     job, a Name and a JobVersion.
//   - No allocation was created (CreateIndex) at an index at which its
//     node was down.
//
// The package must not learn about processes, networks or time beyond the
// timestamps in the history: everything it knows arrives as arguments.
package checker
