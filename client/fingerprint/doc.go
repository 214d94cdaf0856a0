// Package fingerprint discovers what a client node is: its CPU, memory,
// disk, operating system, kernel, network addresses, cgroup version and the
// agent's own version, as the node attributes (attr.* in job files) and the
// NodeResources the scheduler places against.
//
// Each fingerprinter lives in its own file and reads the host through
// Request.Root ("/" by default) so tests run against fake /proc, /sys and
// /etc trees. Run calls every fingerprinter and merges their answers; one
// that fails is reported but never stops the others.
//
// This package must not register the node, talk to the servers or
// fingerprint task drivers (drivers fingerprint themselves over the plugin
// protocol); it only describes the machine it runs on.
package fingerprint
