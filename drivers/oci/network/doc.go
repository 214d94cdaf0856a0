// Package network gives OCI containers bridge networking with CNI: each
// container gets a network namespace of its own, pinned by a bind mount on
// a file in Config.NetNSDir, joined to a host bridge by a veth pair, with
// an address from a private subnet, loopback up, outbound traffic
// masqueraded, and host ports forwarded to container ports.
//
// The work is done by the standard CNI plugins (bridge with host-local
// IPAM, loopback, firewall and portmap, found in Config.CNIPath) driven
// through libcni with a network configuration list the package generates
// from Config; no CNI configuration files are read. For each container id
// the package keeps, under Config.StateDir:
//
//	networks/<id>.json  the conflist, netns path, ports and result of Setup
//	cache/              libcni's cache of ADD results (used by DEL)
//	ipam/               host-local's address leases
//
// so that Teardown works after a restart of the process (or of the host:
// a netns pin that is no longer a namespace is simply removed).
//
// A pin is a mount, and lives in the mount namespace of the process that
// called Setup; a container that joined the namespace keeps it alive
// either way. Should the pin vanish (the caller ran in a private mount
// namespace that ended, or the host rebooted), Teardown still releases
// the address and removes the rules.
//
// Only bridge mode needs this package. In host mode the driver leaves the
// container in the host's network namespace (no network namespace in the
// spec) and in none mode it asks the runtime for a new, empty network
// namespace, where only the runtime brings loopback up; neither calls
// Setup or Teardown.
//
// The package knows nothing of tasks, specs or runtimes: the driver puts
// Network.NetNSPath into the container's spec as the path of its network
// namespace. It must not import the client, the server or package plugin.
package network
