package runtime

import (
	"io"
	"os"
	"sync"
	"time"

	"github.com/containerd/console"
	"golang.org/x/sys/unix"
)

// execTTY is the pty an exec with a terminal runs on: the runtime gets the
// slave as its controlling terminal, we copy between the master and the
// caller's streams.
type execTTY struct {
	master console.Console
	io     *execIO
	done   chan struct{}
	out    sync.WaitGroup
}

func newExecTTY(stdio ExecIO) (*execTTY, error) {
	master, slavePath, err := console.NewPty()
	if err != nil {
		return nil, err
	}
	slave, err := os.OpenFile(slavePath, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		return nil, err
	}
	t := &execTTY{
		master: master,
		io:     &execIO{stdin: slave, stdout: slave, stderr: slave, ctty: slave},
		done:   make(chan struct{}),
	}
	t.out.Add(1)
	go func() {
		defer t.out.Done()
		io.Copy(stdio.Stdout, master) // ends with EIO once the runtime exits
	}()
	if stdio.Stdin != nil {
		// Ends at the caller's EOF or at the first write after close.
		go io.Copy(master, stdio.Stdin)
	}
	if stdio.Resize != nil {
		go func() {
			for {
				select {
				case sz, ok := <-stdio.Resize:
					if !ok {
						return
					}
					master.Resize(console.WinSize{Width: sz.Width, Height: sz.Height})
				case <-t.done:
					return
				}
			}
		}()
	}
	return t, nil
}

// ttyDrain bounds how long output is drained after the exec ended.
const ttyDrain = 2 * time.Second

// close waits, bounded, for the output to drain and closes the pty.
func (t *execTTY) close() {
	close(t.done)
	t.io.ctty.Close() // in case the runtime never started
	drained := make(chan struct{})
	go func() { t.out.Wait(); close(drained) }()
	timer := time.NewTimer(ttyDrain)
	defer timer.Stop()
	select {
	case <-drained:
	case <-timer.C:
	}
	t.master.Close()
	<-drained
}
