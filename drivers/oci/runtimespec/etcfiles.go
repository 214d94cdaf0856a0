package runtimespec

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
)

// HostResolvConf is where the host's resolver configuration is read from.
const HostResolvConf = "/etc/resolv.conf"

// maxResolvConf bounds the host resolver configuration read.
const maxResolvConf = 64 << 10

// HostsFile returns the contents of a container's /etc/hosts: the loopback
// names, hostname on 127.0.1.1 (and ::1), and extra entries written as
// "name:address" (as the task's extra_hosts are; the address may be IPv6,
// split at the first ':').
func HostsFile(hostname string, extra []string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("# written by nomadish for this task\n")
	b.WriteString("127.0.0.1\tlocalhost\n")
	b.WriteString("::1\tlocalhost ip6-localhost ip6-loopback\n")
	b.WriteString("fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n")
	if hostname != "" {
		if _, err := Hostname(hostname, ""); err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "127.0.1.1\t%s\n", hostname)
	}
	for i, e := range extra {
		name, addr, ok := strings.Cut(e, ":")
		if !ok {
			return nil, fmt.Errorf("config: extra_hosts[%d] %q: name:address is expected, such as db:10.0.0.5", i, e)
		}
		ip, err := netip.ParseAddr(strings.Trim(addr, "[]"))
		if err != nil {
			return nil, fmt.Errorf("config: extra_hosts[%d] %q: %q is not an IP address", i, e, addr)
		}
		if _, err := Hostname(name, ""); err != nil {
			return nil, fmt.Errorf("config: extra_hosts[%d]: %w", i, err)
		}
		fmt.Fprintf(&b, "%s\t%s\n", ip, name)
	}
	return b.Bytes(), nil
}

// HostnameFile returns the contents of a container's /etc/hostname.
func HostnameFile(hostname string) []byte { return []byte(hostname + "\n") }

// ResolvConf returns a container's /etc/resolv.conf made from the host's:
// nameservers on loopback addresses (127.0.0.53 of systemd-resolved, a
// local dnsmasq) and link-local ones (fe80::1%eth0, which name a host
// interface) are dropped unless hostNetwork, since the container's
// interfaces are not the host's; lines that are not valid are dropped; search, options and other nameservers are
// kept. When no nameserver is left, a comment says so and the container's
// resolver will find none (no public resolver is put in its place).
func ResolvConf(host []byte, hostNetwork bool) []byte {
	var b bytes.Buffer
	b.WriteString("# written by nomadish for this task from the host's resolv.conf\n")
	servers := 0
	sc := bufio.NewScanner(bytes.NewReader(host))
	sc.Buffer(make([]byte, 0, 4096), maxResolvConf)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		f := strings.Fields(line)
		if len(f) == 0 || line[0] == '#' || line[0] == ';' {
			continue
		}
		if f[0] == "nameserver" {
			if len(f) < 2 {
				continue
			}
			ip, err := netip.ParseAddr(f[1])
			if err != nil {
				continue
			}
			if !hostNetwork && (ip.IsLoopback() || ip.IsLinkLocalUnicast()) {
				continue
			}
			servers++
		}
		b.WriteString(strings.Join(f, " "))
		b.WriteByte('\n')
	}
	if servers == 0 {
		b.WriteString("# no nameserver of the host is reachable from the container\n")
	}
	return b.Bytes()
}

// EtcFiles says what WriteEtcFiles writes.
type EtcFiles struct {
	Hostname    string   // see Hostname; "" writes no hostname entry
	ExtraHosts  []string // name:address
	HostNetwork bool     // keep loopback nameservers
	// HostResolvConf is the host file resolv.conf is made from;
	// "" means HostResolvConf.
	HostResolvConf string
}

// EtcPaths are the files WriteEtcFiles wrote, for Input.HostsPath,
// ResolvConfPath and HostnamePath.
type EtcPaths struct {
	Hosts, ResolvConf, Hostname string
}

// WriteEtcFiles writes hosts, resolv.conf and hostname into dir (a
// directory of the task's, created if missing) and returns their paths.
func WriteEtcFiles(dir string, f EtcFiles) (EtcPaths, error) {
	hosts, err := HostsFile(f.Hostname, f.ExtraHosts)
	if err != nil {
		return EtcPaths{}, err
	}
	src := f.HostResolvConf
	if src == "" {
		src = HostResolvConf
	}
	host, err := readBounded(src, maxResolvConf)
	if errors.Is(err, fs.ErrNotExist) {
		host, err = nil, nil // no resolver configured on the host: none in the container
	}
	if err != nil {
		return EtcPaths{}, fmt.Errorf("read the host's resolver configuration: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return EtcPaths{}, fmt.Errorf("create %s: %w", dir, err)
	}
	p := EtcPaths{
		Hosts:      filepath.Join(dir, "hosts"),
		ResolvConf: filepath.Join(dir, "resolv.conf"),
		Hostname:   filepath.Join(dir, "hostname"),
	}
	for _, w := range []struct {
		path string
		data []byte
	}{
		{p.Hosts, hosts},
		{p.ResolvConf, ResolvConf(host, f.HostNetwork)},
		{p.Hostname, HostnameFile(f.Hostname)},
	} {
		if err := writeFileAtomic(w.path, w.data); err != nil {
			return EtcPaths{}, err
		}
	}
	return p, nil
}

func readBounded(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes, the most accepted", name, limit)
	}
	return data, nil
}

// writeFileAtomic writes data to name through a temporary file and a
// rename, so a container never sees half a file.
func writeFileAtomic(name string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}
