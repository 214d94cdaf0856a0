// Command ctr is the program the runtime tests run inside containers. Its
// first argument picks what it does:
//
//	exit N         print "hello from ctr" and exit with code N
//	echo WORDS...  print the words and exit 0
//	ready          print "ready" and run until killed
//	ignore-term    ignore SIGTERM, print "ready" and run until killed
//	graceful       print "ready"; on SIGTERM print "bye" and exit 0
//	alloc MIB      touch MIB MiB of memory, print "survived" and exit 0
package main

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: ctr exit N | echo WORDS | ready | ignore-term | graceful | alloc MIB")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "exit":
		n, _ := strconv.Atoi(arg(2))
		fmt.Println("hello from ctr")
		os.Exit(n)
	case "echo":
		fmt.Println(strings.Join(os.Args[2:], " "))
	case "ready":
		fmt.Println("ready")
		forever()
	case "ignore-term":
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("ready")
		forever()
	case "graceful":
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGTERM)
		fmt.Println("ready")
		<-ch
		fmt.Println("bye")
	case "alloc":
		mib, _ := strconv.Atoi(arg(2))
		var keep [][]byte
		for i := 0; i < mib; i++ {
			b := make([]byte, 1<<20)
			for j := range b {
				b[j] = byte(j)
			}
			keep = append(keep, b)
		}
		fmt.Println("survived", len(keep))
	default:
		fmt.Fprintf(os.Stderr, "ctr: unknown mode %q\n", os.Args[1])
		os.Exit(2)
	}
}

func arg(i int) string {
	if i < len(os.Args) {
		return os.Args[i]
	}
	return ""
}

func forever() {
	for {
		time.Sleep(time.Hour)
	}
}
