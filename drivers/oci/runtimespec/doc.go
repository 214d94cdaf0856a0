// Package runtimespec builds the OCI runtime spec (config.json) that runc or
// crun runs one oci task from. It is pure logic: given what the image says
// (ImageConfig), what the task asks for (TaskOptions), what the plugin config
// allows (Policy) and the paths the driver prepared (Input), Build returns a
// spec or an error that says which field was refused and what is accepted.
//
// The spec is isolated by default:
//
//   - process: argv from the image's Entrypoint and Cmd as overridden by the
//     task's entrypoint, command and args (Docker's rules, see Args); the
//     image's environment overlaid by the task's; the working directory from
//     work_dir, then the image, then "/"; the user from user, then the
//     image, resolved against the image's own /etc/passwd and /etc/group;
//     no_new_privileges.
//   - namespaces: new pid, mount, ipc, uts and cgroup namespaces, and a
//     network namespace (the one the driver prepared with CNI, a new empty one,
//     or none at all for network_mode "host").
//   - resources: a hard memory limit from memory_max (or memory), a soft one
//     from memory, CPU shares from cpu (runtimes map them to cgroup v2
//     weight), a pids limit, swap off.
//   - capabilities: Docker's well-known default set without NET_RAW (and
//     never SYS_ADMIN), changed only by cap_add/cap_drop within
//     Policy.AllowCaps.
//   - a default seccomp profile (see DefaultSeccomp), masked and read-only
//     paths under /proc and /sys, a device cgroup that allows only the
//     standard device nodes.
//   - mounts: /proc, /dev, /dev/pts, /dev/shm, /dev/mqueue, /sys and the
//     cgroup file system (read-only), the task's local/, secrets/ and the
//     alloc's alloc/ at /local, /secrets and /alloc, /etc/hosts,
//     /etc/resolv.conf and /etc/hostname (see WriteEtcFiles), and the task's
//     mount blocks only where the Policy allows them.
//
// privileged lifts all of that but the namespaces, and is refused unless the
// plugin config allows it.
//
// The package must not start processes, touch cgroups or talk to a runtime:
// it reads only the image's /etc/passwd and /etc/group (bounded, resolved
// inside the root file system) and bind sources to check where they lead,
// and writes only the files WriteEtcFiles is asked to write.
package runtimespec
