package hoststats

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseMeminfo(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     *HostMemoryStats
		err      string
	}{
		{name: "with MemAvailable", in: "MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 600 kB\nBuffers: 50 kB\nCached: 200 kB\n",
			want: &HostMemoryStats{Total: 1024000, Free: 102400, Available: 614400, Used: 409600}},
		{name: "old kernel: free + buffers + cache", in: "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 200 kB\n",
			want: &HostMemoryStats{Total: 1024000, Free: 102400, Available: 358400, Used: 665600}},
		{name: "other lines ignored", in: "HugePages_Total: 0\nMemTotal: 10 kB\nweird\nMemFree: 10 kB\nMemAvailable: 10 kB\n",
			want: &HostMemoryStats{Total: 10240, Free: 10240, Available: 10240}},
		{name: "no MemFree", in: "MemTotal: 10 kB\n", err: "no MemFree line"},
		{name: "wrong unit", in: "MemTotal: 10 MB\n", err: `line 1: MemTotal: want a number of kB, got "10 MB"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseMeminfo([]byte(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestParseStat(t *testing.T) {
	got, err := parseStat([]byte("cpu 9 9 9 9\ncpu0 1 2 3 4\ncpu1 1 2 3 4 5 6 7 8 9 10\nintr 1 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []coreTimes{
		{name: "cpu0", cpuTimes: cpuTimes{user: 1, nice: 2, system: 3, idle: 4}},
		{name: "cpu1", cpuTimes: cpuTimes{user: 1, nice: 2, system: 3, idle: 4, iowait: 5, irq: 6, softirq: 7, steal: 8}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestParseUptime(t *testing.T) {
	for in, want := range map[string]uint64{"35502.87 138894.34\n": 35502, "7\n": 7, "0.99 0.1": 0} {
		if got, err := parseUptime([]byte(in)); err != nil || got != want {
			t.Errorf("parseUptime(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1 2", "soon"} {
		if _, err := parseUptime([]byte(in)); err == nil {
			t.Errorf("parseUptime(%q): no error", in)
		}
	}
}

func TestParseMounts(t *testing.T) {
	in := "proc /proc proc rw 0 0\n" +
		"/dev/sda1 / ext4 rw 0 0\n" +
		"/dev/sdb1 /srv/a\\040b xfs rw 0 0\n" +
		"tank/home /home zfs rw 0 0\n" +
		"me@far /mnt/far fuse.sshfs rw 0 0\n" +
		"none /x ext4 rw 0 0\n" +
		"/dev/sdc1 / ext4 rw 0 0\n" // mounted over the first
	for _, tc := range []struct {
		name  string
		nodev map[string]bool
	}{
		{"from /proc/filesystems", parseFilesystems([]byte("nodev\tproc\nnodev\tfuse\n\text4\n\tzfs\n"))},
		{"fallback", fallbackPseudo},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseMounts([]byte(in), tc.nodev)
			if err != nil {
				t.Fatal(err)
			}
			want := []mount{
				{device: "proc", mountpoint: "/proc", fstype: "proc", pseudo: true},
				{device: "/dev/sdc1", mountpoint: "/", fstype: "ext4"},
				{device: "/dev/sdb1", mountpoint: "/srv/a b", fstype: "xfs"},
				{device: "tank/home", mountpoint: "/home", fstype: "zfs"},
				{device: "me@far", mountpoint: "/mnt/far", fstype: "fuse.sshfs", pseudo: true},
				{device: "none", mountpoint: "/x", fstype: "ext4", pseudo: true},
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestUnescapeMount(t *testing.T) {
	for in, want := range map[string]string{`a\040b`: "a b", `\134`: `\`, `tail\04`: `tail\04`, `plain`: "plain", `x\999`: `x\999`,
		`/t\011x`: "/t\tx", `/end\040`: "/end "} {
		if got := UnescapeMount(in); got != want {
			t.Errorf("UnescapeMount(%q) = %q, want %q", in, got, want)
		}
	}
}
