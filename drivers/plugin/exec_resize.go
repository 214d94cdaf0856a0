package plugin

import (
	"math"

	"github.com/nomadish/nomadish/drivers/plugin/proto"
)

// resizeBuffer is how many terminal sizes wait for a slow driver before
// the oldest is dropped. A resize is idempotent and only the newest one
// matters, so dropping never loses the final size.
const resizeBuffer = 4

// OfferResize puts sz on ch without blocking: when ch is full it drops
// the oldest waiting size to make room. It is for a buffered channel's
// only sender (a concurrent receiver is fine); on an unbuffered channel
// nobody is waiting on, sz is dropped.
func OfferResize(ch chan TerminalSize, sz TerminalSize) {
	select {
	case ch <- sz:
		return
	default:
	}
	select {
	case <-ch:
	default:
	}
	// Only this sender adds to ch, so there is room now unless ch is
	// unbuffered.
	select {
	case ch <- sz:
	default:
	}
}

// ValidTerminalSize reports whether height and width are a terminal size
// the protocol accepts, 1..65535 each, and returns it.
func ValidTerminalSize(height, width int64) (TerminalSize, bool) {
	if height < 1 || height > math.MaxUint16 || width < 1 || width > math.MaxUint16 {
		return TerminalSize{}, false
	}
	return TerminalSize{Height: uint16(height), Width: uint16(width)}, true
}

func terminalSizeToProto(sz TerminalSize) *proto.TerminalSize {
	return &proto.TerminalSize{Height: uint32(sz.Height), Width: uint32(sz.Width)}
}

// terminalSizeFromProto returns p's size, false when it is out of range.
func terminalSizeFromProto(p *proto.TerminalSize) (TerminalSize, bool) {
	return ValidTerminalSize(int64(p.GetHeight()), int64(p.GetWidth()))
}
