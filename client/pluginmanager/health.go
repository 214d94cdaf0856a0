package pluginmanager

import (
	"os"
	"time"
)

// healthLoop checks every plugin each HealthInterval until the manager
// closes. It is the only goroutine that relaunches plugins.
func (m *Manager) healthLoop() {
	defer close(m.loopDone)
	for {
		tick, stopTimer := m.clock.NewTimer(m.cfg.HealthInterval)
		select {
		case <-m.stop:
			stopTimer()
			return
		case <-tick:
		}
		for _, name := range m.names() {
			if m.isClosed() {
				return
			}
			m.check(name)
		}
	}
}

func (m *Manager) isClosed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closed
}

// check pings the named plugin; a dead one is killed for good measure,
// dropped from the state file and relaunched, and OnRestart is called.
func (m *Manager) check(name string) {
	m.mu.Lock()
	inst := m.plugins[name]
	c, rc := inst.client, inst.rc
	m.mu.Unlock()

	if c != nil {
		err := m.ping(name, c)
		if err == nil {
			return
		}
		m.logger.Warn("driver plugin is unhealthy; relaunching it", "driver", name, "pid", rc.Pid, "error", err)
		// A plugin that hangs is still running: end it by PID so that
		// two plugins never serve one driver. go-plugin's own Kill would
		// first ask the hung plugin to shut down and could wait forever.
		if !c.Exited() {
			if p, err := os.FindProcess(rc.Pid); err == nil {
				_ = p.Kill()
			}
		}
		m.mu.Lock()
		inst.client, inst.rc, inst.lastErr = nil, nil, err
		m.mu.Unlock()
		_ = m.persist()
	}
	if m.relaunch(name, inst) && m.cfg.OnRestart != nil {
		m.cfg.OnRestart(name)
	}
}

// relaunch launches the named plugin unless its back-off has not yet
// passed, records the outcome and reports whether a plugin now runs.
func (m *Manager) relaunch(name string, inst *instance) bool {
	now := m.clock.Now()
	m.mu.Lock()
	wait := inst.nextAttempt
	m.mu.Unlock()
	if now.Before(wait) {
		return false
	}

	c, rc, err := m.launch(name)

	m.mu.Lock()
	if err != nil {
		inst.failures++
		inst.lastErr = err
		inst.nextAttempt = now.Add(backoff(inst.failures, m.cfg.RestartBackoff, m.cfg.MaxRestartBackoff))
		failures, next := inst.failures, inst.nextAttempt
		m.mu.Unlock()
		m.logger.Error("cannot launch driver plugin; will retry", "driver", name, "failures", failures, "retry_at", next, "error", err)
		return false
	}
	inst.client, inst.rc = c, rc
	inst.failures, inst.lastErr, inst.nextAttempt = 0, nil, time.Time{}
	m.mu.Unlock()
	m.logger.Info("launched driver plugin", "driver", name, "pid", rc.Pid)
	_ = m.persist()
	return true
}

// backoff is the wait after the n-th failed launch in a row: base,
// doubling each time, never more than ceiling.
func backoff(n int, base, ceiling time.Duration) time.Duration {
	d := base
	for i := 1; i < n; i++ {
		d *= 2
		if d >= ceiling {
			return ceiling
		}
	}
	return min(d, ceiling)
}
