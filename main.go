// Command nomadish is at once the cluster agent, the command-line tool and
// the driver plugins of the nomadish workload orchestrator.
package main

import (
	"os"

	"github.com/nomadish/nomadish/command"
)

func main() {
	os.Exit(command.Run(os.Args[1:]))
}
