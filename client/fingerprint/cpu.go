package fingerprint

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// CPU fingerprints the processor: cpu.numcores, cpu.modelname,
// cpu.frequency (MHz), cpu.totalcompute (cores × MHz, which becomes
// NodeResources.Cpu.CpuShares) and cpu.arch.
//
// Cores come from /sys/devices/system/cpu/online, else from the processor
// entries of /proc/cpuinfo. The frequency is cpu0's cpufreq maximum when the
// kernel exposes it, else the highest "cpu MHz" in /proc/cpuinfo.
type CPU struct{}

// Fingerprint implements Fingerprinter.
func (*CPU) Fingerprint(req *Request, resp *Response) error {
	info, err := readCPUInfo(req)
	if err != nil {
		return err
	}
	cores, err := onlineCores(req)
	if err != nil {
		return err
	}
	if cores == nil {
		for i := range info.processors {
			cores = append(cores, uint16(i))
		}
	}
	if len(cores) == 0 {
		return fmt.Errorf("no processors in %s or %s", req.path("/sys/devices/system/cpu/online"), req.path("/proc/cpuinfo"))
	}

	mhz := cpufreqMHz(req)
	if mhz == 0 {
		mhz = info.maxMHz
	}

	resp.AddAttribute("cpu.arch", runtime.GOARCH)
	resp.AddAttribute("cpu.numcores", strconv.Itoa(len(cores)))
	if info.model != "" {
		resp.AddAttribute("cpu.modelname", info.model)
	}
	if mhz > 0 {
		resp.AddAttribute("cpu.frequency", strconv.FormatInt(mhz, 10))
	}
	total := int64(len(cores)) * mhz
	if req.CpuTotalCompute > 0 {
		total = req.CpuTotalCompute
	}
	if total == 0 {
		return fmt.Errorf("cpu frequency unknown (no cpufreq under %s and no \"cpu MHz\" in %s); set cpu_total_compute in the client config",
			req.path("/sys/devices/system/cpu/cpu0/cpufreq"), req.path("/proc/cpuinfo"))
	}
	resp.AddAttribute("cpu.totalcompute", strconv.FormatInt(total, 10))
	resp.Cpu = &structs.NodeCpuResources{
		CpuShares:          total,
		TotalCpuCores:      len(cores),
		ReservableCpuCores: cores,
	}
	resp.Detected = true
	return nil
}

type cpuInfo struct {
	processors int
	model      string
	maxMHz     int64
}

// readCPUInfo reads the fields of /proc/cpuinfo the fingerprint needs. ARM
// kernels have no "model name" or "cpu MHz"; those stay empty.
func readCPUInfo(req *Request) (cpuInfo, error) {
	var info cpuInfo
	f, err := os.Open(req.path("/proc/cpuinfo"))
	if err != nil {
		return info, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		switch key {
		case "processor":
			info.processors++
		case "model name":
			if info.model == "" {
				info.model = val
			}
		case "cpu MHz":
			mhz, err := strconv.ParseFloat(val, 64)
			if err != nil {
				return info, fmt.Errorf("%s: cpu MHz %q: %w", f.Name(), val, err)
			}
			if m := int64(math.Round(mhz)); m > info.maxMHz {
				info.maxMHz = m
			}
		}
	}
	if err := sc.Err(); err != nil {
		return info, fmt.Errorf("read %s: %w", f.Name(), err)
	}
	return info, nil
}

// onlineCores parses /sys/devices/system/cpu/online ("0-3,6"). It returns
// nil with no error when the file does not exist.
func onlineCores(req *Request) ([]uint16, error) {
	s, err := req.readTrimmed("/sys/devices/system/cpu/online")
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	cores, err := parseCPUList(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", req.path("/sys/devices/system/cpu/online"), err)
	}
	return cores, nil
}

// parseCPUList parses the kernel's cpu list format: "0-3,6,8-9".
func parseCPUList(s string) ([]uint16, error) {
	var out []uint16
	if s == "" {
		return out, nil
	}
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(lo, 10, 16)
		if err != nil {
			return nil, fmt.Errorf("cpu list %q: bad entry %q", s, part)
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(hi, 10, 16); err != nil || b < a {
				return nil, fmt.Errorf("cpu list %q: bad range %q", s, part)
			}
		}
		for c := a; c <= b; c++ {
			out = append(out, uint16(c))
		}
	}
	return out, nil
}

// cpufreqMHz returns cpu0's maximum frequency from cpufreq, 0 when the
// kernel does not expose it.
func cpufreqMHz(req *Request) int64 {
	for _, f := range []string{"cpuinfo_max_freq", "scaling_max_freq"} {
		s, err := req.readTrimmed("/sys/devices/system/cpu/cpu0/cpufreq/" + f)
		if err != nil {
			continue
		}
		khz, err := strconv.ParseInt(s, 10, 64)
		if err != nil || khz <= 0 {
			continue
		}
		return (khz + 500) / 1000
	}
	return 0
}
