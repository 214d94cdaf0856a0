// Command hello-wasm is the example WASI program of the wasm driver's
// guide (website/wasm-driver.md). `make examples` builds it with
//
//	GOOS=wasip1 GOARCH=wasm go build -o website/examples/hello-wasm/hello.wasm ./website/examples/hello-wasm
//
// and website/examples/hello-wasm.hcl runs it. It greets, shows what a
// module sees of its task (arguments, environment, the /local, /alloc and
// /secrets directories), leaves a file in the allocation's shared
// directory and exits.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
)

func main() {
	name := flag.String("name", "world", "who to greet")
	flag.Parse()

	fmt.Printf("hello, %s, from WebAssembly!\n", *name)
	fmt.Printf("  running as %s/%s, built by %s\n", runtime.GOOS, runtime.GOARCH, runtime.Version())
	fmt.Printf("  task %q of job %q, allocation %s\n",
		os.Getenv("NOMAD_TASK_NAME"), os.Getenv("NOMAD_JOB_NAME"), os.Getenv("NOMAD_ALLOC_ID"))
	fmt.Printf("  arguments: %q\n", os.Args)

	for _, dir := range []string{"/local", "/alloc", "/secrets", "/etc"} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			fmt.Printf("  %-9s not visible to the module\n", dir)
			continue
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		fmt.Printf("  %-9s %s\n", dir, strings.Join(names, " "))
	}

	if err := os.WriteFile("/alloc/hello.txt", []byte("written by hello-wasm\n"), 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "write /alloc/hello.txt: %v\n", err)
		os.Exit(1)
	}
	fmt.Println("  wrote /alloc/hello.txt; bye")
}
