package mock

import (
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// task is one mock task: a goroutine that waits out run_for, reacts to a
// stop signal after kill_after, and writes stdout_string to the log.
type task struct {
	cfg       *plugin.TaskConfig
	conf      *taskConfig
	clock     Clock
	startedAt time.Time

	stopCh    chan int      // a stop signal's number; buffered, one send
	killCh    chan struct{} // closed to kill
	killOnce  sync.Once
	stopOnce  sync.Once
	exiting   chan struct{} // closed when the run loop decided to exit
	done      chan struct{} // closed once the exit result is set and stdout is flushed
	destroyed chan struct{} // closed by DestroyTask, ending stats streams

	mu          sync.Mutex // guards the fields below
	exit        *plugin.ExitResult
	completedAt time.Time
	signals     []string
}

func newTask(cfg *plugin.TaskConfig, conf *taskConfig, clock Clock) *task {
	return &task{
		cfg:       cfg,
		conf:      conf,
		clock:     clock,
		startedAt: clock.Now(),
		stopCh:    make(chan int, 1),
		killCh:    make(chan struct{}),
		exiting:   make(chan struct{}),
		done:      make(chan struct{}),
		destroyed: make(chan struct{}),
	}
}

// start opens the log files, writes the first stdout_string and starts the
// run loop. The first write happens before start returns, so a task that
// exits at once has its output in the file when WaitTask returns.
func (t *task) start() error {
	stdout, err := openLog(t.cfg.StdoutPath)
	if err != nil {
		return err
	}
	stderr, err := openLog(t.cfg.StderrPath)
	if err != nil {
		stdout.Close()
		return err
	}
	stderr.Close() // the mock never writes to stderr; the file exists
	text := os.Expand(t.conf.StdoutString, func(k string) string { return t.cfg.Env[k] })
	if text != "" {
		if _, err := stdout.WriteString(text); err != nil {
			stdout.Close()
			return fmt.Errorf("write stdout of task %q: %w", t.cfg.ID, err)
		}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer stdout.Close()
		for i := 0; i < t.conf.StdoutRepeat && text != ""; i++ {
			select {
			case <-t.clock.After(t.conf.stdoutRepeatDuration):
				_, _ = stdout.WriteString(text)
			case <-t.exiting:
				return
			}
		}
	}()
	go func() {
		res := t.run()
		close(t.exiting)
		wg.Wait()
		t.mu.Lock()
		t.exit = res
		t.completedAt = t.clock.Now()
		t.mu.Unlock()
		close(t.done)
	}()
	return nil
}

// openLog opens a log file for appending; an empty path discards output.
func openLog(path string) (*os.File, error) {
	if path == "" {
		path = os.DevNull
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open task log: %w", err)
	}
	return f, nil
}

// run is the task's life; it returns how the task ended.
func (t *task) run() *plugin.ExitResult {
	select {
	case <-t.clock.After(t.conf.runFor):
		return &plugin.ExitResult{ExitCode: t.conf.ExitCode}
	case sig := <-t.stopCh:
		if t.conf.killAfter == 0 {
			return &plugin.ExitResult{Signal: sig}
		}
		select {
		case <-t.clock.After(t.conf.killAfter):
			return &plugin.ExitResult{Signal: sig}
		case <-t.killCh:
			return &plugin.ExitResult{Signal: int(syscall.SIGKILL)}
		}
	case <-t.killCh:
		return &plugin.ExitResult{Signal: int(syscall.SIGKILL)}
	}
}

func (t *task) stop(sig int) {
	t.stopOnce.Do(func() { t.stopCh <- sig })
}

func (t *task) kill() {
	t.killOnce.Do(func() { close(t.killCh) })
}

func (t *task) running() bool {
	select {
	case <-t.done:
		return false
	default:
		return true
	}
}

func (t *task) status() *plugin.TaskStatus {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := &plugin.TaskStatus{
		ID:               t.cfg.ID,
		Name:             t.cfg.Name,
		State:            plugin.TaskStateRunning,
		StartedAt:        t.startedAt,
		DriverAttributes: map[string]string{"signals_received": fmt.Sprint(len(t.signals))},
	}
	if t.exit != nil {
		st.State = plugin.TaskStateExited
		st.CompletedAt = t.completedAt
		r := *t.exit
		st.ExitResult = &r
	}
	return st
}
