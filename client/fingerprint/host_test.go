package fingerprint

import (
	"runtime"
	"testing"
)

func TestHost_X86(t *testing.T) {
	resp, err := run(t, &Host{}, &Request{Root: x86Root})
	if err != nil {
		t.Fatal(err)
	}
	wantAttrs(t, resp, map[string]string{
		"os.name":         "ubuntu",
		"os.version":      "22.04",
		"kernel.name":     "linux",
		"kernel.version":  "5.15.0-91-generic",
		"kernel.arch":     "x86_64",
		"unique.hostname": "web-01",
	})
}

func TestHost_UsrLibOSRelease(t *testing.T) {
	resp, err := run(t, &Host{}, &Request{Root: armRoot})
	if err != nil {
		t.Fatal(err)
	}
	wantAttrs(t, resp, map[string]string{
		"os.name":         "debian",
		"os.version":      "11",
		"kernel.name":     runtime.GOOS, // no ostype file
		"kernel.version":  "5.10.0-rpi",
		"unique.hostname": "pi",
	})
	if _, ok := resp.Attributes["kernel.arch"]; ok {
		t.Error("kernel.arch set without /proc/sys/kernel/arch")
	}
}

func TestHost_EmptyTreeKeepsWhatItKnows(t *testing.T) {
	resp, err := run(t, &Host{}, &Request{Root: t.TempDir()})
	if err == nil {
		t.Fatal("want an error for a tree without hostname (and, on linux, osrelease)")
	}
	// A fake root never falls back to the real machine's hostname.
	if _, ok := resp.Attributes["unique.hostname"]; ok {
		t.Error("hostname taken from the real machine for a fake root")
	}
	wantAttrs(t, resp, map[string]string{"kernel.name": runtime.GOOS})
}
