package runtimespec

import (
	"strings"
	"testing"
)

func TestResources(t *testing.T) {
	cases := []struct {
		name                    string
		in                      Input
		limit, reservation, cpu int64 // 0: not set
		pids                    int64
	}{
		{"nothing set", Input{}, 0, 0, 0, DefaultPidsLimit},
		{"memory is hard", Input{MemoryMB: 256}, 256 * mib, 0, 0, DefaultPidsLimit},
		{"memory_max hard, memory soft", Input{MemoryMB: 256, MemoryMaxMB: 512}, 512 * mib, 256 * mib, 0, DefaultPidsLimit},
		{"equal: no soft", Input{MemoryMB: 256, MemoryMaxMB: 256}, 256 * mib, 0, 0, DefaultPidsLimit},
		{"memory_max only", Input{MemoryMaxMB: 300}, 300 * mib, 0, 0, DefaultPidsLimit},
		{"cpu shares", Input{CPUShares: 500}, 0, 0, 500, DefaultPidsLimit},
		{"cpu shares floor", Input{CPUShares: 1}, 0, 0, minCPUShares, DefaultPidsLimit},
		{"cpu shares ceiling", Input{CPUShares: 1 << 30}, 0, 0, maxCPUShares, DefaultPidsLimit},
		{"pids", Input{PidsLimit: 64}, 0, 0, 0, 64},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := Resources(&c.in, false)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case c.limit == 0 && r.Memory != nil:
				t.Errorf("memory set: %+v", r.Memory)
			case c.limit != 0 && (r.Memory == nil || *r.Memory.Limit != c.limit || *r.Memory.Swap != c.limit):
				t.Errorf("memory = %+v, want limit and swap %d", r.Memory, c.limit)
			}
			if r.Memory != nil {
				got := int64(0)
				if r.Memory.Reservation != nil {
					got = *r.Memory.Reservation
				}
				if got != c.reservation {
					t.Errorf("reservation = %d, want %d", got, c.reservation)
				}
			}
			switch {
			case c.cpu == 0 && r.CPU != nil:
				t.Errorf("cpu set: %+v", r.CPU)
			case c.cpu != 0 && (r.CPU == nil || int64(*r.CPU.Shares) != c.cpu):
				t.Errorf("cpu = %+v, want shares %d", r.CPU, c.cpu)
			}
			if r.Pids == nil || r.Pids.Limit != c.pids {
				t.Errorf("pids = %+v, want %d", r.Pids, c.pids)
			}
			if len(r.Devices) == 0 || r.Devices[0].Allow || r.Devices[0].Access != "rwm" {
				t.Errorf("device cgroup does not start by denying all: %+v", r.Devices)
			}
		})
	}
}

func TestResourcesRefused(t *testing.T) {
	for _, c := range []struct {
		in   Input
		want string
	}{
		{Input{MemoryMB: 512, MemoryMaxMB: 256}, "memory_max 256 MiB is below memory 512 MiB"},
		{Input{MemoryMB: -1}, "0 (no limit) or positive"},
		{Input{MemoryMB: 1 << 40}, "more than"},
		{Input{CPUShares: -5}, "cpu -5"},
		{Input{PidsLimit: -1}, "pids_limit -1"},
	} {
		if _, err := Resources(&c.in, false); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Resources(%+v) err = %v, want %q", c.in, err, c.want)
		}
	}
}

func TestDeviceRulesPrivileged(t *testing.T) {
	r := deviceRules(true)
	if len(r) != 1 || !r[0].Allow {
		t.Fatalf("privileged device rules = %+v, want allow all", r)
	}
}
