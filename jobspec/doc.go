// Package jobspec turns a job file into an api.Job on the user's side,
// before anything is sent to a server.
//
// A job file is HCL2 (hashicorp/hcl/v2) in the shape Nomad documents: a
// `job` block holding `group` blocks holding `task` blocks, with input
// `variable` blocks, `locals`, HCL's standard functions and `dynamic`
// blocks; or Nomad's JSON job format, the body the HTTP API takes.
//
// Parse works in stages, each in its own file:
//
//   - parse.go reads and parses the file and runs the stages below;
//   - nesting.go checks the tokens before HCL's recursive parser sees
//     them, and budget.go charges evaluation to a per-parse budget that
//     the caller's context can also stop; limits.go lists every bound;
//   - variables.go and locals.go give every `var.x` and `local.x` its value,
//     from defaults, -var-file, -var and NOMADISH_VAR_ environment variables;
//   - runtime.go keeps `${attr.x}`, `${meta.x}`, `${NOMAD_PORT_x}` and the
//     like as literal text, for the client to fill in where the task runs;
//   - job.go, group.go, task.go, … decode each block into the api types,
//     applying the defaults a client applies (a group without `count` runs
//     once) and leaving the rest to the server's Canonicalize;
//   - json.go reads the JSON job format;
//   - diagnostics.go renders every problem at once, each with its position,
//     source line, block path and what would have been accepted.
//
// The package must not talk to a server, read anything but the job file,
// its variable files and (through the file function) files beside the job
// file, nor import anything of ours but api.
package jobspec
