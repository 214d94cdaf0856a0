// Package wasm is the WebAssembly task driver: it runs a task as a WASI
// preview1 command module inside the driver's plugin process on
// tetratelabs/wazero (pure Go, no cgo), so a task starts in milliseconds.
//
// A task's module comes from a path inside its task directory (usually put
// there by an artifact block) or an https:// URL the driver downloads into
// the task's local/ directory. The module sees its args, its environment,
// the clocks, a random source, stdout and stderr (the task's log files) and
// three directories: /local (the task's local/), /alloc (the allocation's
// shared alloc/) and /secrets (secrets/, read-only), plus any `mounts` of
// the task config, which must also lie inside the task directory. Nothing
// else of the host is visible: every path the module uses is resolved
// inside its mount, symlinks included.
//
// Compiled modules are cached twice: in memory by the sha256 of the module,
// so a hundred tasks of one module compile it once, and on disk (wazero's
// compilation cache under the plugin's data dir), so a restarted plugin
// does not compile again.
//
// Tasks live in the plugin process. A restarted client re-attaches to them;
// a restarted plugin has lost them and says so (plugin.ErrTaskNotFound), so
// the client reports them lost to the restart policy.
//
// The package must not import the client or the server: it talks to them
// only through package plugin.
package wasm
