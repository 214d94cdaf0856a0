package oci

import (
	"strings"
	"testing"
)

func TestParseTaskConfig(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"image":"a","rootfs":"b"}`, "not both"},
		{`{}`, "image is required"},
		{`{"image":"a","imag":"b"}`, "the options are: image, rootfs"},
		{`{"image":"a","network_mode":"nat"}`, `network_mode "nat"`},
		{`{"image":"a","mount":[{"type":"nfs","target":"/x"}]}`, `mount[0].type "nfs"`},
		{`{"image":"a","mount":[{"type":"tmpfs"}]}`, "mount[0].target is required"},
		{`{"image":"a","image_pull_timeout":"soon"}`, `image_pull_timeout "soon"`},
		{`{"image":"a","image_pull_timeout":"-1s"}`, `image_pull_timeout "-1s"`},
	} {
		if _, err := parseTaskConfig([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseTaskConfig(%s) = %v, want an error saying %q", tc.in, err, tc.want)
		}
	}
	c, err := parseTaskConfig([]byte(`{"image":"alpine","args":["a"],"rootfs":null,"auth":null,"mount":[{"type":"tmpfs","target":"/t"}]}`))
	if err != nil || c.Image != "alpine" || len(c.Mounts) != 1 || c.pullTimeout != defaultPullTimeout {
		t.Fatalf("parseTaskConfig = %+v, %v", c, err)
	}
}

func TestParsePluginConfig(t *testing.T) {
	t.Setenv(PluginDirEnv, "")
	for _, tc := range []struct{ in, want string }{
		{`{"data_dir":"/x","runtimes":"crun"}`, "the options are: runtime, data_dir"},
		{`{}`, "data_dir is empty"},
		{`{"data_dir":"rel"}`, "relative"},
		{`{"data_dir":"/x","image_gc_delay":"soon"}`, `image_gc_delay "soon"`},
		{`{"data_dir":"/x","max_layers":0}`, "max_layers"},
		{`{"data_dir":"/x","pull_activity_timeout":"0s"}`, `pull_activity_timeout "0s"`},
		{`{"data_dir":"/x","bind_mount_sources":["srv"]}`, "bind_mount_sources[0]"},
	} {
		if _, err := parsePluginConfig([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parsePluginConfig(%s) = %v, want an error saying %q", tc.in, err, tc.want)
		}
	}
	t.Setenv(PluginDirEnv, "/plugins/oci")
	c, err := parsePluginConfig(nil)
	if err != nil || c.DataDir != "/plugins/oci" {
		t.Fatalf("parsePluginConfig(nil) = %+v, %v; want data_dir from %s", c, err, PluginDirEnv)
	}
}

func TestParseSignal(t *testing.T) {
	for in, want := range map[string]int{"SIGUSR1": 10, "usr1": 10, "15": 15, "SIGKILL": 9} {
		if s, err := parseSignal(in); err != nil || int(s) != want {
			t.Errorf("parseSignal(%q) = %d, %v; want %d", in, s, err, want)
		}
	}
	for _, in := range []string{"SIGNOPE", "0", "99"} {
		if _, err := parseSignal(in); err == nil {
			t.Errorf("parseSignal(%q) succeeded", in)
		}
	}
}
