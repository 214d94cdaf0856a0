package structs

import "fmt"

// Bitmap is a fixed-size set of small non-negative integers, used for the
// ports of a node. The zero value is an empty bitmap of size zero.
type Bitmap []byte

// NewBitmap returns a bitmap that can hold 0..size-1; size must be a
// positive multiple of 8.
func NewBitmap(size uint) (Bitmap, error) {
	if size == 0 || size%8 != 0 {
		return nil, fmt.Errorf("bitmap size %d: must be a positive multiple of 8", size)
	}
	return make(Bitmap, size/8), nil
}

// Size is how many values the bitmap holds.
func (b Bitmap) Size() uint { return uint(len(b)) * 8 }

// Set adds i; values beyond the size are ignored.
func (b Bitmap) Set(i uint) {
	if i < b.Size() {
		b[i>>3] |= 1 << (i & 7)
	}
}

// Unset removes i.
func (b Bitmap) Unset(i uint) {
	if i < b.Size() {
		b[i>>3] &^= 1 << (i & 7)
	}
}

// Check reports whether i is set; values beyond the size are not.
func (b Bitmap) Check(i uint) bool {
	if i >= b.Size() {
		return false
	}
	return b[i>>3]&(1<<(i&7)) != 0
}

// Copy returns an independent copy.
func (b Bitmap) Copy() Bitmap {
	out := make(Bitmap, len(b))
	copy(out, b)
	return out
}
