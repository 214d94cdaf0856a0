package nomadish

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
)

// maxMsgpackItem bounds one string, binary or extension value in an RPC
// request. The codec allocates an item's announced length before it
// reads it, so without a bound a request of a few bytes announcing a
// 4 GiB value would make the server allocate 4 GiB (found by
// FuzzRPCArgs). Nothing a server is sent comes near it: HTTP bodies are
// bounded at 16 MiB.
const maxMsgpackItem = 64 << 20

// msgpackGuard passes a msgpack stream through, token by token, and
// fails the read that would deliver the length of a string, binary or
// extension value above maxMsgpackItem, before the decoder sees it.
// Arrays and maps need no check: the decoder grows them as their
// elements arrive.
type msgpackGuard struct {
	r       *bufio.Reader
	raw     uint64 // payload bytes of the current item still to pass
	pending []byte // header bytes read and checked, not yet returned
	err     error
	hdrBuf  [16]byte // holds the current header: no allocation per token
}

func newMsgpackGuard(r io.Reader) *msgpackGuard { return &msgpackGuard{r: bufio.NewReader(r)} }

func (g *msgpackGuard) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if len(g.pending) > 0 {
		n := copy(p, g.pending)
		g.pending = g.pending[n:]
		return n, nil
	}
	if g.raw > 0 {
		if uint64(len(p)) > g.raw {
			p = p[:g.raw]
		}
		n, err := g.r.Read(p)
		g.raw -= uint64(n)
		return n, err
	}
	if g.err != nil {
		return 0, g.err
	}
	hdr, payload, err := g.next()
	if err != nil {
		g.err = err
		if len(hdr) == 0 {
			return 0, err
		}
	}
	g.raw = payload
	n := copy(p, hdr)
	g.pending = hdr[n:]
	return n, nil
}

// next reads the next token's header (type byte and the fixed bytes that
// follow it) and says how many payload bytes follow.
func (g *msgpackGuard) next() (hdr []byte, payload uint64, err error) {
	b, err := g.r.ReadByte()
	if err != nil {
		return nil, 0, err
	}
	extra, lenBytes, fixed := 0, 0, uint64(0)
	switch {
	case b <= 0x9f, b >= 0xe0, b == 0xc0, b == 0xc1, b == 0xc2, b == 0xc3:
		// fixint, fixmap, fixarray, nil, (never used), false, true
	case b <= 0xbf: // fixstr
		fixed = uint64(b & 0x1f)
	case b == 0xc4, b == 0xd9: // bin8, str8
		lenBytes = 1
	case b == 0xc5, b == 0xda: // bin16, str16
		lenBytes = 2
	case b == 0xc6, b == 0xdb: // bin32, str32
		lenBytes = 4
	case b == 0xc7: // ext8: length, type
		lenBytes, extra = 1, 1
	case b == 0xc8:
		lenBytes, extra = 2, 1
	case b == 0xc9:
		lenBytes, extra = 4, 1
	case b == 0xca, b == 0xce, b == 0xd2: // float32, uint32, int32
		extra = 4
	case b == 0xcb, b == 0xcf, b == 0xd3: // float64, uint64, int64
		extra = 8
	case b == 0xcc, b == 0xd0: // uint8, int8
		extra = 1
	case b == 0xcd, b == 0xd1, b == 0xdc, b == 0xde: // uint16, int16, array16, map16
		extra = 2
	case b == 0xdd, b == 0xdf: // array32, map32
		extra = 4
	case b >= 0xd4 && b <= 0xd8: // fixext 1, 2, 4, 8, 16: type, then data
		extra, fixed = 1, uint64(1)<<(b-0xd4)
	}
	hdr = g.hdrBuf[:1+lenBytes+extra]
	hdr[0] = b
	if _, err := io.ReadFull(g.r, hdr[1:]); err != nil {
		return hdr[:1], 0, err
	}
	payload = fixed
	switch lenBytes {
	case 1:
		payload = uint64(hdr[1])
	case 2:
		payload = uint64(binary.BigEndian.Uint16(hdr[1:]))
	case 4:
		payload = uint64(binary.BigEndian.Uint32(hdr[1:]))
	}
	if payload > maxMsgpackItem {
		return nil, 0, fmt.Errorf("rpc request: a msgpack value of %d bytes; at most %d are accepted", payload, maxMsgpackItem)
	}
	return hdr, payload, nil
}

// guardedConn is an RPC connection whose reads pass through a
// msgpackGuard.
type guardedConn struct {
	io.ReadWriteCloser
	guard *msgpackGuard
}

func (c guardedConn) Read(p []byte) (int, error) { return c.guard.Read(p) }

// guardRPCConn is the connection serveCodec decodes requests from.
func guardRPCConn(rwc io.ReadWriteCloser) io.ReadWriteCloser {
	return guardedConn{ReadWriteCloser: rwc, guard: newMsgpackGuard(rwc)}
}
