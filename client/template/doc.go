// Package template renders a task's templates (the jobspec's template
// blocks) into its task directory with Go's text/template.
//
// The data a template sees is the task's environment, through the env
// function ({{ env "NOMAD_ALLOC_ID" }}); there is no Consul or Vault.
// Source and destination paths are interpolated (Task.ReplacePath) and
// then confined to the allocation directory, the rendered output is
// bounded (MaxBytes), the file gets the template's perms, uid and gid,
// and with envvars = true the output is parsed as KEY=VALUE lines that
// the task runner adds to the task's environment. Check validates the
// arguments that only matter once template data can change (change_mode,
// splay, wait).
//
// This package must not watch for changes or signal tasks: it renders once,
// when asked.
package template
