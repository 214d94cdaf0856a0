package command

import (
	"strings"
	"testing"
)

func TestAllocFS(t *testing.T) {
	f := newFakeAllocAgent(t, testAlloc("aa000000-1111", "web"))
	f.files = map[string]string{
		"alloc/":                  "",
		"alloc/logs/":             "",
		"alloc/logs/web.stdout.0": "hello from web\n",
		"web/":                    "",
		"web/local/":              "",
		"web/local/big.bin":       strings.Repeat("x", 3000),
	}
	run := func(args ...string) (int, string, string) {
		meta, ui, _ := testMeta(t)
		code := (&AllocFSCommand{Meta: meta}).Run(append([]string{"-address=" + f.URL}, args...))
		return code, ui.OutputWriter.String(), ui.ErrorWriter.String()
	}
	code, out, errOut := run("aa00")
	want := formatList([]string{
		"Mode|Size|Modified Time|Name",
		"drwxr-xr-x|4.0 KiB|05/06/24 07:00:00 UTC|alloc/",
		"drwxr-xr-x|4.0 KiB|05/06/24 07:00:00 UTC|web/",
	})
	if code != 0 || strings.TrimSpace(out) != want {
		t.Fatalf("ls /: %d\n%s\nwant\n%s\n%s", code, out, want, errOut)
	}
	if code, out, _ := run("aa00", "web/local"); code != 0 || !strings.Contains(out, "-rw-r--r--  2.9 KiB  05/06/24 07:00:00 UTC  big.bin") {
		t.Fatalf("ls web/local: %d %q", code, out)
	}
	if code, out, _ := run("-H", "-stat", "aa00", "web/local/big.bin"); code != 0 || !strings.Contains(out, "-rw-r--r--  3000  2024-05-06T07:00:00Z  big.bin") {
		t.Fatalf("stat -H: %d %q", code, out)
	}
	if code, out, _ := run("aa00", "alloc/logs/web.stdout.0"); code != 0 || out != "hello from web\n" {
		t.Fatalf("cat: %d %q", code, out)
	}
	if code, _, errOut := run("aa00", "../../etc"); code != 1 || !strings.Contains(errOut, "escapes the allocation directory") {
		t.Fatalf("escape: %d %q", code, errOut)
	}
	if code, _, errOut := run("aa00", "nope"); code != 1 || !strings.Contains(errOut, `path "nope" not found`) {
		t.Fatalf("missing: %d %q", code, errOut)
	}
}

func TestAllocFS_TailAndFollow(t *testing.T) {
	f := newFakeAllocAgent(t, testAlloc("aa000000-1111", "web"))
	f.files = map[string]string{"alloc/": "", "alloc/data/": "", "alloc/data/out.txt": "one\ntwo\nthree\nfour\n"}
	run := func(args ...string) (int, string, string) {
		meta, ui, _ := testMeta(t)
		code := (&AllocFSCommand{Meta: meta}).Run(append([]string{"-address=" + f.URL}, args...))
		return code, ui.OutputWriter.String(), ui.ErrorWriter.String()
	}
	if code, out, errOut := run("-n", "2", "aa00", "alloc/data/out.txt"); code != 0 || out != "three\nfour\n" {
		t.Fatalf("-n 2: %d %q %s", code, out, errOut)
	}
	if code, out, _ := run("-tail", "aa00", "alloc/data/out.txt"); code != 0 || out != "one\ntwo\nthree\nfour\n" {
		t.Fatalf("-tail: %d %q", code, out)
	}
	if code, out, _ := run("-c", "5", "aa00", "alloc/data/out.txt"); code != 0 || out != "four\n" {
		t.Fatalf("-c 5: %d %q", code, out)
	}
	// Following prints what is appended after the tail.
	f.appended = "five\n"
	if code, out, _ := run("-f", "-n", "1", "aa00", "alloc/data/out.txt"); code != 0 || out != "four\nfive\n" {
		t.Fatalf("-f -n 1: %d %q", code, out)
	}
	if code, out, _ := run("-f", "aa00", "alloc/data/out.txt"); code != 0 || out != "one\ntwo\nthree\nfour\nfive\n" {
		t.Fatalf("-f: %d %q", code, out)
	}
	if code, _, errOut := run("-f", "aa00", "alloc/data"); code != 1 || !strings.Contains(errOut, "is a directory") {
		t.Fatalf("-f on a directory: %d %q", code, errOut)
	}
	if code, _, errOut := run("-n", "1", "-c", "1", "aa00", "alloc/data/out.txt"); code != 1 || !strings.Contains(errOut, "exclusive") {
		t.Fatalf("-n with -c: %d %q", code, errOut)
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 5 << 20: "5.0 MiB", 3 << 30: "3.0 GiB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
