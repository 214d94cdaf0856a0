// Package state is the client agent's local state database: the
// allocations it runs, each task's state as reported to the servers, and
// each task's local state (the driver handle needed to recover a running
// task after an agent restart, plus whatever the task runner's hooks want
// to keep).
//
// The database is one bbolt file, <data_dir>/client/state.db. Values are
// msgpack with structs.MsgpackHandle, the encoding the servers use. The
// layout is one bucket per allocation, so that deleting an allocation is
// one bucket delete and one bad entry never hides the others:
//
//	meta/                    version = 1
//	allocations/
//	  <alloc ID>/            alloc = Allocation
//	    tasks/
//	      <task name>/       state = TaskState, local = LocalTaskState
//
// bbolt takes an exclusive file lock; Open waits for it only a few seconds
// and then says that another agent may hold the data directory, instead of
// hanging.
//
// This package must not interpret what it stores: deciding what to do with
// a restored allocation or a corrupt entry is the client's job.
package state
