package fingerprint

import "testing"

func TestMemory(t *testing.T) {
	resp, err := run(t, &Memory{}, &Request{Root: x86Root})
	if err != nil {
		t.Fatal(err)
	}
	wantAttrs(t, resp, map[string]string{"memory.totalbytes": "16705748992"})
	if !resp.Detected || resp.Memory == nil || resp.Memory.MemoryMB != 15931 {
		t.Fatalf("memory = %+v", resp.Memory)
	}
}

func TestMemory_Bad(t *testing.T) {
	for name, content := range map[string]string{
		"no MemTotal": "MemFree: 10 kB\n",
		"no unit":     "MemTotal: 10\n",
		"not number":  "MemTotal: lots kB\n",
	} {
		t.Run(name, func(t *testing.T) {
			root := writeTree(t, map[string]string{"proc/meminfo": content})
			resp, err := run(t, &Memory{}, &Request{Root: root})
			if err == nil || resp.Memory != nil {
				t.Fatalf("err = %v, memory = %v; want an error and no resources", err, resp.Memory)
			}
		})
	}
}
