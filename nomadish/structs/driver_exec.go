package structs

import "sort"

// builtinExec tells, for each built-in driver, whether it can run a
// command inside a running task (ExecTask): what script checks and
// `alloc exec` need. The drivers' Capabilities say the same; a test in
// drivers/catalog keeps the two equal.
var builtinExec = map[string]bool{
	"docker": true,
	"oci":    true,
	"mock":   true,
	"wasm":   false,
}

// DriverCanExec reports whether driver can run commands in its tasks;
// known is false for a driver that is not built in, of which nothing is
// assumed.
func DriverCanExec(driver string) (can, known bool) {
	can, known = builtinExec[driver]
	return can, known
}

// BuiltinExecDrivers are the built-in drivers DriverCanExec knows, with
// whether each can exec.
func BuiltinExecDrivers() map[string]bool {
	out := make(map[string]bool, len(builtinExec))
	for d, can := range builtinExec {
		out[d] = can
	}
	return out
}

// execDrivers are the built-in drivers that can exec, sorted, leaving
// out the mock driver, which is for tests.
func execDrivers() []string {
	var out []string
	for d, can := range builtinExec {
		if can && d != "mock" {
			out = append(out, d)
		}
	}
	sort.Strings(out)
	return out
}
