// Command taskbin is the program the OCI driver's tests put in the images
// they build: a static binary that behaves as the driver conformance suite's
// tasks do. Invoked as "cat" it copies stdin to stdout, for ExecTask.
//
//	taskbin wait           run until SIGTERM or SIGINT, then exit 0
//	taskbin ignore         print "ignoring", then run until killed, ignoring SIGTERM
//	taskbin exit N         exit N
//	taskbin stdout TEXT    print TEXT and exit 0
//	taskbin tick           print "tick" every 50 ms until killed
//	taskbin serve PORT T   answer every TCP connection on PORT with T
//	taskbin http PORT T [sick]
//	                       serve HTTP on PORT: / answers T, /health 200 (500
//	                       with "sick"); POST /sick and POST /well turn
//	                       /health's answer; on SIGTERM stop taking
//	                       connections, finish those in flight, exit 0
//	taskbin printenv NAME  print $NAME and exit 0
//	taskbin alloc MiB      allocate and touch MiB of memory, then wait
//	taskbin ps             print the PIDs visible in /proc
//	taskbin ls DIR         print the names in DIR
//	taskbin ttysize        print stdin's terminal size, ROWSxCOLS, per line read
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// init ignores SIGTERM and SIGINT for "ignore" as early as a Go program
// can: a stop sent the moment the container starts must not find the
// runtime's default handler, which exits 2, still in place.
func init() {
	if len(os.Args) > 1 && os.Args[1] == "ignore" {
		signal.Ignore(syscall.SIGTERM, syscall.SIGINT)
	}
}

func main() {
	if filepath.Base(os.Args[0]) == "cat" {
		if _, err := io.Copy(os.Stdout, os.Stdin); err != nil {
			os.Exit(1)
		}
		return
	}
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: taskbin wait|ignore|exit N|stdout TEXT|printenv NAME|alloc MiB|ps|ls DIR|write FILE TEXT")
		os.Exit(2)
	}
	arg := ""
	if len(os.Args) > 2 {
		arg = os.Args[2]
	}
	switch os.Args[1] {
	case "wait":
		waitFor(syscall.SIGTERM, syscall.SIGINT)
	case "ignore":
		signal.Ignore(syscall.SIGTERM, syscall.SIGINT)
		fmt.Println("ignoring")
		waitFor() // until SIGKILL
	case "exit":
		n, _ := strconv.Atoi(arg)
		os.Exit(n)
	case "stdout":
		fmt.Println(arg)
	case "serve":
		text := ""
		if len(os.Args) > 3 {
			text = os.Args[3]
		}
		l, err := net.Listen("tcp", ":"+arg)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				fmt.Fprintln(c, text)
				c.Close()
			}
		}()
		fmt.Println("serving on", l.Addr())
		waitFor(syscall.SIGTERM, syscall.SIGINT)
	case "http":
		serveHTTP(arg, os.Args[3:])
	case "tick":
		for {
			fmt.Println("tick")
			time.Sleep(50 * time.Millisecond)
		}
	case "printenv":
		fmt.Println(os.Getenv(arg))
	case "alloc":
		mib, _ := strconv.Atoi(arg)
		buf := make([][]byte, 0, mib)
		for i := 0; i < mib; i++ {
			b := make([]byte, 1<<20)
			for j := range b {
				b[j] = byte(j)
			}
			buf = append(buf, b)
		}
		fmt.Println("allocated", len(buf), "MiB")
		waitFor(syscall.SIGTERM, syscall.SIGINT)
	case "ps":
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			if _, err := strconv.Atoi(e.Name()); err == nil {
				fmt.Println(e.Name())
			}
		}
	case "write":
		text := ""
		if len(os.Args) > 3 {
			text = os.Args[3]
		}
		if err := os.WriteFile(arg, []byte(text), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	case "ls":
		entries, err := os.ReadDir(arg)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		for _, e := range entries {
			fmt.Println(e.Name())
		}
	case "ttysize":
		line := make([]byte, 256)
		for {
			if _, err := os.Stdin.Read(line); err != nil {
				return
			}
			var ws struct{ Row, Col, X, Y uint16 }
			if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, 0, syscall.TIOCGWINSZ, uintptr(unsafe.Pointer(&ws))); e != 0 {
				fmt.Fprintln(os.Stderr, "ttysize:", e)
				os.Exit(1)
			}
			fmt.Printf("size %dx%d\n", ws.Row, ws.Col)
		}
	default:
		fmt.Fprintf(os.Stderr, "taskbin: unknown mode %q\n", os.Args[1])
		os.Exit(2)
	}
}

// waitFor blocks until one of sigs arrives (forever without any), taking
// SIGUSR1 and SIGHUP without dying, as a long-running task should.
func waitFor(sigs ...os.Signal) {
	other := make(chan os.Signal, 4)
	signal.Notify(other, syscall.SIGUSR1, syscall.SIGHUP)
	stop := make(chan os.Signal, 1)
	if len(sigs) > 0 {
		signal.Notify(stop, sigs...)
		if os.Args[1] == "wait" {
			// The handler is in place: a stop now is honoured (a PID 1
			// signalled before it would ignore SIGTERM).
			fmt.Println("waiting")
		}
	}
	for {
		select {
		case s := <-other:
			fmt.Println("got", s)
		case <-stop:
			return
		}
	}
}

// serveHTTP is "taskbin http PORT TEXT [sick]".
func serveHTTP(port string, rest []string) {
	text := ""
	if len(rest) > 0 {
		text = rest[0]
	}
	var sick atomic.Bool
	sick.Store(len(rest) > 1 && rest[1] == "sick")
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) {
		if sick.Load() {
			http.Error(w, "sick", http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("POST /sick", func(w http.ResponseWriter, _ *http.Request) { sick.Store(true) })
	mux.HandleFunc("POST /well", func(w http.ResponseWriter, _ *http.Request) { sick.Store(false) })
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, text) })
	srv := &http.Server{Addr: ":" + port, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	l, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go func() {
		waitFor(syscall.SIGTERM, syscall.SIGINT)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
	fmt.Println("serving HTTP on", l.Addr())
	if err := srv.Serve(l); err != nil && err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
