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
// SecureJoin is the one gate for untrusted relative paths (artifact and
// template destinations, the alloc fs API). It resolves symlinks itself,
// component by component, and refuses any that lead outside the base.
// Tasks can write into these directories at any time, so a check is only
// as good as the moment it was made: Open additionally refuses to follow a
// symlink in the last component and anything but a regular file.
//
// This package must not know about drivers' isolation or the HTTP API;
// it serves plain paths and file information.
package allocdir
