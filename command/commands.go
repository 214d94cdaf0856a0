// Package command is the nomadish command-line interface: one file per
// command, each a cli.Command built on hashicorp/cli. Commands reach the
// cluster only through the HTTP API client in package api (and read job
// files); they must not import the server, the client agent or the
// scheduler. `nomadish agent` is the exception: it runs the agent process,
// which lives in command/agent.
package command

import (
	"fmt"
	"io"
	"os"

	"github.com/hashicorp/cli"
	"github.com/nomadish/nomadish/command/agent"
)

// Run runs the nomadish CLI with args (without the program name) and
// returns the process exit code.
func Run(args []string) int {
	ui := &cli.BasicUi{Reader: os.Stdin, Writer: os.Stdout, ErrorWriter: os.Stderr}
	return runCLI(args, ui, os.Stdout, os.Stderr)
}

// runCLI is Run with its Ui and the writers for top-level help and errors
// given, so tests can capture them.
func runCLI(args []string, ui cli.Ui, helpOut, errOut io.Writer) int {
	return runCLIWithStdin(args, ui, helpOut, errOut, nil)
}

// runCLIWithStdin is runCLI with what "-" job files and payloads read;
// nil means os.Stdin.
func runCLIWithStdin(args []string, ui cli.Ui, helpOut, errOut io.Writer, stdin io.Reader) int {
	c := &cli.CLI{
		Name:        "nomadish",
		Version:     versionString(),
		Args:        args,
		Commands:    commands(Meta{Ui: ui, stdin: stdin}),
		HelpFunc:    cli.BasicHelpFunc("nomadish"),
		HelpWriter:  helpOut,
		ErrorWriter: errOut,
	}
	addHiddenCommands(c, ui)
	code, err := c.Run()
	if err != nil {
		fmt.Fprintf(errOut, "Error executing CLI: %s\n", err)
		return 1
	}
	return code
}

// Commands returns every command by its full name. Each factory builds a
// fresh command, so flag state never leaks between runs.
func Commands(ui cli.Ui) map[string]cli.CommandFactory {
	return commands(Meta{Ui: ui})
}

