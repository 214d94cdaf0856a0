package template

import (
	"io/fs"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// owner is the uid and gid a rendered file is given; -1 leaves that one
// as the agent creates it (the agent's own), as Nomad does for a nil or
// negative uid or gid.
type owner struct{ uid, gid int }

func ownerOf(t *structs.Template) owner {
	o := owner{uid: -1, gid: -1}
	if t.Uid != nil && *t.Uid >= 0 {
		o.uid = *t.Uid
	}
	if t.Gid != nil && *t.Gid >= 0 {
		o.gid = *t.Gid
	}
	return o
}

// set reports whether the template asks for an owner.
func (o owner) set() bool { return o.uid >= 0 || o.gid >= 0 }

// matches reports whether fi already has the owner asked for; an owner
// not asked for always matches.
func (o owner) matches(fi fs.FileInfo) bool {
	if !o.set() {
		return true
	}
	uid, gid, ok := fileOwner(fi)
	if !ok {
		return false
	}
	return (o.uid < 0 || o.uid == uid) && (o.gid < 0 || o.gid == gid)
}
