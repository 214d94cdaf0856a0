package runtimespec

import (
	"reflect"
	"strings"
	"testing"
)

func TestArgsOverrideMatrix(t *testing.T) {
	img := ImageConfig{Entrypoint: []string{"/ep-1"}, Cmd: []string{"foo", "bar"}}
	cases := []struct {
		name string
		img  ImageConfig
		task TaskOptions
		want []string
	}{
		{"image defaults", img, TaskOptions{}, []string{"/ep-1", "foo", "bar"}},
		{"command replaces cmd", img, TaskOptions{Command: "/bin/x"}, []string{"/ep-1", "/bin/x"}},
		{"command and args", img, TaskOptions{Command: "/bin/x", Args: []string{"a"}}, []string{"/ep-1", "/bin/x", "a"}},
		{"args alone replace cmd", img, TaskOptions{Args: []string{"zoo", "boo"}}, []string{"/ep-1", "zoo", "boo"}},
		{"entrypoint drops image cmd", img, TaskOptions{Entrypoint: []string{"/ep-2"}}, []string{"/ep-2"}},
		{"entrypoint and args", img, TaskOptions{Entrypoint: []string{"/ep-2"}, Args: []string{"a"}}, []string{"/ep-2", "a"}},
		{"entrypoint command args", img, TaskOptions{Entrypoint: []string{"/ep-2", "-x"}, Command: "c", Args: []string{"a"}}, []string{"/ep-2", "-x", "c", "a"}},
		{"no entrypoint image cmd", ImageConfig{Cmd: []string{"/bin/sh", "-c", "true"}}, TaskOptions{}, []string{"/bin/sh", "-c", "true"}},
		{"no entrypoint command", ImageConfig{Cmd: []string{"/bin/sh"}}, TaskOptions{Command: "/app", Args: []string{"-v"}}, []string{"/app", "-v"}},
		{"no entrypoint args only", ImageConfig{Cmd: []string{"/bin/sh"}}, TaskOptions{Args: []string{"/app"}}, []string{"/app"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Args(c.img, c.task)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("argv = %q, want %q", got, c.want)
			}
		})
	}
}

func TestArgsRefused(t *testing.T) {
	cases := []struct {
		name string
		img  ImageConfig
		task TaskOptions
		want string
	}{
		{"nothing to run", ImageConfig{}, TaskOptions{}, "nothing to run"},
		{"empty program", ImageConfig{Entrypoint: []string{""}}, TaskOptions{}, "empty string"},
		{"NUL", ImageConfig{}, TaskOptions{Command: "/x", Args: []string{"a\x00b"}}, "NUL"},
		{"too many", ImageConfig{}, TaskOptions{Command: "/x", Args: make([]string, maxArgs)}, "at most"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Args(c.img, c.task)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestEnvOverlay(t *testing.T) {
	cases := []struct {
		name  string
		image []string
		task  map[string]string
		want  []string
	}{
		{"default PATH", nil, nil, []string{"PATH=" + DefaultPath}},
		{"image kept in order", []string{"B=1", "PATH=/p", "A=2"}, nil, []string{"B=1", "PATH=/p", "A=2"}},
		{"task overrides in place, new ones sorted after",
			[]string{"B=1", "PATH=/p", "A=2"}, map[string]string{"A": "task", "Z": "z", "C": "c"},
			[]string{"B=1", "PATH=/p", "A=task", "C=c", "Z=z"}},
		{"task sets PATH", nil, map[string]string{"PATH": "/t"}, []string{"PATH=/t"}},
		{"later image entry wins", []string{"A=1", "A=2", "PATH=/p"}, nil, []string{"A=2", "PATH=/p"}},
		{"bare name and value with =", []string{"EMPTY", "Q=a=b", "PATH=/p"}, nil, []string{"EMPTY=", "Q=a=b", "PATH=/p"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Env(c.image, c.task)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("env = %q, want %q", got, c.want)
			}
		})
	}
	for _, bad := range []struct {
		image []string
		task  map[string]string
		want  string
	}{
		{[]string{"=x"}, nil, "image config: Env[0]"},
		{nil, map[string]string{"A=B": "x"}, "task env"},
		{nil, map[string]string{"A": "x\x00"}, "NUL"},
	} {
		if _, err := Env(bad.image, bad.task); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("Env(%q, %q) err = %v, want %q", bad.image, bad.task, err, bad.want)
		}
	}
}

func TestCwd(t *testing.T) {
	cases := []struct {
		img     ImageConfig
		task    TaskOptions
		want    string
		wantErr string
	}{
		{ImageConfig{}, TaskOptions{}, "/", ""},
		{ImageConfig{WorkingDir: "/srv"}, TaskOptions{}, "/srv", ""},
		{ImageConfig{WorkingDir: "/srv"}, TaskOptions{WorkDir: "/app/./x/"}, "/app/x", ""},
		{ImageConfig{WorkingDir: "srv"}, TaskOptions{}, "", "image config: WorkingDir"},
		{ImageConfig{}, TaskOptions{WorkDir: "rel"}, "", "config: work_dir"},
	}
	for _, c := range cases {
		got, err := Cwd(c.img, c.task)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("Cwd(%+v, %+v) err = %v, want %q", c.img, c.task, err, c.wantErr)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("Cwd(%+v, %+v) = %q, %v; want %q", c.img, c.task, got, err, c.want)
		}
	}
}