func commands(meta Meta) map[string]cli.CommandFactory {
	ui := meta.Ui
	return map[string]cli.CommandFactory{
		"agent": func() (cli.Command, error) { return &agent.Command{Ui: ui, Drivers: builtinDriverNames()}, nil },

		"alloc": func() (cli.Command, error) {
			return &parentCommand{ui: ui, name: "alloc", synopsis: "Interact with allocations", help: `
Usage: nomadish alloc <subcommand> [options] [args]

  Inspect allocations, read their logs and files, and restart, signal or
  stop them. For example:

      $ nomadish alloc status 8b2c4e1f
      $ nomadish alloc logs -f 8b2c4e1f web
      $ nomadish alloc fs 8b2c4e1f alloc/logs
      $ nomadish alloc restart 8b2c4e1f web
      $ nomadish alloc stop 8b2c4e1f

  Run "nomadish alloc <subcommand> -help" for a sub-command's options.`}, nil
		},
		"alloc exec":    func() (cli.Command, error) { return &AllocExecCommand{Meta: meta}, nil },
		"alloc fs":      func() (cli.Command, error) { return &AllocFSCommand{Meta: meta}, nil },
		"alloc logs":    func() (cli.Command, error) { return &AllocLogsCommand{Meta: meta}, nil },
		"alloc restart": func() (cli.Command, error) { return &AllocRestartCommand{Meta: meta}, nil },
		"alloc signal":  func() (cli.Command, error) { return &AllocSignalCommand{Meta: meta}, nil },
		"alloc status":  func() (cli.Command, error) { return &AllocStatusCommand{Meta: meta}, nil },
		"alloc stop":    func() (cli.Command, error) { return &AllocStopCommand{Meta: meta}, nil },

		"status": func() (cli.Command, error) { return &StatusCommand{Meta: meta}, nil },

		"job": func() (cli.Command, error) {
			return &parentCommand{ui: ui, name: "job", synopsis: "Interact with jobs", help: `
Usage: nomadish job <subcommand> [options] [args]

  Submit, inspect and stop jobs. For example:

      $ nomadish job init
      $ nomadish job plan example.nomad.hcl
      $ nomadish job run example.nomad.hcl
      $ nomadish job status example
      $ nomadish job history -p example
      $ nomadish job stop example

  Run "nomadish job <subcommand> -help" for a sub-command's options.`}, nil
		},
		"job dispatch": func() (cli.Command, error) { return &JobDispatchCommand{Meta: meta}, nil },
		"job eval":     func() (cli.Command, error) { return &JobEvalCommand{Meta: meta}, nil },
		"job history":  func() (cli.Command, error) { return &JobHistoryCommand{Meta: meta}, nil },
		"job init":     func() (cli.Command, error) { return &JobInitCommand{Meta: meta}, nil },
		"job inspect":  func() (cli.Command, error) { return &JobInspectCommand{Meta: meta}, nil },
		"job periodic": func() (cli.Command, error) {
			return &parentCommand{ui: ui, name: "job periodic", synopsis: "Interact with periodic jobs", help: `
Usage: nomadish job periodic <subcommand> [options] [args]

  Act on periodic jobs, those with a "periodic" block that launch a child
  job on a schedule. For example:

      $ nomadish job periodic force nightly-report

  Run "nomadish job periodic <subcommand> -help" for a sub-command's options.`}, nil
		},
		"job periodic force": func() (cli.Command, error) { return &JobPeriodicForceCommand{Meta: meta}, nil },
		"job plan":           func() (cli.Command, error) { return &JobPlanCommand{Meta: meta}, nil },
		"job revert":         func() (cli.Command, error) { return &JobRevertCommand{Meta: meta}, nil },
		"job run":            func() (cli.Command, error) { return &JobRunCommand{Meta: meta}, nil },
		"job scale":          func() (cli.Command, error) { return &JobScaleCommand{Meta: meta}, nil },
		"job status":         func() (cli.Command, error) { return &JobStatusCommand{Meta: meta}, nil },
		"job stop":           func() (cli.Command, error) { return &JobStopCommand{Meta: meta}, nil },
		"job validate":       func() (cli.Command, error) { return &JobValidateCommand{Meta: meta}, nil },

		"server": func() (cli.Command, error) {
			return &parentCommand{ui: ui, name: "server", synopsis: "Interact with servers", help: `
Usage: nomadish server <subcommand> [options] [args]

  Inspect the servers' gossip membership and join servers together.
  For example:

      $ nomadish server members
      $ nomadish server join 10.0.0.2

  Run "nomadish server <subcommand> -help" for a sub-command's options.`}, nil
		},
		"server members": func() (cli.Command, error) { return &ServerMembersCommand{Meta: meta}, nil },

		"service": func() (cli.Command, error) {
			return &parentCommand{ui: ui, name: "service", synopsis: "Interact with registered services", help: `
Usage: nomadish service <subcommand> [options] [args]

  Inspect the services that running allocations register (service
  blocks with provider "nomad"), with their instances' health, and remove
  instances left behind. For example:

      $ nomadish service list
      $ nomadish service info web
      $ nomadish service info -verbose -tag v2 web
      $ nomadish service delete web _nomad-task-5a1b0c2d-web-web-http

  Run "nomadish service <subcommand> -help" for a sub-command's options.`}, nil
		},
		"service delete": func() (cli.Command, error) { return &ServiceDeleteCommand{Meta: meta}, nil },
		"service info":   func() (cli.Command, error) { return &ServiceInfoCommand{Meta: meta}, nil },
		"service list":   func() (cli.Command, error) { return &ServiceListCommand{Meta: meta}, nil },
		"server join":    func() (cli.Command, error) { return &ServerJoinCommand{Meta: meta}, nil },

		"operator": func() (cli.Command, error) {
			return &parentCommand{ui: ui, name: "operator", synopsis: "Cluster operations for operators", help: `
Usage: nomadish operator <subcommand> [options] [args]

  Commands for cluster operators: inspecting and repairing Raft.

  Run "nomadish operator <subcommand> -help" for a sub-command's options.`}, nil
		},
		"operator raft": func() (cli.Command, error) {
			return &parentCommand{ui: ui, name: "operator raft", synopsis: "Inspect and change the Raft peer set", help: `
Usage: nomadish operator raft <subcommand> [options] [args]

  Inspect the Raft peer set of a region. For example:

      $ nomadish operator raft list-peers

  Run "nomadish operator raft <subcommand> -help" for a sub-command's options.`}, nil
		},
		"operator raft list-peers": func() (cli.Command, error) { return &OperatorRaftListPeersCommand{Meta: meta}, nil },

		"node": func() (cli.Command, error) {
			return &parentCommand{ui: ui, name: "node", synopsis: "Interact with client nodes", help: `
Usage: nomadish node <subcommand> [options] [args]

  Inspect client nodes and take them out of service. For example:

      $ nomadish node status
      $ nomadish node status 4d2ba53b
      $ nomadish node eligibility -disable 4d2ba53b
      $ nomadish node drain -enable -deadline 30m 4d2ba53b
      $ nomadish node pool list

  Run "nomadish node <subcommand> -help" for a sub-command's options.`}, nil
		},
		"node pool": func() (cli.Command, error) {
			return &parentCommand{ui: ui, name: "node pool", synopsis: "Interact with node pools", help: `
Usage: nomadish node pool <subcommand> [options] [args]

  List, show, write and remove node pools: named sets of client nodes that
  jobs select with node_pool. For example:

      $ nomadish node pool list
      $ nomadish node pool apply gpu.hcl
      $ nomadish node pool info gpu
      $ nomadish node pool delete gpu

  Run "nomadish node pool <subcommand> -help" for a sub-command's options.`}, nil
		},
		"node pool apply":  func() (cli.Command, error) { return &NodePoolApplyCommand{Meta: meta}, nil },
		"node pool delete": func() (cli.Command, error) { return &NodePoolDeleteCommand{Meta: meta}, nil },
		"node pool info":   func() (cli.Command, error) { return &NodePoolInfoCommand{Meta: meta}, nil },
		"node pool list":   func() (cli.Command, error) { return &NodePoolListCommand{Meta: meta}, nil },
		"node drain":       func() (cli.Command, error) { return &NodeDrainCommand{Meta: meta}, nil },
		"node eligibility": func() (cli.Command, error) { return &NodeEligibilityCommand{Meta: meta}, nil },
		"node status":      func() (cli.Command, error) { return &NodeStatusCommand{Meta: meta}, nil },

		"deployment": func() (cli.Command, error) {
			return &parentCommand{ui: ui, name: "deployment", synopsis: "Interact with deployments", help: `
Usage: nomadish deployment <subcommand> [options] [args]

  Inspect the rollouts of service jobs (each version of a service job is
  rolled out as a deployment), and fail, pause or resume them. For
  example:

      $ nomadish deployment list
      $ nomadish deployment status 8990cfbc
      $ nomadish deployment pause 8990cfbc
      $ nomadish deployment promote 8990cfbc
      $ nomadish deployment set-health -healthy 5a1b0c2d 8990cfbc
      $ nomadish deployment resume 8990cfbc
      $ nomadish deployment fail 8990cfbc
      $ nomadish deployment unblock -region eu 8990cfbc

  Run "nomadish deployment <subcommand> -help" for a sub-command's options.`}, nil
		},
		"deployment fail":    func() (cli.Command, error) { return &DeploymentFailCommand{Meta: meta}, nil },
		"deployment list":    func() (cli.Command, error) { return &DeploymentListCommand{Meta: meta}, nil },
		"deployment pause":   func() (cli.Command, error) { return &DeploymentPauseCommand{Meta: meta}, nil },
		"deployment resume":  func() (cli.Command, error) { return &DeploymentResumeCommand{Meta: meta}, nil },
		"deployment status":  func() (cli.Command, error) { return &DeploymentStatusCommand{Meta: meta}, nil },
		"deployment unblock": func() (cli.Command, error) { return &DeploymentUnblockCommand{Meta: meta}, nil },

		"deployment promote":    func() (cli.Command, error) { return &DeploymentPromoteCommand{Meta: meta}, nil },
		"deployment set-health": func() (cli.Command, error) { return &DeploymentSetHealthCommand{Meta: meta}, nil },

		"eval": func() (cli.Command, error) {
			return &parentCommand{ui: ui, name: "eval", synopsis: "Interact with evaluations", help: `
Usage: nomadish eval <subcommand> [options] [args]

  Inspect evaluations, the scheduler's work items: each registration,
  stop, scale or node event of a job becomes one, and an evaluation that
  could not place everything says why. For example:

      $ nomadish eval list -job example
      $ nomadish eval status 8b2c4e1f
      $ nomadish eval status -monitor 8b2c4e1f

  Run "nomadish eval <subcommand> -help" for a sub-command's options.`}, nil
		},
		"eval list":   func() (cli.Command, error) { return &EvalListCommand{Meta: meta}, nil },
		"eval status": func() (cli.Command, error) { return &EvalStatusCommand{Meta: meta}, nil },

		// Future command families register here, each with a parent entry
		// like "job" above.

		"version": func() (cli.Command, error) { return &VersionCommand{Ui: ui}, nil },
	}
}
