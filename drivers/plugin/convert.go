package plugin

import (
	"time"

	"github.com/nomadish/nomadish/drivers/plugin/proto"
)

// This file converts between the Go types of types.go and their protobuf
// messages. Each pair of functions is the whole mapping for one type.

func unixNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

func taskConfigToProto(c *TaskConfig) *proto.TaskConfig {
	if c == nil {
		return nil
	}
	return &proto.TaskConfig{
		Id:            c.ID,
		Name:          c.Name,
		AllocId:       c.AllocID,
		JobName:       c.JobName,
		TaskGroupName: c.TaskGroupName,
		Env:           c.Env,
		User:          c.User,
		Resources: &proto.Resources{
			CpuMhz:      c.Resources.CPUMHz,
			Cores:       c.Resources.Cores,
			MemoryMb:    c.Resources.MemoryMB,
			MemoryMaxMb: c.Resources.MemoryMaxMB,
			DiskMb:      c.Resources.DiskMB,
		},
		DriverConfig: c.DriverConfig,
		TaskDir: &proto.TaskDir{
			Dir:            c.TaskDir.Dir,
			LocalDir:       c.TaskDir.LocalDir,
			SecretsDir:     c.TaskDir.SecretsDir,
			TmpDir:         c.TaskDir.TmpDir,
			SharedAllocDir: c.TaskDir.SharedAllocDir,
			LogDir:         c.TaskDir.LogDir,
		},
		StdoutPath: c.StdoutPath,
		StderrPath: c.StderrPath,
		Mounts:     mountsToProto(c.Mounts),
	}
}

func mountsToProto(ms []MountConfig) []*proto.Mount {
	if len(ms) == 0 {
		return nil
	}
	out := make([]*proto.Mount, len(ms))
	for i, m := range ms {
		out[i] = &proto.Mount{TaskPath: m.TaskPath, HostPath: m.HostPath, Readonly: m.Readonly}
	}
	return out
}

func mountsFromProto(ps []*proto.Mount) []MountConfig {
	if len(ps) == 0 {
		return nil
	}
	out := make([]MountConfig, len(ps))
	for i, p := range ps {
		out[i] = MountConfig{TaskPath: p.GetTaskPath(), HostPath: p.GetHostPath(), Readonly: p.GetReadonly()}
	}
	return out
}

func taskConfigFromProto(p *proto.TaskConfig) *TaskConfig {
	if p == nil {
		return nil
	}
	c := &TaskConfig{
		ID:            p.GetId(),
		Name:          p.GetName(),
		AllocID:       p.GetAllocId(),
		JobName:       p.GetJobName(),
		TaskGroupName: p.GetTaskGroupName(),
		Env:           p.GetEnv(),
		User:          p.GetUser(),
		DriverConfig:  p.GetDriverConfig(),
		StdoutPath:    p.GetStdoutPath(),
		StderrPath:    p.GetStderrPath(),
		Mounts:        mountsFromProto(p.GetMounts()),
	}
	if r := p.GetResources(); r != nil {
		c.Resources = Resources{
			CPUMHz:      r.GetCpuMhz(),
			Cores:       r.GetCores(),
			MemoryMB:    r.GetMemoryMb(),
			MemoryMaxMB: r.GetMemoryMaxMb(),
			DiskMB:      r.GetDiskMb(),
		}
	}
	if d := p.GetTaskDir(); d != nil {
		c.TaskDir = TaskDir{
			Dir:            d.GetDir(),
			LocalDir:       d.GetLocalDir(),
			SecretsDir:     d.GetSecretsDir(),
			TmpDir:         d.GetTmpDir(),
			SharedAllocDir: d.GetSharedAllocDir(),
			LogDir:         d.GetLogDir(),
		}
	}
	return c
}

func taskHandleToProto(h *TaskHandle) *proto.TaskHandle {
	if h == nil {
		return nil
	}
	return &proto.TaskHandle{
		Version:     int32(h.Version),
		Config:      taskConfigToProto(h.Config),
		State:       proto.TaskState(h.State),
		DriverState: h.DriverState,
	}
}

