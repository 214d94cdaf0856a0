// Command taskmod is the WASI module the wasm driver's tests and
// benchmarks run, built with GOOS=wasip1 GOARCH=wasm inside the tests. Its
// first argument picks what it does; see usage.
package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

const usage = `usage: taskmod <mode> [args]
  exit N          exit with code N
  stdout TEXT     print TEXT and exit 0
  printenv NAME.. print the value of each NAME on a line and exit 0
  args            print each argument (argv[0] included) on a line
  wait            read stdin until EOF (the driver's stop), then exit 0
  ready           print "ready" at once, then as wait
  ignore          sleep forever, ignoring stdin
  spin            loop forever without a call
  probe OP:PATH.. try each of read, write, list, symlink=TARGET on PATH; print one line each
  grow MB         allocate and touch MB MiB, print "grew", exit 0`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	args := os.Args[2:]
	switch os.Args[1] {
	case "exit":
		n, _ := strconv.Atoi(args[0])
		os.Exit(n)
	case "stdout":
		fmt.Print(strings.Join(args, " "))
	case "printenv":
		for _, name := range args {
			fmt.Println(os.Getenv(name))
		}
	case "args":
		for _, a := range os.Args {
			fmt.Println(a)
		}
	case "ready":
		os.Stdout.WriteString("ready\n")
		waitStdin()
	case "wait":
		waitStdin()
	case "ignore":
		for {
			time.Sleep(50 * time.Millisecond)
		}
	case "spin":
		x := 0
		for {
			x++
		}
	case "probe":
		for _, a := range args {
			fmt.Println(probe(a))
		}
	case "grow":
		mb, _ := strconv.Atoi(args[0])
		var keep [][]byte
		for i := 0; i < mb; i++ {
			b := make([]byte, 1<<20)
			for j := range b {
				b[j] = byte(j)
			}
			keep = append(keep, b)
		}
		fmt.Println("grew", len(keep))
	default:
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
}

func waitStdin() {
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// probe runs "op:path" and says "op:path ok" or "op:path error ...".
func probe(spec string) string {
	op, p, _ := strings.Cut(spec, ":")
	var err error
	switch {
	case op == "read":
		_, err = os.ReadFile(p)
	case op == "write":
		err = os.WriteFile(p, []byte("written by the module\n"), 0o644)
	case op == "list":
		_, err = os.ReadDir(p)
	case strings.HasPrefix(op, "symlink="):
		err = os.Symlink(strings.TrimPrefix(op, "symlink="), p)
	default:
		err = fmt.Errorf("unknown op %q", op)
	}
	if err != nil {
		return spec + " error " + err.Error()
	}
	return spec + " ok"
}
