package agent

import "strings"

// signalNames are the signals PUT /v1/client/allocation/:id/signal
// accepts, in the order of their Linux numbers. They are names, not the
// agent's own platform's numbers: the task's driver, on the node running
// it, delivers them (and may refuse one it cannot, as wasm does).
var signalNames = []string{
	"SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
	"SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGCHLD", "SIGCONT", "SIGSTOP",
	"SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH",
	"SIGIO", "SIGSYS",
}

// canonicalSignal turns "SIGHUP", "sighup" or "HUP" into "SIGHUP"; false
// for a name not in signalNames.
func canonicalSignal(name string) (string, bool) {
	n := strings.ToUpper(name)
	if !strings.HasPrefix(n, "SIG") {
		n = "SIG" + n
	}
	for _, s := range signalNames {
		if s == n {
			return s, true
		}
	}
	return "", false
}
