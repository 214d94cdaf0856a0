package command

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/cli"
	"github.com/nomadish/nomadish/api"
)

// Meta is what every command that talks to the HTTP API shares: the Ui, the
// general flags and the clock the monitors use.
type Meta struct {
	Ui cli.Ui

	// now and pause are the clock; nil means real time. Tests inject a fake
	// clock so that monitors give up without anyone sleeping.
	now   func() time.Time
	pause func(time.Duration)

	// stdin is what "-" reads as a file; nil means os.Stdin.
	stdin io.Reader

	// General flags, filled by FlagSet.
	address   string
	region    string
	namespace string
}

// FlagSet returns a flag set named for the command with the general flags
// (-address, -region, -namespace) registered and its output sent to the Ui.
func (m *Meta) FlagSet(name string) *flag.FlagSet {
	f := flag.NewFlagSet(name, flag.ContinueOnError)
	f.StringVar(&m.address, "address", "", "")
	f.StringVar(&m.region, "region", "", "")
	f.StringVar(&m.namespace, "namespace", "", "")
	f.SetOutput(&uiErrorWriter{ui: m.Ui})
	f.Usage = func() {}
	return f
}

// parseFlags parses args into f. On a bad flag it prints the problem and
// help and returns false with exit code 1; on -help it prints help and
// returns false with exit code 0.
func (m *Meta) parseFlags(f *flag.FlagSet, args []string, help string) (code int, ok bool) {
	err := f.Parse(args)
	switch {
	case err == nil:
		return 0, true
	case errors.Is(err, flag.ErrHelp):
		m.Ui.Output(help)
		return 0, false
	default:
		// The flag package has already printed err through the Ui.
		m.Ui.Error(help)
		return 1, false
	}
}

// usageError prints what was wrong with the arguments, then help.
func (m *Meta) usageError(problem, help string) int {
	m.Ui.Error(problem)
	m.Ui.Error(help)
	return 1
}

// Client returns an API client for the agent named by -address or
// NOMADISH_ADDR, with -region and -namespace (or their environment
// variables) as defaults for every request.
func (m *Meta) Client() (*api.Client, error) {
	cfg := api.DefaultConfig()
	if m.address != "" {
		cfg.Address = m.address
	}
	if m.region != "" {
		cfg.Region = m.region
	}
	if m.namespace != "" {
		cfg.Namespace = m.namespace
	}
	return api.NewClient(cfg)
}

// client is Client that reports its error through the Ui.
func (m *Meta) client() (*api.Client, bool) {
	c, err := m.Client()
	if err != nil {
		m.Ui.Error(fmt.Sprintf("Error initializing client: %s", err))
		m.Ui.Error(fmt.Sprintf("Set -address or %s to the agent's HTTP address, e.g. %s.", api.EnvAddress, api.DefaultAddress))
		return nil, false
	}
	return c, true
}

// apiError prints "Error <doing>: <err>" and, when the agent could not be
// reached, where it was looked for and how to point elsewhere.
func (m *Meta) apiError(doing string, err error) {
	m.Ui.Error(fmt.Sprintf("Error %s: %s", doing, err))
	var ce *api.ConnectionError
	if errors.As(err, &ce) {
		m.Ui.Error(fmt.Sprintf("Is a nomadish agent running at %s? Set -address or %s to reach another one.", ce.Address, api.EnvAddress))
	}
}

func (m *Meta) stdinReader() io.Reader {
	if m.stdin != nil {
		return m.stdin
	}
	return os.Stdin
}

func (m *Meta) clockNow() time.Time {
	if m.now != nil {
		return m.now()
	}
	return time.Now()
}

func (m *Meta) clockPause(d time.Duration) {
	if m.pause != nil {
		m.pause(d)
		return
	}
	time.Sleep(d)
}

// uiErrorWriter sends what the flag package prints to the Ui's error stream.
type uiErrorWriter struct{ ui cli.Ui }

func (w *uiErrorWriter) Write(p []byte) (int, error) {
	w.ui.Error(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// generalOptionsUsage documents the flags FlagSet registers.
func generalOptionsUsage() string {
	return strings.TrimSpace(`
General Options:

  -address=<addr>
    The address of the nomadish agent's HTTP API. Overrides the
    ` + api.EnvAddress + ` (or Nomad's ` + api.EnvNomadAddress + `) environment variable
    if set. Default = ` + api.DefaultAddress + `

  -region=<region>
    The region to send the request to; the agent forwards it to a server
    of that region. Overrides the ` + api.EnvRegion + ` (or ` + api.EnvNomadRegion + `)
    environment variable if set. Default = the agent's own region.

  -namespace=<namespace>
    The namespace to act in. Overrides the ` + api.EnvNamespace + ` (or
    ` + api.EnvNomadNamespace + `) environment variable if set. Default = "default".
`)
}

// printJSON writes v as indented JSON, for the commands' -json flag.
func (m *Meta) printJSON(v any) int {
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		m.Ui.Error(fmt.Sprintf("Error encoding JSON: %s", err))
		return exitError
	}
	m.Ui.Output(string(out))
	return exitOK
}
