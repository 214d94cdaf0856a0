// Package hoststats measures the machine a client runs on: memory, the
// busy share of each CPU core, the usage of the file systems of real
// devices and of the one holding the allocation directory, and uptime. It
// is what GET /v1/client/stats answers.
//
// On Linux the figures come from /proc (meminfo, stat, uptime, self/mounts,
// filesystems) and statfs; the /proc root, statfs and the clock are
// injected so that tests run on fixture files. Elsewhere only what statfs
// can tell is measured, and HostStats.NotMeasured lists the rest.
//
// The package only reads: it must not start goroutines, keep files open,
// or import the rest of the client, the server or the HTTP API.
package hoststats
