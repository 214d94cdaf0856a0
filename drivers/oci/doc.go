// Package oci is the OCI task driver: it runs a task from an OCI image (or
// an unpacked root filesystem) with a low-level container runtime, runc or
// crun, without a daemon. Images are pulled and unpacked by image/, the
// runtime spec is built by runtimespec/, and containers run detached under
// a monitor process by runtime/, so that they outlive the plugin and the
// client. This package wires them into the driver plugin protocol
// (drivers/plugin) and exports the schemas of its task and plugin config
// blocks, which jobspec checks job files against.
//
// Under the plugin config's data_dir the driver keeps images/ (the image
// store), state/ (the runtime's per-container state, which RecoverTask
// reads after a plugin restart) and bundles/<container id> (config.json,
// the writable layer mounted at rootfs, and the /etc files; see
// rootfs.go). A container's ID is a digest of its task ID. Where an image
// comes from is decided by its prefix (see source.go).
//
// It must not import the scheduler or the server: drivers see only the
// plugin SDK and structs.
package oci
