package mock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/drivers/plugin"
)

const (
	// Name is the driver's name in job files.
	Name = "mock"
	// Version is the mock driver's version.
	Version = "0.1.0"
	// handleVersion is the version of the driver state in task handles.
	handleVersion = 1
)

// Config holds the driver's dependencies.
type Config struct {
	Logger hclog.Logger
	// Clock is the time source; nil is the real clock.
	Clock Clock
}

// Driver is the mock driver. Its tasks live in the plugin process, so a
// restarted client re-attaches to them through RecoverTask, but a restarted
// plugin has lost them: RecoverTask then returns plugin.ErrTaskNotFound and
// the client treats the task as lost.
type Driver struct {
	logger hclog.Logger
	clock  Clock
	// instance tells this process's handles from an earlier one's.
	instance string
	tasks    *plugin.TaskStore[*task]

	events plugin.EventHub
}

var _ plugin.DriverPlugin = (*Driver)(nil)

// New returns a mock driver.
func New(cfg Config) *Driver {
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	if cfg.Clock == nil {
		cfg.Clock = realClock{}
	}
	return &Driver{
		logger:   cfg.Logger.Named(Name),
		clock:    cfg.Clock,
		instance: fmt.Sprintf("%d-%d", os.Getpid(), cfg.Clock.Now().UnixNano()),
		tasks:    plugin.NewTaskStore[*task](),
	}
}

// driverState is what the mock keeps in a task handle.
type driverState struct {
	Instance  string    `json:"instance"`
	StartedAt time.Time `json:"started_at"`
}

func (d *Driver) PluginInfo(context.Context) (*plugin.PluginInfo, error) {
	return &plugin.PluginInfo{Name: Name, PluginVersion: Version, ProtocolVersion: plugin.ProtocolVersion}, nil
}

func (d *Driver) ConfigSchema(context.Context) (*plugin.ConfigSchema, error) {
	task, err := plugin.SchemaFromSpec(ConfigSpec)
	if err != nil {
		return nil, err
	}
	pl, _ := plugin.SchemaFromSpec(nil)
	return &plugin.ConfigSchema{Plugin: pl, Task: task}, nil
}

// SetConfig accepts an empty config or an empty JSON object: the mock has
// no plugin options.
func (d *Driver) SetConfig(_ context.Context, config []byte) error {
	if s := string(config); s != "" && s != "{}" && s != "null" {
		return fmt.Errorf("mock driver takes no plugin config; got %s", s)
	}
	return nil
}

func (d *Driver) Fingerprint(ctx context.Context) (<-chan *plugin.Fingerprint, error) {
	ch := make(chan *plugin.Fingerprint, 1)
	ch <- &plugin.Fingerprint{
		Health:            plugin.HealthHealthy,
		HealthDescription: "healthy",
		Attributes:        map[string]string{"driver.mock": "1", "driver.mock.version": Version},
	}
	go func() {
		<-ctx.Done()
		close(ch)
	}()
	return ch, nil
}

func (d *Driver) Capabilities(context.Context) (*plugin.Capabilities, error) {
	return &plugin.Capabilities{SendSignals: true, Exec: true, FSIsolation: "none"}, nil
}

func (d *Driver) StartTask(_ context.Context, cfg *plugin.TaskConfig) (*plugin.TaskHandle, error) {
	if cfg == nil || cfg.ID == "" {
		return nil, errors.New("start task: the task config has no ID")
	}
	conf, err := parseTaskConfig(cfg.DriverConfig)
	if err != nil {
		return nil, err
	}
	if conf.StartError != "" {
		err := fmt.Errorf("start task %q: %s", cfg.ID, conf.StartError)
		if conf.StartErrorRecoverable {
			return nil, plugin.NewRecoverableError(err)
		}
		return nil, err
	}
	t := newTask(cfg, conf, d.clock)
	if err := d.tasks.Add(cfg.ID, t); err != nil {
		return nil, fmt.Errorf("start task %q: %w", cfg.ID, err)
	}
	if err := t.start(); err != nil {
		d.tasks.Delete(cfg.ID)
		return nil, fmt.Errorf("start task %q: %w", cfg.ID, err)
	}
	d.logger.Debug("task started", "task_id", cfg.ID, "run_for", conf.runFor)
	d.emit(t, "task started")
	go func() {
		<-t.done
		d.emit(t, "task exited")
	}()
	return plugin.NewTaskHandle(handleVersion, cfg, plugin.TaskStateRunning, driverState{Instance: d.instance, StartedAt: t.startedAt})
}

