package fingerprint

import (
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestCPU_X86(t *testing.T) {
	resp, err := run(t, &CPU{}, &Request{Root: x86Root})
	if err != nil {
		t.Fatal(err)
	}
	wantAttrs(t, resp, map[string]string{
		"cpu.numcores":     "4",
		"cpu.modelname":    "Intel(R) Xeon(R) CPU E5-2686 v4 @ 2.30GHz",
		"cpu.frequency":    "3000", // cpufreq max beats cpuinfo's current MHz
		"cpu.totalcompute": "12000",
		"cpu.arch":         runtime.GOARCH,
	})
	if !resp.Detected || resp.Cpu == nil {
		t.Fatalf("detected=%v cpu=%v", resp.Detected, resp.Cpu)
	}
	if resp.Cpu.CpuShares != 12000 || resp.Cpu.TotalCpuCores != 4 || !slices.Equal(resp.Cpu.ReservableCpuCores, []uint16{0, 1, 2, 3}) {
		t.Errorf("cpu resources = %+v", *resp.Cpu)
	}
}

func TestCPU_CpuinfoMHzWithoutCpufreq(t *testing.T) {
	root := writeTree(t, map[string]string{
		"proc/cpuinfo": "processor : 0\ncpu MHz : 1999.6\n\nprocessor : 1\ncpu MHz : 2400.2\n",
	})
	resp, err := run(t, &CPU{}, &Request{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	wantAttrs(t, resp, map[string]string{"cpu.numcores": "2", "cpu.frequency": "2400", "cpu.totalcompute": "4800"})
	if _, ok := resp.Attributes["cpu.modelname"]; ok {
		t.Error("cpu.modelname set without a model name line")
	}
}

func TestCPU_UnknownFrequency(t *testing.T) {
	_, err := run(t, &CPU{}, &Request{Root: armRoot})
	if err == nil || !strings.Contains(err.Error(), "cpu_total_compute") {
		t.Fatalf("err = %v, want one pointing at cpu_total_compute", err)
	}

	resp, err := run(t, &CPU{}, &Request{Root: armRoot, CpuTotalCompute: 4000})
	if err != nil {
		t.Fatal(err)
	}
	wantAttrs(t, resp, map[string]string{"cpu.numcores": "2", "cpu.totalcompute": "4000"})
	if resp.Cpu.CpuShares != 4000 || resp.Cpu.TotalCpuCores != 2 {
		t.Errorf("cpu resources = %+v", *resp.Cpu)
	}
}

func TestCPU_MissingCpuinfo(t *testing.T) {
	if _, err := run(t, &CPU{}, &Request{Root: t.TempDir()}); err == nil {
		t.Fatal("want an error without /proc/cpuinfo")
	}
}

func TestParseCPUList(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []uint16
		bad  bool
	}{
		{in: "0", want: []uint16{0}},
		{in: "0-3,6,8-9", want: []uint16{0, 1, 2, 3, 6, 8, 9}},
		{in: "", want: []uint16{}},
		{in: "3-1", bad: true},
		{in: "a", bad: true},
		{in: "0-", bad: true},
	} {
		got, err := parseCPUList(tc.in)
		if (err != nil) != tc.bad {
			t.Errorf("parseCPUList(%q) err = %v, bad=%v", tc.in, err, tc.bad)
			continue
		}
		if !tc.bad && !slices.Equal(got, tc.want) {
			t.Errorf("parseCPUList(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
