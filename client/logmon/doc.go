// Package logmon runs a task's log process: a small detached process
// (`nomadish logmon`) that reads the task's stdout and stderr from two
// FIFOs and writes them into rotated files (client/logs), so a task's logs
// keep being written while the client agent is stopped or restarting.
//
// Launch creates the FIFOs <LogDir>/.<task>.stdout.fifo and
// .<task>.stderr.fifo and starts `<binary> logmon ...` in its own session
// (Setsid), so that a kill -9 of the agent, or a signal to the agent's
// process group, does not take it down. Its standard output and error go
// to <LogDir>/.<task>.logmon.log. The returned Handle is JSON-able; the
// task runner persists it, and after an agent restart Reattach checks that
// the PID is still that same logmon (the process start time from
// /proc/<pid>/stat and its command line, against PID reuse). Stop ends it
// with SIGTERM (SIGKILL after a timeout) and removes the FIFOs.
//
// Readiness: Launch hands the child the write end of a pipe as file
// descriptor 3 and passes -ready-fd=3; Run writes one byte to it once both
// FIFOs are open and both rotators exist, then closes it. Launch waits for
// that byte at most LaunchTimeout; EOF instead means the child died, and
// the error carries the tail of its log file.
//
// Run opens each FIFO read-write: the logmon is then a writer of its own
// FIFO, so it never reads EOF when the task or the driver closes its end
// (a task restart), and a driver opening the FIFO write-only never blocks
// or fails with ENXIO, even before Run has started reading. On SIGTERM,
// SIGINT or its context ending, Run drains what the FIFOs still hold,
// flushes the rotators and exits 0.
//
// Launch, Reattach and Stop need Linux (/proc); elsewhere they return
// ErrUnsupported.
//
// This package must not know about drivers or allocations: it knows a log
// directory, a task name and rotation limits.
package logmon
