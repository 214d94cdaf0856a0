// Package oci is the OCI task driver: it runs a task from an OCI image (or
// an unpacked root filesystem) with a low-level container runtime, runc or
// crun, without a daemon. Images are pulled and unpacked by image/, the
// runtime spec is built by runtimespec/, and containers run detached under
// a monitor process by runtime/, so that they outlive the plugin and the
// client. This package wires them into the driver plugin protocol
// (drivers/plugin) and exports the schemas of its task and plugin config
// blocks, which jobspec checks job files against.
//
// It must not import the scheduler or the server: drivers see only the
// plugin SDK and structs.
package oci
