// Command probe runs inside a container built by the runtimespec tests and
// prints what it can see of its confinement.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"syscall"
)

func main() {
	host, _ := os.Hostname()
	fmt.Printf("uid=%d gid=%d hostname=%s cwd=%s\n", os.Getuid(), os.Getgid(), host, mustCwd())
	f, err := os.Open("/proc/self/status")
	if err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			l := sc.Text()
			if strings.HasPrefix(l, "NoNewPrivs:") || strings.HasPrefix(l, "Seccomp:") || strings.HasPrefix(l, "CapBnd:") {
				fmt.Println(strings.Join(strings.Fields(l), " "))
			}
		}
		f.Close()
	}
	err = syscall.Mount("none", "/mnt", "tmpfs", 0, "")
	fmt.Printf("mount=%v\n", err)
	fmt.Printf("env=%s\n", os.Getenv("PROBE"))
}

func mustCwd() string {
	d, _ := os.Getwd()
	return d
}
