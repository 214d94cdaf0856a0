package command

import (
	"strings"
	"testing"
)

func TestAllocLogs(t *testing.T) {
	f := newFakeAllocAgent(t, testAlloc("aa000000-1111", "web"), testAlloc("bb000000-2222", "web", "sidecar"))
	var lines []string
	for i := 1; i <= 30; i++ {
		lines = append(lines, "line "+strings.Repeat("x", i%3)+string(rune('a'+i%26)))
	}
	all := strings.Join(lines, "\n") + "\n"
	f.logs["aa000000-1111/web/stdout"] = all
	f.logs["aa000000-1111/web/stderr"] = "boom\n"
	f.logs["bb000000-2222/sidecar/stdout"] = "side\n"

	run := func(args ...string) (int, string, string) {
		meta, ui, _ := testMeta(t)
		code := (&AllocLogsCommand{Meta: meta}).Run(append([]string{"-address=" + f.URL}, args...))
		return code, ui.OutputWriter.String(), ui.ErrorWriter.String()
	}
	// The only task is implied; frames are joined.
	if code, out, errOut := run("aa00"); code != 0 || out != all {
		t.Fatalf("logs: %d %q %s", code, out, errOut)
	}
	if code, out, _ := run("-stderr", "aa00", "web"); code != 0 || out != "boom\n" {
		t.Fatalf("stderr: %d %q", code, out)
	}
	if code, out, _ := run("-tail", "aa00"); code != 0 || out != strings.Join(lines[20:], "\n")+"\n" {
		t.Fatalf("tail: %d %q", code, out)
	}
	if code, out, _ := run("-n", "3", "aa00"); code != 0 || out != strings.Join(lines[27:], "\n")+"\n" {
		t.Fatalf("-n 3: %d %q", code, out)
	}
	if code, out, _ := run("-c", "5", "aa00"); code != 0 || out != all[len(all)-5:] {
		t.Fatalf("-c 5: %d %q", code, out)
	}
	if code, out, _ := run("-n", "100", "aa00"); code != 0 || out != all {
		t.Fatalf("-n 100: %d %q", code, out)
	}
	// -task wins over the argument, as in Nomad.
	if code, out, _ := run("-task=sidecar", "bb00", "web"); code != 0 || out != "side\n" {
		t.Fatalf("-task and argument: %d %q", code, out)
	}
	// Followed streams end when the agent ends them.
	if code, out, _ := run("-f", "-task=sidecar", "bb00"); code != 0 || out != "side\n" {
		t.Fatalf("-f: %d %q", code, out)
	}

	// -job picks the job's newest allocation.
	f.allocs["aa000000-1111"].CreateIndex, f.allocs["bb000000-2222"].CreateIndex = 7, 5
	if code, out, errOut := run("-job", "web"); code != 0 || out != all {
		t.Fatalf("-job: %d %q %s", code, out, errOut)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-job", "nope"}, `Job "nope" has no allocations`},
		{[]string{"bb00"}, "is running the following tasks:\n  * web\n  * sidecar\n\nPlease specify the task."},
		{[]string{"aa00", "db"}, `Task "db" is not in allocation aa000000 (group "frontend"); its tasks:` + "\n  * web"},
		{[]string{"-n", "2", "-c", "3", "aa00"}, "-n and -c are exclusive"},
		{[]string{"-n", "0", "aa00"}, "-n and -c must be positive"},
		{[]string{}, "This command takes an allocation ID"},
	} {
		code, _, errOut := run(tc.args...)
		if code != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q lacks %q", tc.args, code, errOut, tc.want)
		}
	}
}

func TestTailLines(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int64
		want string
	}{
		{"a\nb\nc\n", 2, "b\nc\n"},
		{"a\nb\nc", 2, "b\nc"},
		{"a\nb\n", 5, "a\nb\n"},
		{"", 3, ""},
	} {
		if got := string(tailLines([]byte(tc.in), tc.n)); got != tc.want {
			t.Errorf("tailLines(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
