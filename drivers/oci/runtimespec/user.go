package runtimespec

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Bounds on what is read from the image to resolve a user.
const (
	maxAccountFile = 4 << 20 // /etc/passwd and /etc/group, each
	maxAdditional  = 1024    // supplementary groups
)

// passwdEntry and groupEntry are the fields of /etc/passwd and /etc/group
// lines that resolving a user needs.
type passwdEntry struct {
	name     string
	uid, gid uint32
}

type groupEntry struct {
	name    string
	gid     uint32
	members []string
}

// ResolveUser turns a user string ("", "uid", "uid:gid", "name",
// "name:group", "uid:group" or "name:gid") into the process's uid, gid and
// supplementary groups, reading names from /etc/passwd and /etc/group inside
// rootfs. "" is root. A numeric uid need not be in /etc/passwd; its gid then
// defaults to the passwd entry's, else 0. Supplementary groups are the groups
// of /etc/group that list the user's name as a member. where names the
// setting the string came from, for errors.
func ResolveUser(rootfs, user, where string) (specs.User, error) {
	var u specs.User
	userPart, groupPart, hasGroup := strings.Cut(user, ":")
	if userPart == "" {
		if hasGroup {
			return u, fmt.Errorf("%s %q: the user is empty; write uid, uid:gid, name or name:group", where, user)
		}
		userPart = "0"
	}
	if hasGroup && groupPart == "" {
		return u, fmt.Errorf("%s %q: the group after ':' is empty; write uid, uid:gid, name or name:group", where, user)
	}

	passwd, perr := readAccountFile(rootfs, "/etc/passwd")
	if perr != nil && !errors.Is(perr, fs.ErrNotExist) {
		return u, fmt.Errorf("%s %q: %w", where, user, perr)
	}
	var entry *passwdEntry
	if id, ok, err := parseID(userPart); err != nil {
		return u, fmt.Errorf("%s %q: %w", where, user, err)
	} else if ok {
		u.UID = id
		entry, _ = lookupPasswd(passwd, func(e passwdEntry) bool { return e.uid == id })
	} else {
		if perr != nil {
			return u, fmt.Errorf("%s %q: user %q not found: the image has no /etc/passwd; give a numeric uid (and gid)", where, user, userPart)
		}
		e, err := lookupPasswd(passwd, func(e passwdEntry) bool { return e.name == userPart })
		if err != nil {
			return u, fmt.Errorf("%s %q: %w", where, user, err)
		}
		if e == nil {
			return u, fmt.Errorf("%s %q: user %q not found in the image's /etc/passwd; give a user it lists or a numeric uid", where, user, userPart)
		}
		entry = e
		u.UID = e.uid
	}
	if entry != nil {
		u.GID = entry.gid
	}

	group, gerr := readAccountFile(rootfs, "/etc/group")
	if gerr != nil && !errors.Is(gerr, fs.ErrNotExist) {
		return u, fmt.Errorf("%s %q: %w", where, user, gerr)
	}
	if hasGroup {
		if id, ok, err := parseID(groupPart); err != nil {
			return u, fmt.Errorf("%s %q: %w", where, user, err)
		} else if ok {
			u.GID = id
		} else {
			if gerr != nil {
				return u, fmt.Errorf("%s %q: group %q not found: the image has no /etc/group; give a numeric gid", where, user, groupPart)
			}
			g, err := lookupGroup(group, func(g groupEntry) bool { return g.name == groupPart })
			if err != nil {
				return u, fmt.Errorf("%s %q: %w", where, user, err)
			}
			if g == nil {
				return u, fmt.Errorf("%s %q: group %q not found in the image's /etc/group; give a group it lists or a numeric gid", where, user, groupPart)
			}
			u.GID = g.gid
		}
	}
	if entry != nil && gerr == nil {
		u.AdditionalGids = supplementary(group, entry.name, u.GID)
	}
	return u, nil
}

