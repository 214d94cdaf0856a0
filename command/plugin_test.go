package command

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/cli"
	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/drivers/plugin"
)

func TestPluginCommandServesBuiltinDriver(t *testing.T) {
	t.Setenv(plugin.Handshake.MagicCookieKey, plugin.Handshake.MagicCookieValue)
	ui := cli.NewMockUi()
	var stderr strings.Builder
	var served plugin.DriverPlugin
	c := &PluginCommand{Ui: ui, stderr: &stderr, serve: func(d plugin.DriverPlugin, logger hclog.Logger) {
		served = d
		logger.Info("serving")
	}}
	if code := c.Run([]string{"-log-level=debug", "mock"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if served == nil {
		t.Fatal("no driver served")
	}
	info, err := served.PluginInfo(context.Background())
	if err != nil || info.Name != "mock" {
		t.Fatalf("served %+v, %v; want the mock driver", info, err)
	}
	if ui.OutputWriter.String() != "" {
		t.Errorf("wrote to stdout, the handshake channel: %q", ui.OutputWriter.String())
	}
	if !strings.Contains(stderr.String(), `"@message":"serving"`) {
		t.Errorf("log is not JSON on stderr: %q", stderr.String())
	}
}

func TestPluginCommandRefusesBadInvocations(t *testing.T) {
	t.Setenv(plugin.Handshake.MagicCookieKey, plugin.Handshake.MagicCookieValue)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown driver", []string{"nope"}, `Unknown driver "nope"; the built-in drivers are: docker, mock, oci, wasm`},
		{"no driver", nil, "takes one argument, the driver to serve (one of docker, mock, oci, wasm); got 0"},
		{"two drivers", []string{"mock", "mock"}, "got 2"},
		{"bad level", []string{"-log-level=loud", "mock"}, `Invalid -log-level "loud"`},
		{"bad flag", []string{"-nope", "mock"}, "flag provided but not defined: -nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ui := cli.NewMockUi()
			c := &PluginCommand{Ui: ui, serve: func(plugin.DriverPlugin, hclog.Logger) { t.Fatal("served") }}
			if code := c.Run(tc.args); code != 1 {
				t.Fatalf("exit %d, want 1", code)
			}
			if !strings.Contains(ui.ErrorWriter.String(), tc.want) {
				t.Fatalf("error output lacks %q:\n%s", tc.want, ui.ErrorWriter.String())
			}
			if ui.OutputWriter.String() != "" {
				t.Errorf("wrote to stdout: %q", ui.OutputWriter.String())
			}
		})
	}
}

func TestPluginCommandRefusesToRunByHand(t *testing.T) {
	t.Setenv(plugin.Handshake.MagicCookieKey, "")
	ui := cli.NewMockUi()
	c := &PluginCommand{Ui: ui, serve: func(plugin.DriverPlugin, hclog.Logger) { t.Fatal("served") }}
	if code := c.Run([]string{"mock"}); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if want := "started by the client agent, not by hand"; !strings.Contains(ui.ErrorWriter.String(), want) {
		t.Fatalf("error output lacks %q:\n%s", want, ui.ErrorWriter.String())
	}
}

func TestPluginCommandIsHiddenButHasHelp(t *testing.T) {
	ui := cli.NewMockUi()
	var out strings.Builder
	runCLI([]string{"-help"}, ui, &out, &out)
	if strings.Contains(out.String(), "    plugin") {
		t.Errorf("top-level help lists the hidden plugin command:\n%s", out.String())
	}

	ui = cli.NewMockUi()
	out.Reset()
	if code := runCLI([]string{"plugin", "-help"}, ui, &out, &out); code != 0 {
		t.Fatalf("plugin -help exit %d", code)
	}
	help := out.String() + ui.OutputWriter.String() + ui.ErrorWriter.String()
	for _, want := range []string{"Usage: nomadish plugin [options] <driver>", "Built-in drivers: docker, mock, oci, wasm", "-log-level=<level>"} {
		if !strings.Contains(help, want) {
			t.Errorf("plugin help lacks %q:\n%s", want, help)
		}
	}
}
