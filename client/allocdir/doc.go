// Package allocdir lays out an allocation's directories on the client and
// confines every path that comes from a job or an API caller to them.
//
// Layout under the client's alloc root (<data_dir>/alloc):
//
//	<root>/<alloc ID>/                 0755  Dir
//	  alloc/                           0755  SharedDir, shared by the group's tasks
//	    data/  logs/  tmp/             1777  (world-writable, sticky)
//	  <task>/                          0755  the task's own directory
//	    local/                         0755
//	    secrets/                       0700
//	    tmp/                           1777
//
// Permissions: the shared alloc/data, alloc/logs and alloc/tmp directories
// and every task's tmp/ are world-writable with the sticky bit, as Nomad
// makes its shared directories writable, so that tasks running as users
// other than the agent's can write there while not deleting each other's
// files. local/ is 0755: a task running as another user needs the task
// runner (or driver) to chown it. secrets/ is 0700 and, unlike Nomad, not
// a tmpfs mount. Modes are set with chmod after creation, so the agent's
// umask does not change them.
//
// Two gates confine untrusted paths. SecureJoin is for paths a job names
// to be written (artifact and template destinations): it resolves
// symlinks itself, component by component, refuses any that lead outside
// the base, and joins components that do not exist yet.
//
// Every path of the fs and logs API (List, Stat, Open, OpenLogDir) goes
// through one resolver instead (resolve.go), which walks the path one
// component at a time, each directory opened through the one above it as
// an os.Root, so a symlink a task swaps in meanwhile cannot lead outside.
// It follows symlinks only inside the allocation directory, refuses a
// task's secrets directory (<task>/secrets, whatever path or symlink leads
// there) with ErrSecrets, bounds symlinks (ErrLoop) and path length
// (MaxPathLength), opens only regular files and never blocks on a FIFO,
// and checks on every opened file or directory that it is the one it
// resolved (ErrChanged). Its errors are *PathError: the caller's path and
// a sentinel or errno, never a host path.
//
// This package must not know about drivers' isolation or the HTTP API;
// it serves plain paths and file information.
package allocdir