func (d *Driver) WaitTask(ctx context.Context, taskID string) (*plugin.ExitResult, error) {
	t, err := d.tasks.Get(taskID)
	if err != nil {
		return nil, fmt.Errorf("wait task %q: %w", taskID, err)
	}
	select {
	case <-t.done:
		return t.status().ExitResult, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (d *Driver) StopTask(ctx context.Context, taskID string, timeout time.Duration, signal string) error {
	t, err := d.tasks.Get(taskID)
	if err != nil {
		return fmt.Errorf("stop task %q: %w", taskID, err)
	}
	sig, err := parseSignal(signal)
	if err != nil {
		return fmt.Errorf("stop task %q: %w", taskID, err)
	}
	t.stop(int(sig))
	select {
	case <-t.done:
		return nil
	case <-d.clock.After(timeout):
		d.logger.Debug("task ignored stop signal, killing", "task_id", taskID, "timeout", timeout)
		t.kill()
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-t.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (d *Driver) DestroyTask(ctx context.Context, taskID string, force bool) error {
	t, err := d.tasks.Get(taskID)
	if err != nil {
		return fmt.Errorf("destroy task %q: %w", taskID, err)
	}
	if t.running() {
		if !force {
			return fmt.Errorf("destroy task %q: %w", taskID, plugin.ErrTaskRunning)
		}
		t.kill()
		select {
		case <-t.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	d.tasks.Delete(taskID)
	close(t.destroyed)
	return nil
}

func (d *Driver) InspectTask(_ context.Context, taskID string) (*plugin.TaskStatus, error) {
	t, err := d.tasks.Get(taskID)
	if err != nil {
		return nil, fmt.Errorf("inspect task %q: %w", taskID, err)
	}
	return t.status(), nil
}

// RecoverTask re-attaches to a task still held by this plugin process.
// A task started by an earlier plugin process is gone with it.
func (d *Driver) RecoverTask(_ context.Context, h *plugin.TaskHandle) error {
	if h == nil || h.Config == nil {
		return errors.New("recover task: the handle has no task config")
	}
	if h.Version != handleVersion {
		return fmt.Errorf("recover task %q: handle version %d, want %d", h.Config.ID, h.Version, handleVersion)
	}
	var st driverState
	if err := h.DecodeDriverState(&st); err != nil {
		return fmt.Errorf("recover task %q: %w", h.Config.ID, err)
	}
	if _, err := d.tasks.Get(h.Config.ID); err != nil {
		return fmt.Errorf("recover task %q: mock tasks live in the plugin process and this one (%s) did not start it (%s): %w",
			h.Config.ID, d.instance, st.Instance, plugin.ErrTaskNotFound)
	}
	d.logger.Debug("task recovered", "task_id", h.Config.ID)
	return nil
}

// TaskStats sends made-up usage: memory as granted, 1% CPU.
func (d *Driver) TaskStats(ctx context.Context, taskID string, interval time.Duration) (<-chan *plugin.TaskResourceUsage, error) {
	t, err := d.tasks.Get(taskID)
	if err != nil {
		return nil, fmt.Errorf("task stats %q: %w", taskID, err)
	}
	if interval <= 0 {
		return nil, fmt.Errorf("task stats %q: interval must be positive; got %s", taskID, interval)
	}
	ch := make(chan *plugin.TaskResourceUsage)
	go func() {
		defer close(ch)
		for ticks := 1; ; ticks++ {
			mem := uint64(t.cfg.Resources.MemoryMB) << 20
			u := &plugin.TaskResourceUsage{
				Timestamp:           d.clock.Now(),
				CPUPercent:          1,
				CPUUserTicks:        float64(ticks),
				MemoryRSSBytes:      mem,
				MemoryUsageBytes:    mem,
				MemoryMaxUsageBytes: mem,
			}
			select {
			case ch <- u:
			case <-ctx.Done():
				return
			case <-t.destroyed:
				return
			}
			select {
			case <-d.clock.After(interval):
			case <-ctx.Done():
				return
			case <-t.destroyed:
				return
			}
		}
	}()
	return ch, nil
}

// TaskEvents streams the events of every task of this driver.
func (d *Driver) TaskEvents(ctx context.Context) (<-chan *plugin.TaskEvent, error) {
	return d.events.Subscribe(ctx), nil
}

func (d *Driver) emit(t *task, msg string) {
	e := &plugin.TaskEvent{
		TaskID:    t.cfg.ID,
		AllocID:   t.cfg.AllocID,
		TaskName:  t.cfg.Name,
		Timestamp: d.clock.Now(),
		Message:   msg,
	}
	d.events.Publish(e)
}

// SignalTask records the signal and reports it as a task event; the mock
// task does not otherwise react to it.
func (d *Driver) SignalTask(_ context.Context, taskID string, signal string) error {
	t, err := d.tasks.Get(taskID)
	if err != nil {
		return fmt.Errorf("signal task %q: %w", taskID, err)
	}
	sig, err := parseSignal(signal)
	if err != nil {
		return fmt.Errorf("signal task %q: %w", taskID, err)
	}
	if !t.running() {
		return fmt.Errorf("signal task %q: task has exited", taskID)
	}
	t.mu.Lock()
	t.signals = append(t.signals, signalName(sig))
	t.mu.Unlock()
	d.emit(t, "received signal "+signalName(sig))
	return nil
}

func signalName(s syscall.Signal) string {
	for n, v := range signalNumbers {
		if v == s {
			return n
		}
	}
	return fmt.Sprint(int(s))
}
