package runtimespec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHostsFile(t *testing.T) {
	got, err := HostsFile("web-1", []string{"db:10.0.0.5", "v6:[fd00::1]", "v6b:fd00::2"})
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"127.0.0.1\tlocalhost\n", "::1\tlocalhost ip6-localhost ip6-loopback\n",
		"127.0.1.1\tweb-1\n", "10.0.0.5\tdb\n", "fd00::1\tv6\n", "fd00::2\tv6b\n"} {
		if !strings.Contains(string(got), line) {
			t.Errorf("hosts lacks %q:\n%s", line, got)
		}
	}
	for _, c := range []struct {
		host  string
		extra []string
		want  string
	}{
		{"bad host!", nil, "not accepted"},
		{"ok", []string{"noaddr"}, "name:address is expected"},
		{"ok", []string{"db:10.0.0.300"}, "not an IP address"},
		{"ok", []string{"-db:10.0.0.3"}, "extra_hosts[0]"},
	} {
		if _, err := HostsFile(c.host, c.extra); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("HostsFile(%q, %q) err = %v, want %q", c.host, c.extra, err, c.want)
		}
	}
}

func TestResolvConf(t *testing.T) {
	host := []byte("# host\nnameserver 127.0.0.53\nnameserver ::1\nnameserver 10.1.1.1\nnameserver   fe80::1%eth0\nsearch example.com  corp\noptions edns0 trust-ad\nnameserver bogus\n")
	got := string(ResolvConf(host, false))
	for _, want := range []string{"nameserver 10.1.1.1\n", "search example.com corp\n", "options edns0 trust-ad\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("resolv.conf lacks %q:\n%s", want, got)
		}
	}
	for _, bad := range []string{"127.0.0.53", "nameserver ::1\n", "fe80::1%eth0", "bogus", "# host"} {
		if strings.Contains(got, bad) {
			t.Errorf("resolv.conf keeps %q:\n%s", bad, got)
		}
	}
	if got := string(ResolvConf(host, true)); !strings.Contains(got, "nameserver 127.0.0.53\n") {
		t.Errorf("host network drops loopback nameservers:\n%s", got)
	}
	if got := string(ResolvConf([]byte("nameserver 127.0.0.1\n"), false)); !strings.Contains(got, "no nameserver") || strings.Contains(got, "nameserver 127") {
		t.Errorf("only-loopback host:\n%s", got)
	}
}

func TestWriteEtcFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "etc")
	hostConf := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(hostConf, []byte("nameserver 127.0.0.53\nnameserver 9.9.9.9\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := WriteEtcFiles(dir, EtcFiles{Hostname: "web-1", ExtraHosts: []string{"db:10.0.0.5"}, HostResolvConf: hostConf})
	if err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if h := read(p.Hosts); !strings.Contains(h, "127.0.1.1\tweb-1") || !strings.Contains(h, "10.0.0.5\tdb") {
		t.Errorf("hosts:\n%s", h)
	}
	if r := read(p.ResolvConf); !strings.Contains(r, "nameserver 9.9.9.9") || strings.Contains(r, "127.0.0.53") {
		t.Errorf("resolv.conf:\n%s", r)
	}
	if h := read(p.Hostname); h != "web-1\n" {
		t.Errorf("hostname = %q", h)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("%d files in %s, want 3 (no temporary files left)", len(entries), dir)
	}

	if _, err := WriteEtcFiles(dir, EtcFiles{Hostname: "x", HostResolvConf: filepath.Join(dir, "none")}); err != nil {
		t.Errorf("a host without resolv.conf: %v", err)
	}
	big := filepath.Join(t.TempDir(), "big")
	os.WriteFile(big, make([]byte, maxResolvConf+1), 0o644)
	if _, err := WriteEtcFiles(dir, EtcFiles{HostResolvConf: big}); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("oversized host resolv.conf: err = %v", err)
	}
}
