// Package taskenv builds a task's runtime environment — the NOMAD_*
// variables Nomad documents, plus the task's own env block — and
// interpolates ${...} references in job strings against it and against the
// node.
//
// Interpolation knows:
//
//	${NOMAD_*} and any other variable of the task's environment
//	${attr.<name>}        node attribute
//	${meta.<key>}         node meta
//	${node.unique.id}  ${node.unique.name}  ${node.datacenter}
//	${node.class}      ${node.region}       ${node.pool}
//
// A reference to anything else is left as written, so that a driver or a
// shell further on can still read it.
//
// Directories are host paths when the driver isolates nothing (its
// FSIsolation capability is "none" or empty) and /alloc, /local, /secrets
// otherwise, where the driver mounts them.
//
// This package must not do I/O: it reads the node, allocation and task it
// is given, nothing else.
package taskenv