// parseID reports whether s is a numeric id, and refuses numbers a uid or
// gid cannot hold.
func parseID(s string) (uint32, bool, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false, nil
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n == 1<<32-1 {
		return 0, false, fmt.Errorf("id %s is out of range; ids are 0 to %d", s, uint32(1<<32-2))
	}
	return uint32(n), true, nil
}

func readAccountFile(rootfs, name string) ([]string, error) {
	data, err := readInRoot(rootfs, name, maxAccountFile)
	if err != nil {
		return nil, fmt.Errorf("read the image's %s: %w", name, err)
	}
	return strings.Split(string(data), "\n"), nil
}

// lookupPasswd returns the first well-formed entry that match accepts. A
// malformed line is skipped unless its name field is the one looked for by
// name, so a broken entry for the user is reported rather than ignored.
func lookupPasswd(lines []string, match func(passwdEntry) bool) (*passwdEntry, error) {
	for i, line := range lines {
		if skipLine(line) {
			continue
		}
		f := strings.Split(line, ":")
		if len(f) != 7 {
			if match(passwdEntry{name: f[0], uid: 1<<32 - 1, gid: 1<<32 - 1}) {
				return nil, fmt.Errorf("the image's /etc/passwd line %d: %d fields; name:password:uid:gid:gecos:home:shell is expected", i+1, len(f))
			}
			continue
		}
		uid, uok, uerr := parseID(f[2])
		gid, gok, gerr := parseID(f[3])
		if !uok || !gok || uerr != nil || gerr != nil {
			if match(passwdEntry{name: f[0], uid: 1<<32 - 1, gid: 1<<32 - 1}) {
				return nil, fmt.Errorf("the image's /etc/passwd line %d: uid %q or gid %q is not a number from 0 to %d", i+1, f[2], f[3], uint32(1<<32-2))
			}
			continue
		}
		e := passwdEntry{name: f[0], uid: uid, gid: gid}
		if match(e) {
			return &e, nil
		}
	}
	return nil, nil
}

// lookupGroup is lookupPasswd for /etc/group.
func lookupGroup(lines []string, match func(groupEntry) bool) (*groupEntry, error) {
	for i, line := range lines {
		if skipLine(line) {
			continue
		}
		g, ok := parseGroupLine(line)
		if !ok {
			f := strings.Split(line, ":")
			if match(groupEntry{name: f[0], gid: 1<<32 - 1}) {
				return nil, fmt.Errorf("the image's /etc/group line %d: name:password:gid:members with a numeric gid is expected", i+1)
			}
			continue
		}
		if match(g) {
			return &g, nil
		}
	}
	return nil, nil
}

func parseGroupLine(line string) (groupEntry, bool) {
	f := strings.Split(line, ":")
	if len(f) != 4 {
		return groupEntry{}, false
	}
	gid, ok, err := parseID(f[2])
	if !ok || err != nil {
		return groupEntry{}, false
	}
	g := groupEntry{name: f[0], gid: gid}
	if f[3] != "" {
		g.members = strings.Split(f[3], ",")
	}
	return g, true
}

// supplementary returns the gids of the groups that list name as a member,
// in file order, without primary and without repeats, at most maxAdditional.
func supplementary(lines []string, name string, primary uint32) []uint32 {
	var out []uint32
	seen := map[uint32]bool{primary: true}
	for _, line := range lines {
		if skipLine(line) {
			continue
		}
		g, ok := parseGroupLine(line)
		if !ok || seen[g.gid] {
			continue
		}
		for _, m := range g.members {
			if strings.TrimSpace(m) == name {
				seen[g.gid] = true
				out = append(out, g.gid)
				break
			}
		}
		if len(out) == maxAdditional {
			break
		}
	}
	return out
}

// skipLine reports blank lines, comments and NIS compat entries (+ and -),
// which name no local account.
func skipLine(line string) bool {
	line = strings.TrimSpace(line)
	return line == "" || line[0] == '#' || line[0] == '+' || line[0] == '-'
}
