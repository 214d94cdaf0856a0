package runtimespec

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// denied returns the names the profile answers with an errno
// unconditionally.
func denied(s *specs.LinuxSeccomp) []string {
	var out []string
	for _, sc := range s.Syscalls {
		if sc.Action == specs.ActErrno && len(sc.Args) == 0 {
			out = append(out, sc.Names...)
		}
	}
	return out
}

func TestDefaultSeccomp(t *testing.T) {
	s := DefaultSeccomp(DefaultCaps)
	if s.DefaultAction != specs.ActAllow {
		t.Fatalf("default action %s", s.DefaultAction)
	}
	d := denied(s)
	for _, name := range []string{"kexec_load", "mount", "umount2", "pivot_root", "reboot", "swapon",
		"init_module", "finit_module", "bpf", "ptrace", "unshare", "setns", "keyctl", "io_uring_setup", "clone3"} {
		if !slices.Contains(d, name) {
			t.Errorf("%s is not denied", name)
		}
	}
	if s.Syscalls[0].ErrnoRet == nil || *s.Syscalls[0].ErrnoRet != errnoEPERM {
		t.Errorf("denied calls do not return EPERM")
	}
	var clone *specs.LinuxSyscall
	for i := range s.Syscalls {
		if slices.Equal(s.Syscalls[i].Names, []string{"clone"}) {
			clone = &s.Syscalls[i]
		}
	}
	if clone == nil || len(clone.Args) != 1 || clone.Args[0].Op != specs.OpMaskedEqual || clone.Args[0].Value != cloneNewUser {
		t.Errorf("clone(CLONE_NEWUSER) is not refused: %+v", clone)
	}
	if len(s.Architectures) == 0 && seccompArches("amd64") == nil {
		t.Errorf("no architectures")
	}
}

func TestDefaultSeccompLiftedByCaps(t *testing.T) {
	s := DefaultSeccomp(append(slices.Clone(DefaultCaps), "CAP_SYS_PTRACE", "CAP_SYS_ADMIN"))
	d := denied(s)
	for _, name := range []string{"ptrace", "process_vm_readv", "mount", "unshare"} {
		if slices.Contains(d, name) {
			t.Errorf("%s still denied with its capability", name)
		}
	}
	for _, name := range []string{"bpf", "keyctl", "kexec_load", "init_module"} {
		if !slices.Contains(d, name) {
			t.Errorf("%s allowed though its capability was not added", name)
		}
	}
	for _, sc := range s.Syscalls {
		if slices.Contains(sc.Names, "clone") {
			t.Errorf("clone still filtered with SYS_ADMIN")
		}
	}
}

func TestSeccompProfiles(t *testing.T) {
	if s, err := Seccomp("unconfined", nil); err != nil || s != nil {
		t.Errorf("unconfined = %+v, %v", s, err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}`), 0o644)
	s, err := Seccomp(good, nil)
	if err != nil || s.DefaultAction != specs.ActErrno || len(s.Syscalls) != 1 {
		t.Fatalf("file profile = %+v, %v", s, err)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"defaultAction":"SCMP_ACT_ALLOW","sycalls":[]}`), 0o644)
	big := filepath.Join(dir, "big.json")
	os.WriteFile(big, make([]byte, maxSeccompFile+1), 0o644)
	for _, c := range []struct{ profile, want string }{
		{"relative.json", "the absolute path"},
		{bad, "linux.seccomp object"},
		{big, "at most"},
		{filepath.Join(dir, "missing.json"), "no such file"},
		{dir, "a regular file"},
	} {
		if _, err := Seccomp(c.profile, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Seccomp(%q) err = %v, want %q", c.profile, err, c.want)
		}
	}
}
