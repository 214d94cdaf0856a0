package structs

import (
	"strconv"
	"time"
)

// Bounds on a check's interval and timeout: a check more often than once
// a second loads the task more than it tells, and one without a timeout
// bound could hang its runner.
const (
	MinCheckInterval = time.Second
	MinCheckTimeout  = time.Second
)

// validateChecks checks what a service's checks refer to in their group:
// port labels the group's networks (or the tasks') declare, the task a
// script check runs in, and the bounds of interval, timeout and
// check_restart. Types and required fields are Service.validate's.
func (tg *TaskGroup) validateChecks(v validator) {
	ports := map[string]bool{}
	addPorts := func(nets []*NetworkResource) {
		for _, n := range nets {
			if n == nil {
				continue
			}
			for _, p := range n.ReservedPorts {
				ports[p.Label] = true
			}
			for _, p := range n.DynamicPorts {
				ports[p.Label] = true
			}
		}
	}
	addPorts(tg.Networks)
	tasks := map[string]bool{}
	drivers := map[string]string{}
	for _, t := range tg.Tasks {
		if t == nil {
			continue
		}
		tasks[t.Name] = true
		drivers[t.Name] = t.Driver
		if t.Resources != nil {
			addPorts(t.Resources.Networks)
		}
	}
	check := func(sv validator, svc *Service, task string) {
		for i, c := range svc.Checks {
			if c == nil {
				continue
			}
			cv := sv.index("Checks", i)
			if c.Interval > 0 && c.Interval < MinCheckInterval {
				cv.fail("Interval", "must be at least %s, got %s", MinCheckInterval, c.Interval)
			}
			if c.Timeout > 0 && c.Timeout < MinCheckTimeout {
				cv.fail("Timeout", "must be at least %s, got %s", MinCheckTimeout, c.Timeout)
			}
			label := c.PortLabel
			if label == "" {
				label = svc.PortLabel
			}
			// A numeric port is a port number, which no network block
			// declares (Nomad takes it as is, e.g. with address_mode
			// "driver").
			_, numeric := strconv.Atoi(label)
			literal := numeric == nil
			if (c.Type == "http" || c.Type == "tcp" || c.Type == "grpc") && svc.Provider != "consul" && !literal {
				switch {
				case label == "":
					cv.fail("PortLabel", "a %s check needs a port: set port in the check or the service to a port label of the group's network", c.Type)
				case !ports[label] && len(ports) == 0:
					cv.fail("PortLabel", "the group's network has no port labelled %q (it declares no ports); declare it with port %q { } in a network block", label, label)
				case !ports[label]:
					cv.fail("PortLabel", "the group's network has no port labelled %q; declare it with port %q { } in a network block, or use one of %s", label, label, joinQuoted(sortedKeys(ports)))
				}
			}
			if c.Type == "script" {
				execTask := firstNonEmpty(c.TaskName, svc.TaskName, task)
				switch {
				case execTask == "":
					cv.fail("TaskName", "a script check of a group service must name the task it runs in with task = \"<name>\" in the check or the service")
				case !tasks[execTask]:
					cv.fail("TaskName", "the group has no task %q to run the script check in", execTask)
				default:
					if can, known := DriverCanExec(drivers[execTask]); known && !can {
						cv.fail("Type", "a script check runs a command in task %q, whose driver %q cannot run commands in its tasks; use a check of type \"http\", \"tcp\" or \"grpc\", or run the script in a task of a driver that can (%s)",
							execTask, drivers[execTask], joinQuoted(execDrivers()))
					}
				}
			}
			cr := c.CheckRestart
			if cr == nil {
				cr = svc.CheckRestart
			}
			if cr != nil {
				if cr.Limit < 0 {
					cv.fail("CheckRestart.Limit", "must be 0 (never restart) or more, got %d", cr.Limit)
				}
				if cr.Grace < 0 {
					cv.fail("CheckRestart.Grace", "must not be negative, got %s", cr.Grace)
				}
				if cr.Limit > 0 && firstNonEmpty(c.TaskName, svc.TaskName, task) == "" {
					cv.fail("CheckRestart", "check_restart on a group service's check needs the task to restart: set task = \"<name>\" in the check or the service")
				}
			}
		}
	}
	for i, svc := range tg.Services {
		if svc != nil {
			check(v.index("Services", i), svc, "")
		}
	}
	for ti, t := range tg.Tasks {
		if t == nil {
			continue
		}
		for i, svc := range t.Services {
			if svc != nil {
				check(v.index("Tasks", ti).index("Services", i), svc, t.Name)
			}
		}
	}
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
