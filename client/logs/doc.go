// Package logs keeps a task's stdout and stderr on disk as rotated files
// and reads them back for the logs API.
//
// Files live in one directory (the allocation's alloc/logs) and are named
// <task>.<stream>.<index>, as in web.stdout.0, web.stdout.1, … The index
// only grows: a Rotator appends to the highest index until the file holds
// logs.max_file_size bytes, then starts the next index and deletes the
// oldest files so that at most logs.max_files remain. A Rotator opened
// again over the same directory (the agent restarted) resumes at the
// highest index, so the files stay continuous across restarts. Small writes
// are batched in a bounded buffer that is flushed when it fills, on every
// tick of an injected Clock, and on Flush or Close.
//
// The read side (Files, ReadFrom, Follow) never writes; it sees the files
// through the directory alone, so it works the same whether the writer is
// this process or another one. Follow polls on the Clock's ticker rather
// than using inotify: it needs no new dependency and behaves the same on
// every platform, at the cost of up to one poll interval of latency.
//
// Every path is <dir>/<name> with a task name that may not contain a path
// separator or be "." or ".."; on Unix, files are opened without following
// symlinks and anything but a regular file is refused, because tasks can
// write into the alloc directory. The logs API reads through a Dir, an
// os.Root its caller opened (allocdir confines it to the allocation
// directory), so nothing in the directory leads outside it.
//
// This package must not know about allocations, drivers or the HTTP API,
// and it does not keep the writer alive while the agent is down: that is
// the job of whoever runs the Rotator (a log process that outlives the
// agent), which this package only makes safe to restart.
package logs
