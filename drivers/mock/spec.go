// Package mock is the mock task driver, a test driver: it pretends to run a
// task for a while and then exits as told (run_for, exit_code, start_error,
// kill_after, stdout_string), so that schedulers, clients, the CLI and the
// driver conformance suite can be exercised without real workloads. Tasks
// are goroutines inside the plugin process; nothing is executed on the
// machine. It must not be used to run real work.
//
// ConfigSpec is the schema of a task's `config` block, which jobspec checks
// job files against; Driver is the driver, served out of process through
// package plugin like any other.
package mock

import (
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/nomadish/nomadish/drivers/configspec"
	"github.com/zclconf/go-cty/cty"
)

// ConfigSpec is the schema of a mock task's `config` block.
var ConfigSpec hcldec.Spec = hcldec.ObjectSpec{
	// run_for is how long the task runs before exiting, e.g. "30s".
	"run_for": configspec.Duration("run_for"),
	// exit_code is the code the task exits with once run_for has passed.
	"exit_code": configspec.Attr("exit_code", cty.Number),
	// start_error makes StartTask fail with this message.
	"start_error": configspec.Attr("start_error", cty.String),
	// start_error_recoverable marks start_error as worth a restart.
	"start_error_recoverable": configspec.Attr("start_error_recoverable", cty.Bool),
	// kill_after is how long the task ignores a stop signal.
	"kill_after": configspec.Duration("kill_after"),
	// stdout_string is written to the task's stdout.
	"stdout_string": configspec.Attr("stdout_string", cty.String),
	// stdout_repeat is how many times stdout_string is written.
	"stdout_repeat": configspec.Attr("stdout_repeat", cty.Number),
	// stdout_repeat_duration is the pause between two writes.
	"stdout_repeat_duration": configspec.Duration("stdout_repeat_duration"),
}
