// Package runtime runs OCI containers with an OCI runtime binary (runc or
// crun) through containerd/go-runc, detached from the process that asked
// for them.
//
// Every container gets a monitor: a small process (the nomadish binary
// itself, run with a hidden sub-command; see MonitorMain) started in its
// own session. The monitor makes itself the child subreaper, creates and
// starts the container with the runtime, waits for the container's init
// and writes its exit status atomically to a file in the container's state
// directory. Neither the monitor nor the container depends on the process
// that called Start, so both survive a kill -9 of the driver plugin and of
// the client; Recover re-attaches to them from the state directory.
//
// The state directory of a container, <Config.StateDir>/<id>, holds:
//
//	monitor.json  what the monitor was asked to run (written by Start)
//	monitor.pid   the monitor's pid and start time (written by Start)
//	started.json  the init's pid and cgroups (written by the monitor)
//	exit.json     the exit status (written by the monitor)
//	runtime.log   the runtime's own log
//	monitor.log   the monitor's stderr
//
// Stats and OOM kills are read from the container's cgroup (v2 or v1,
// whichever the host has).
//
// The package knows nothing of tasks, images or specs: it is given a bundle
// directory (config.json plus rootfs) made by the spec builder. It must not
// import the client, the server or package plugin.
package runtime
