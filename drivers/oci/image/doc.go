// Package image is the OCI driver's image store: it pulls images from
// registries speaking the distribution API (or loads them from an OCI layout
// directory or a docker/OCI tarball on local disk), keeps their blobs in a
// content-addressed directory shared by all tasks, and unpacks each image
// once into a root filesystem that tasks use read-only.
//
// On disk, under Config.Dir:
//
//	blobs/sha256/<hex>    manifests, configs and layers, each verified
//	                      against its digest before it is renamed into place
//	images/<hex>/rootfs   an unpacked image, keyed by its manifest digest
//	                      (by its config digest for docker tarballs, which
//	                      carry no manifest; their layers are checked against
//	                      the config's diff_ids instead)
//	images/<hex>/image.json  what the store knows of the image
//	tmp/                  downloads and unpacks in progress
//
// An image is unpacked into tmp/ and renamed into images/ only when it is
// complete, so a plugin killed mid-unpack never leaves a half-unpacked root
// that is used later: Open removes whatever tmp/ holds. Blobs and roots are
// not fsynced; the guarantee is against a killed process, not power loss.
// The store never writes into a root after the rename; the driver must use
// it as an overlay lower directory or a read-only bind mount.
//
// Layers are untrusted. Unpacking refuses an entry that is absolute, climbs
// out with "..", passes through a symlink, or is a hard link to a path that
// does so, and a symlink whose relative target climbs above the root
// (absolute symlink targets are kept: the container resolves them inside
// its own root). Device nodes are never created, even as root: the runtime
// gives the container its /dev, and a device node from an image is a way to
// reach a host device. Setuid, setgid and sticky bits are kept, and owners
// are kept when the store runs as root. Image size (compressed and
// unpacked), layer count and entries per layer are bounded by Config.
//
// Concurrent pulls of one image share one download and one unpack. Tasks
// hold images with Acquire and Release; GC removes images nobody has held
// for Config.GCDelay, then the blobs no remaining image refers to.
//
// The package must not import the client, the server or the driver: the
// driver calls it.
package image
