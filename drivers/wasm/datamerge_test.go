package wasm

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// initialMemory instantiates bin without running it and returns a copy of
// its linear memory: what the data segments wrote.
func initialMemory(t *testing.T, bin []byte) []byte {
	t.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer rt.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	m, err := rt.InstantiateWithConfig(ctx, bin, wazero.NewModuleConfig().WithStartFunctions())
	if err != nil {
		t.Fatal(err)
	}
	mem, ok := m.Memory().Read(0, m.Memory().Size())
	if !ok {
		t.Fatal("read memory")
	}
	return bytes.Clone(mem)
}

func dataSegmentCount(t *testing.T, bin []byte) int {
	t.Helper()
	for i := 8; i < len(bin); {
		size, n := binary.Uvarint(bin[i+1:])
		if bin[i] == 11 {
			c, _ := binary.Uvarint(bin[i+1+n:])
			return int(c)
		}
		i += 1 + n + int(size)
	}
	return 0
}

// TestMergeDataSegmentsGo: the Go test module's tens of thousands of
// segments become a few, and memory starts out byte for byte the same.
func TestMergeDataSegmentsGo(t *testing.T) {
	bin, err := os.ReadFile(taskmodWasm)
	if err != nil {
		t.Fatal(err)
	}
	merged := mergeDataSegments(bin)
	before, after := dataSegmentCount(t, bin), dataSegmentCount(t, merged)
	if after == 0 || after*100 > before {
		t.Fatalf("segments %d before, %d after; want at least 100 times fewer", before, after)
	}
	if !bytes.Equal(initialMemory(t, bin), initialMemory(t, merged)) {
		t.Fatal("merged module starts with different memory")
	}
}

// module builds a binary with one memory of a page and the given raw data
// section payload (and a data count section if dataCount >= 0).
func module(data []byte, dataCount int) []byte {
	b := []byte("\x00asm\x01\x00\x00\x00")
	b = append(b, 5, 3, 1, 0, 1) // memory section: one memory, min 1 page
	if dataCount >= 0 {
		b = append(b, 12, 1, byte(dataCount))
	}
	b = append(b, 11)
	b = binary.AppendUvarint(b, uint64(len(data)))
	return append(b, data...)
}

func seg(off int32, init string) []byte {
	b := []byte{0x00, 0x41}
	b = appendSleb32(b, off)
	b = append(b, 0x0b)
	b = binary.AppendUvarint(b, uint64(len(init)))
	return append(b, init...)
}

func TestMergeDataSegmentsCases(t *testing.T) {
	data := func(segs ...[]byte) []byte {
		out := binary.AppendUvarint(nil, uint64(len(segs)))
		for _, s := range segs {
			out = append(out, s...)
		}
		return out
	}
	cases := []struct {
		name     string
		bin      []byte
		segments int // after; 0 means left alone
	}{
		{"near ones join", module(data(seg(100, "ab"), seg(10, "xyz"), seg(200, "q")), -1), 1},
		{"far ones stay apart", module(data(seg(0, "a"), seg(mergeGap+10, "b")), -1), 2},
		{"overlap left alone", module(data(seg(0, "abcd"), seg(2, "XY")), -1), 0},
		{"data count left alone", module(data(seg(0, "a"), seg(5, "b")), 2), 0},
		{"passive left alone", module(append(binary.AppendUvarint(nil, 2), append(seg(0, "a"), 0x01, 1, 'b')...), -1), 0},
		{"not wasm", []byte("hello"), 0},
	}
	for _, c := range cases {
		out := mergeDataSegments(c.bin)
		if c.segments == 0 {
			if !bytes.Equal(out, c.bin) {
				t.Errorf("%s: rewritten", c.name)
			}
			continue
		}
		if got := dataSegmentCount(t, out); got != c.segments {
			t.Errorf("%s: %d segments, want %d", c.name, got, c.segments)
		}
		if !bytes.Equal(initialMemory(t, c.bin), initialMemory(t, out)) {
			t.Errorf("%s: memory differs after merging", c.name)
		}
	}
	for _, v := range []int32{0, 1, 63, 64, 127, 128, 8191, 1 << 20, 1<<31 - 1, -1, -64, -65, -1 << 31} {
		got, n := readSleb32(appendSleb32(nil, v))
		if got != v || n == 0 {
			t.Errorf("sleb %d round trip = %d (%d bytes)", v, got, n)
		}
	}
}
