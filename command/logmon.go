package command

import (
	"context"
	"io"
	"os"
	"strings"

	"github.com/hashicorp/cli"
	"github.com/nomadish/nomadish/client/logmon"
)

// LogmonCommand is `nomadish logmon`: the client agent starts one per
// task to keep writing the task's rotated logs while the agent itself is
// down. All the work is in client/logmon.Run.
type LogmonCommand struct {
	Ui cli.Ui

	// stderr is where logs and argument errors go; nil is os.Stderr (the
	// logmon's own log file, as the agent launches it). Tests set it.
	stderr io.Writer
}

func (c *LogmonCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish logmon [options]

  Copy a task's standard output and error from two FIFOs into rotated log
  files. The client agent starts one such process per task, in its own
  session, so that the task's logs keep being written while the agent is
  stopped or restarting; the agent re-attaches to it afterwards. It is not
  meant to be run by hand.

  It runs until SIGTERM or SIGINT, then writes out what the FIFOs still
  hold and exits 0. Its own log goes to standard error.

Options:

  -log-dir=<path>
    The directory of the rotated files, <task>.stdout.<n> and
    <task>.stderr.<n>. Required.

  -task=<name>
    The task name, the prefix of the files. Required.

  -stdout-fifo=<path>, -stderr-fifo=<path>
    The FIFOs the driver writes the task's output to. Required.

  -max-files=<n>
    Rotated files kept per stream. The default is 10.

  -max-file-size-mb=<n>
    The size of one rotated file in megabytes. The default is 10.

  -ready-fd=<n>
    A descriptor to write one byte to, then close, once the FIFOs are
    being read. The agent waits on it.
`)
}

func (c *LogmonCommand) Synopsis() string {
	return "Write a task's rotated logs (run by the client agent)"
}

func (c *LogmonCommand) Run(args []string) int {
	stderr := c.stderr
	if stderr == nil {
		stderr = os.Stderr
	}
	return logmon.Run(context.Background(), args, stderr)
}
