package runtimespec

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// maxSymlinks bounds how many symbolic links resolving one path may follow,
// as the kernel's ELOOP limit does.
const maxSymlinks = 40

// readInRoot reads the file at name (an absolute path inside the container)
// from the root file system at rootfs, reading at most limit bytes. Symbolic
// links are resolved as they would be inside the container: absolute targets
// and ".." stop at rootfs, so nothing outside it is read. A file that does
// not exist returns an error that matches fs.ErrNotExist.
func readInRoot(rootfs, name string, limit int64) ([]byte, error) {
	root, err := os.OpenRoot(rootfs)
	if err != nil {
		return nil, fmt.Errorf("open root file system %s: %w", rootfs, err)
	}
	defer root.Close()
	rel, err := resolveInRoot(root, name)
	if err != nil {
		return nil, err
	}
	f, err := root.Open(rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s)", name, fi.Mode().Type())
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes, the most accepted", name, limit)
	}
	return data, nil
}

// resolveInRoot returns name with every symbolic link resolved inside root,
// as a path relative to root. Components that do not exist are kept as they
// are (opening the result then fails with fs.ErrNotExist).
func resolveInRoot(root *os.Root, name string) (string, error) {
	var done []string
	todo := splitPath(name)
	links := 0
	for len(todo) > 0 {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(done) > 0 {
				done = done[:len(done)-1]
			}
			continue
		}
		cand := path.Join(append(append([]string{}, done...), c)...)
		fi, err := root.Lstat(cand)
		if errors.Is(err, fs.ErrNotExist) {
			done = append(done, c)
			continue
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			done = append(done, c)
			continue
		}
		links++
		if links > maxSymlinks {
			return "", fmt.Errorf("resolve %s: more than %d symbolic links", name, maxSymlinks)
		}
		target, err := root.Readlink(cand)
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(target, "/") {
			done = nil
		}
		todo = append(splitPath(target), todo...)
	}
	if len(done) == 0 {
		return ".", nil
	}
	return path.Join(done...), nil
}

func splitPath(p string) []string {
	return strings.Split(strings.Trim(p, "/"), "/")
}
