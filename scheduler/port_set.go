package scheduler

import "github.com/nomadish/nomadish/nomadish/structs"

// portSetListMax is how many ports a portSet keeps in a list before it
// switches to a bitmap.
const portSetListMax = 128

// portSet is the set of ports in use on a node. Most nodes use a handful,
// so it starts as a short list and becomes a 64 Ki-bit bitmap only when
// it grows: building an 8 KiB bitmap for every node a placement looks at
// would cost more than the placement.
type portSet struct {
	list []uint16
	bits structs.Bitmap
}

func (p *portSet) add(port int) {
	if port <= 0 || port > structs.MaxValidPort {
		return
	}
	if p.bits != nil {
		p.bits.Set(uint(port))
		return
	}
	if p.has(port) {
		return
	}
	p.list = append(p.list, uint16(port))
	if len(p.list) > portSetListMax {
		p.bits, _ = structs.NewBitmap(structs.MaxValidPort + 1)
		for _, v := range p.list {
			p.bits.Set(uint(v))
		}
		p.list = nil
	}
}

func (p *portSet) has(port int) bool {
	if p.bits != nil {
		return p.bits.Check(uint(port))
	}
	for _, v := range p.list {
		if int(v) == port {
			return true
		}
	}
	return false
}

// countRange counts the ports in [lo, hi].
func (p *portSet) countRange(lo, hi int) int {
	n := 0
	if p.bits != nil {
		for v := lo; v <= hi; v++ {
			if p.bits.Check(uint(v)) {
				n++
			}
		}
		return n
	}
	for _, v := range p.list {
		if int(v) >= lo && int(v) <= hi {
			n++
		}
	}
	return n
}
