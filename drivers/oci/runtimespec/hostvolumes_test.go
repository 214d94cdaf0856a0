package runtimespec

import (
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestHostVolumesNeedNoPolicy: host volumes come from the client's config,
// so a plugin config that allows no bind mounts still binds them.
func TestHostVolumesNeedNoPolicy(t *testing.T) {
	in := baseInput(t)
	in.Task.Mounts = []Mount{{Type: "tmpfs", Target: "/data/cache"}}
	in.HostVolumes = []HostVolume{
		{Source: "/srv/data/", Target: "/data"},
		{Source: "/srv/certs", Target: "/etc/ssl/certs", Readonly: true},
	}
	s, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	var got []specs.Mount
	order := map[string]int{}
	for i, m := range s.Mounts {
		order[m.Destination] = i
		if strings.HasPrefix(m.Destination, "/data") || m.Destination == "/etc/ssl/certs" {
			got = append(got, m)
		}
	}
	if len(got) != 3 {
		t.Fatalf("mounts %+v, want the two volumes and the tmpfs", got)
	}
	data := s.Mounts[order["/data"]]
	if data.Type != "bind" || data.Source != "/srv/data" || slices.Contains(data.Options, "ro") || !slices.Contains(data.Options, "rbind") {
		t.Errorf("/data = %+v, want a writable bind of /srv/data", data)
	}
	certs := s.Mounts[order["/etc/ssl/certs"]]
	if certs.Source != "/srv/certs" || !slices.Contains(certs.Options, "ro") {
		t.Errorf("/etc/ssl/certs = %+v, want a read-only bind of /srv/certs", certs)
	}
	if order["/data/cache"] < order["/data"] {
		t.Errorf("tmpfs /data/cache (mount %d) comes before the volume at /data (mount %d)", order["/data/cache"], order["/data"])
	}
}

func TestHostVolumesRefused(t *testing.T) {
	cases := []struct {
		name   string
		vols   []HostVolume
		mounts []Mount
		want   string
	}{
		{"over /proc", []HostVolume{{Source: "/srv", Target: "/proc"}}, nil, "volume_mount[0]: target /proc: /proc is reserved"},
		{"under /secrets", []HostVolume{{Source: "/srv", Target: "/secrets/x"}}, nil, "/secrets is reserved"},
		{"under /alloc", []HostVolume{{Source: "/srv", Target: "/alloc/data"}}, nil, "/alloc is reserved"},
		{"over /dev", []HostVolume{{Source: "/srv", Target: "/dev/shm"}}, nil, "/dev is reserved"},
		{"over /etc/hosts", []HostVolume{{Source: "/srv", Target: "/etc/hosts"}}, nil, "provided by the driver"},
		{"root", []HostVolume{{Source: "/srv", Target: "/"}}, nil, "cannot replace the container's root"},
		{"relative target", []HostVolume{{Source: "/srv", Target: "data"}}, nil, "an absolute path in the container is expected"},
		{"relative source", []HostVolume{{Source: "srv", Target: "/data"}}, nil, `host volume path "srv": an absolute host path is expected`},
		{"twice", []HostVolume{{Source: "/a", Target: "/data"}, {Source: "/b", Target: "/data"}}, nil, "volume_mount[1]: target /data is also the target of volume_mount[0]"},
		{"a mount block's target", []HostVolume{{Source: "/a", Target: "/data"}}, []Mount{{Type: "tmpfs", Target: "/data"}}, "volume_mount[0]: target /data is also the target of a mount block"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := baseInput(t)
			in.HostVolumes = c.vols
			in.Task.Mounts = c.mounts
			_, err := Build(in)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}
