package wasm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"sort"
)

// mergeGap is the largest run of zeros between two data segments that
// mergeDataSegments fills in to join them.
const mergeGap = 4096

// mergeDataSegments rewrites a module's data section so that active data
// segments lying close together in memory become one, and returns the new
// binary, or bin itself when it leaves the module as it is.
//
// Why: Go's linker emits a segment for every run of non-zero bytes (a
// Go program has tens of thousands of them), and wazero evaluates each
// segment's offset and keeps a slice header per segment for every instance
// it makes: 3 ms and 800 KiB per task for a small Go program. Merged, the
// same bytes are copied in a few large moves.
//
// The result initialises memory exactly as the original does: memory
// starts zeroed, so a gap filled with zeros writes what was there. Only the
// plain case is rewritten: every segment active, for memory 0, at an
// i32.const offset, none overlapping, and no data count section (without
// it no instruction can name a segment, so renumbering them is invisible).
// Anything else is left alone.
func mergeDataSegments(bin []byte) []byte {
	out, err := mergeData(bin)
	if err != nil {
		return bin
	}
	return out
}

// errLeaveAlone is any module mergeData does not rewrite.
var errLeaveAlone = errors.New("module left as it is")

type dataSegment struct {
	offset uint32
	init   []byte
}

func mergeData(bin []byte) ([]byte, error) {
	if len(bin) < 8 || !bytes.Equal(bin[:8], []byte("\x00asm\x01\x00\x00\x00")) {
		return nil, errLeaveAlone
	}
	// Find the data section and make sure there is no data count section.
	var dataStart, dataEnd, payloadStart int
	for i := 8; i < len(bin); {
		id := bin[i]
		size, n := binary.Uvarint(bin[i+1:])
		if n <= 0 || i+1+n+int(size) > len(bin) {
			return nil, errLeaveAlone
		}
		switch id {
		case 12:
			return nil, errLeaveAlone
		case 11:
			dataStart, payloadStart, dataEnd = i, i+1+n, i+1+n+int(size)
		}
		i += 1 + n + int(size)
	}
	if dataStart == 0 {
		return nil, errLeaveAlone
	}
	segs, err := parseDataSegments(bin[payloadStart:dataEnd])
	if err != nil || len(segs) < 2 {
		return nil, errLeaveAlone
	}
	sort.SliceStable(segs, func(i, j int) bool { return segs[i].offset < segs[j].offset })
	merged := []dataSegment{{offset: segs[0].offset, init: append([]byte(nil), segs[0].init...)}}
	for _, s := range segs[1:] {
		last := &merged[len(merged)-1]
		end := uint64(last.offset) + uint64(len(last.init))
		if uint64(s.offset) < end {
			return nil, errLeaveAlone // overlapping: order matters
		}
		if gap := uint64(s.offset) - end; gap <= mergeGap {
			last.init = append(last.init, make([]byte, gap)...)
			last.init = append(last.init, s.init...)
			continue
		}
		merged = append(merged, dataSegment{offset: s.offset, init: append([]byte(nil), s.init...)})
	}

	var payload []byte
	payload = binary.AppendUvarint(payload, uint64(len(merged)))
	for _, s := range merged {
		payload = append(payload, 0x00, 0x41) // active, memory 0; i32.const
		payload = appendSleb32(payload, int32(s.offset))
		payload = append(payload, 0x0b) // end
		payload = binary.AppendUvarint(payload, uint64(len(s.init)))
		payload = append(payload, s.init...)
	}
	out := make([]byte, 0, len(bin))
	out = append(out, bin[:dataStart]...)
	out = append(out, 11)
	out = binary.AppendUvarint(out, uint64(len(payload)))
	out = append(out, payload...)
	out = append(out, bin[dataEnd:]...)
	return out, nil
}

func parseDataSegments(p []byte) ([]dataSegment, error) {
	count, n := binary.Uvarint(p)
	if n <= 0 {
		return nil, errLeaveAlone
	}
	p = p[n:]
	segs := make([]dataSegment, 0, count)
	for i := uint64(0); i < count; i++ {
		// flags 0: active, memory 0, then an i32.const offset and end.
		if len(p) < 2 || p[0] != 0x00 || p[1] != 0x41 {
			return nil, errLeaveAlone
		}
		off, n := readSleb32(p[2:])
		if n <= 0 || off < 0 || len(p) < 2+n+1 || p[2+n] != 0x0b {
			return nil, errLeaveAlone
		}
		p = p[2+n+1:]
		size, n := binary.Uvarint(p)
		if n <= 0 || uint64(len(p)-n) < size {
			return nil, errLeaveAlone
		}
		segs = append(segs, dataSegment{offset: uint32(off), init: p[n : n+int(size)]})
		p = p[n+int(size):]
	}
	if len(p) != 0 {
		return nil, errLeaveAlone
	}
	return segs, nil
}

// readSleb32 decodes a signed LEB128 32-bit integer, returning the bytes
// read (0 on malformed input).
func readSleb32(p []byte) (int32, int) {
	var result int64
	var shift uint
	for i := 0; i < len(p) && i < 5; i++ {
		b := p[i]
		result |= int64(b&0x7f) << shift
		shift += 7
		if b&0x80 == 0 {
			if shift < 64 && b&0x40 != 0 {
				result |= -1 << shift
			}
			if result < -1<<31 || result > 1<<31-1 {
				return 0, 0
			}
			return int32(result), i + 1
		}
	}
	return 0, 0
}

func appendSleb32(b []byte, v int32) []byte {
	x := int64(v)
	for {
		c := byte(x & 0x7f)
		x >>= 7
		if (x == 0 && c&0x40 == 0) || (x == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}
