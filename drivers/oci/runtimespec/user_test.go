package runtimespec

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

const testPasswd = `root:x:0:0:root:/root:/bin/sh
# a comment
+nis
daemon:x:1:1::/:/usr/sbin/nologin

app:x:1000:1000:App:/home/app:/bin/sh
broken:x:notanumber:10::/:/bin/sh
short:x:5
nogroup:x:2000:4242::/:/bin/sh
`

const testGroup = `root:x:0:
daemon:x:1:
wheel:x:10:app,root
app:x:1000:
docker:x:999:other, app
badgid:x:nope:app
video:x:44:app
wheel2:x:10:app
`

// rootfsWith writes files (path relative to the root) into a new rootfs.
func rootfsWith(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, data := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestResolveUser(t *testing.T) {
	root := rootfsWith(t, map[string]string{"etc/passwd": testPasswd, "etc/group": testGroup})
	cases := []struct {
		user string
		want specs.User
	}{
		{"", specs.User{UID: 0, GID: 0, AdditionalGids: []uint32{10}}},
		{"root", specs.User{UID: 0, GID: 0, AdditionalGids: []uint32{10}}},
		{"app", specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{10, 999, 44}}},
		{"1000", specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{10, 999, 44}}},
		{"app:wheel", specs.User{UID: 1000, GID: 10, AdditionalGids: []uint32{999, 44}}},
		{"app:7", specs.User{UID: 1000, GID: 7, AdditionalGids: []uint32{10, 999, 44}}},
		{"4321", specs.User{UID: 4321, GID: 0}},
		{"4321:55", specs.User{UID: 4321, GID: 55}},
		{"4321:video", specs.User{UID: 4321, GID: 44}},
		{"nogroup", specs.User{UID: 2000, GID: 4242}},
		{"daemon:daemon", specs.User{UID: 1, GID: 1}},
	}
	for _, c := range cases {
		t.Run(c.user, func(t *testing.T) {
			got, err := ResolveUser(root, c.user, "config: user")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("ResolveUser(%q) = %+v, want %+v", c.user, got, c.want)
			}
		})
	}
}

func TestResolveUserRefused(t *testing.T) {
	root := rootfsWith(t, map[string]string{"etc/passwd": testPasswd, "etc/group": testGroup})
	bare := t.TempDir() // no /etc at all, as a scratch image
	cases := []struct {
		root, user, want string
	}{
		{root, "nobody", `user "nobody" not found in the image's /etc/passwd`},
		{root, "app:nogrp", `group "nogrp" not found in the image's /etc/group`},
		{root, "broken", "/etc/passwd line 7: uid \"notanumber\""},
		{root, "short", "/etc/passwd line 8: 3 fields"},
		{root, "app:badgid", "/etc/group line 6"},
		{root, ":10", "the user is empty"},
		{root, "app:", "the group after ':' is empty"},
		{root, "4294967295", "out of range"},
		{root, "99999999999", "out of range"},
		{bare, "app", "the image has no /etc/passwd"},
		{bare, "0:wheel", "the image has no /etc/group"},
	}
	for _, c := range cases {
		t.Run(c.user, func(t *testing.T) {
			_, err := ResolveUser(c.root, c.user, "config: user")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one containing %q", err, c.want)
			}
			if !strings.Contains(err.Error(), "config: user") {
				t.Fatalf("err = %v does not say where the user came from", err)
			}
		})
	}
}

func TestResolveUserNumericWithoutFiles(t *testing.T) {
	got, err := ResolveUser(t.TempDir(), "65534:65534", "config: user")
	if err != nil {
		t.Fatal(err)
	}
	if got.UID != 65534 || got.GID != 65534 || len(got.AdditionalGids) != 0 {
		t.Fatalf("got %+v", got)
	}
}

func TestResolveUserStaysInRootfs(t *testing.T) {
	// The host's side of things: a passwd that must never be read.
	host := rootfsWith(t, map[string]string{"passwd": "evil:x:0:0::/:/bin/sh\n"})
	cases := map[string]string{
		"absolute link": filepath.Join(host, "passwd"),
		"relative link": strings.Repeat("../", 30) + strings.TrimPrefix(filepath.Join(host, "passwd"), "/"),
	}
	for name, target := range cases {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, filepath.Join(root, "etc/passwd")); err != nil {
				t.Fatal(err)
			}
			_, err := ResolveUser(root, "evil", "config: user")
			if err == nil {
				t.Fatal("a passwd outside the rootfs was read")
			}
			if !strings.Contains(err.Error(), "no /etc/passwd") {
				t.Fatalf("err = %v, want the link to resolve inside the rootfs (to nothing)", err)
			}
		})
	}
	t.Run("link inside the rootfs is followed", func(t *testing.T) {
		root := rootfsWith(t, map[string]string{"usr/share/passwd": "app:x:7:8::/:/bin/sh\n"})
		if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("/usr/share/../share/passwd", filepath.Join(root, "etc/passwd")); err != nil {
			t.Fatal(err)
		}
		got, err := ResolveUser(root, "app", "config: user")
		if err != nil || got.UID != 7 || got.GID != 8 {
			t.Fatalf("got %+v, %v", got, err)
		}
	})
	t.Run("link loop", func(t *testing.T) {
		root := t.TempDir()
		if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("/etc/passwd", filepath.Join(root, "etc/passwd")); err != nil {
			t.Fatal(err)
		}
		if _, err := ResolveUser(root, "app", "config: user"); err == nil || !strings.Contains(err.Error(), "symbolic links") {
			t.Fatalf("err = %v, want a symbolic link loop refused", err)
		}
	})
}

func TestResolveUserBounds(t *testing.T) {
	t.Run("oversized passwd", func(t *testing.T) {
		root := rootfsWith(t, map[string]string{"etc/passwd": strings.Repeat("x", maxAccountFile+1)})
		if _, err := ResolveUser(root, "app", "config: user"); err == nil || !strings.Contains(err.Error(), "larger than") {
			t.Fatalf("err = %v, want the size bound", err)
		}
	})
	t.Run("passwd is a directory", func(t *testing.T) {
		root := t.TempDir()
		if err := os.MkdirAll(filepath.Join(root, "etc/passwd"), 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := ResolveUser(root, "app", "config: user"); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("err = %v, want a non-regular file refused", err)
		}
	})
	t.Run("supplementary groups bounded", func(t *testing.T) {
		var g strings.Builder
		for i := range maxAdditional + 10 {
			g.WriteString("g" + strings.Repeat("x", i%3) + ":x:" + strconv.Itoa(2000+i) + ":app\n")
		}
		root := rootfsWith(t, map[string]string{"etc/passwd": "app:x:1:1::/:/bin/sh\n", "etc/group": g.String()})
		u, err := ResolveUser(root, "app", "config: user")
		if err != nil {
			t.Fatal(err)
		}
		if len(u.AdditionalGids) != maxAdditional {
			t.Fatalf("%d supplementary groups, want the bound %d", len(u.AdditionalGids), maxAdditional)
		}
	})
}