func taskHandleFromProto(p *proto.TaskHandle) *TaskHandle {
	if p == nil {
		return nil
	}
	return &TaskHandle{
		Version:     int(p.GetVersion()),
		Config:      taskConfigFromProto(p.GetConfig()),
		State:       TaskState(p.GetState()),
		DriverState: p.GetDriverState(),
	}
}

func exitResultToProto(r *ExitResult) *proto.ExitResult {
	if r == nil {
		return nil
	}
	return &proto.ExitResult{
		ExitCode:  int32(r.ExitCode),
		Signal:    int32(r.Signal),
		OomKilled: r.OOMKilled,
		Err:       r.Err,
	}
}

func exitResultFromProto(p *proto.ExitResult) *ExitResult {
	if p == nil {
		return nil
	}
	return &ExitResult{
		ExitCode:  int(p.GetExitCode()),
		Signal:    int(p.GetSignal()),
		OOMKilled: p.GetOomKilled(),
		Err:       p.GetErr(),
	}
}

func taskStatusToProto(s *TaskStatus) *proto.InspectTaskResponse {
	return &proto.InspectTaskResponse{
		Id:               s.ID,
		Name:             s.Name,
		State:            proto.TaskState(s.State),
		StartedAt:        unixNanos(s.StartedAt),
		CompletedAt:      unixNanos(s.CompletedAt),
		ExitResult:       exitResultToProto(s.ExitResult),
		DriverAttributes: s.DriverAttributes,
	}
}

func taskStatusFromProto(p *proto.InspectTaskResponse) *TaskStatus {
	return &TaskStatus{
		ID:               p.GetId(),
		Name:             p.GetName(),
		State:            TaskState(p.GetState()),
		StartedAt:        fromUnixNanos(p.GetStartedAt()),
		CompletedAt:      fromUnixNanos(p.GetCompletedAt()),
		ExitResult:       exitResultFromProto(p.GetExitResult()),
		DriverAttributes: p.GetDriverAttributes(),
	}
}

func usageToProto(u *TaskResourceUsage) *proto.TaskStatsResponse {
	return &proto.TaskStatsResponse{
		Timestamp:           unixNanos(u.Timestamp),
		CpuPercent:          u.CPUPercent,
		CpuUserTicks:        u.CPUUserTicks,
		CpuSystemTicks:      u.CPUSystemTicks,
		MemoryRssBytes:      u.MemoryRSSBytes,
		MemoryUsageBytes:    u.MemoryUsageBytes,
		MemoryMaxUsageBytes: u.MemoryMaxUsageBytes,
	}
}

func usageFromProto(p *proto.TaskStatsResponse) *TaskResourceUsage {
	return &TaskResourceUsage{
		Timestamp:           fromUnixNanos(p.GetTimestamp()),
		CPUPercent:          p.GetCpuPercent(),
		CPUUserTicks:        p.GetCpuUserTicks(),
		CPUSystemTicks:      p.GetCpuSystemTicks(),
		MemoryRSSBytes:      p.GetMemoryRssBytes(),
		MemoryUsageBytes:    p.GetMemoryUsageBytes(),
		MemoryMaxUsageBytes: p.GetMemoryMaxUsageBytes(),
	}
}

func eventToProto(e *TaskEvent) *proto.TaskEvent {
	return &proto.TaskEvent{
		TaskId:      e.TaskID,
		AllocId:     e.AllocID,
		TaskName:    e.TaskName,
		Timestamp:   unixNanos(e.Timestamp),
		Message:     e.Message,
		Annotations: e.Annotations,
	}
}

func eventFromProto(p *proto.TaskEvent) *TaskEvent {
	return &TaskEvent{
		TaskID:      p.GetTaskId(),
		AllocID:     p.GetAllocId(),
		TaskName:    p.GetTaskName(),
		Timestamp:   fromUnixNanos(p.GetTimestamp()),
		Message:     p.GetMessage(),
		Annotations: p.GetAnnotations(),
	}
}
