package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/nomadish/nomadish/drivers/plugin/proto"
)

// grpcClient is a DriverPlugin that calls a driver over gRPC, in the
// client agent's process.
type grpcClient struct {
	client proto.DriverClient
	// doneCtx is cancelled when the plugin connection goes away, so that
	// streams end instead of hanging.
	doneCtx context.Context
}

var _ DriverPlugin = (*grpcClient)(nil)

func (c *grpcClient) PluginInfo(ctx context.Context) (*PluginInfo, error) {
	r, err := c.client.PluginInfo(ctx, &proto.PluginInfoRequest{})
	if err != nil {
		return nil, fromStatus(err)
	}
	return &PluginInfo{Name: r.GetName(), PluginVersion: r.GetPluginVersion(), ProtocolVersion: int(r.GetProtocolVersion())}, nil
}

func (c *grpcClient) ConfigSchema(ctx context.Context) (*ConfigSchema, error) {
	r, err := c.client.ConfigSchema(ctx, &proto.ConfigSchemaRequest{})
	if err != nil {
		return nil, fromStatus(err)
	}
	cs := &ConfigSchema{}
	if err := json.Unmarshal(r.GetPluginSchema(), &cs.Plugin); err != nil {
		return nil, fmt.Errorf("decode plugin schema: %w", err)
	}
	if err := json.Unmarshal(r.GetTaskSchema(), &cs.Task); err != nil {
		return nil, fmt.Errorf("decode task schema: %w", err)
	}
	return cs, nil
}

func (c *grpcClient) SetConfig(ctx context.Context, config []byte) error {
	_, err := c.client.SetConfig(ctx, &proto.SetConfigRequest{Config: config})
	return fromStatus(err)
}

// awaitStreamOK waits for the header a server stream sends once the
// driver accepted the call, and returns the driver's error otherwise.
func awaitStreamOK(stream grpc.ClientStream) error {
	md, err := stream.Header()
	if err != nil {
		return fromStatus(err)
	}
	if len(md.Get(streamOKKey)) > 0 {
		return nil
	}
	if err := stream.RecvMsg(new(emptypb.Empty)); err != nil && err != io.EOF {
		return fromStatus(err)
	}
	return fmt.Errorf("driver stream ended before it started")
}

// recvLoop receives from a server stream into a channel it closes when
// the stream ends, ctx is done or the plugin goes away.
func recvLoop[M any, T any](ctx, done context.Context, recv func() (M, error), conv func(M) T) <-chan T {
	ch := make(chan T)
	go func() {
		defer close(ch)
		for {
			m, err := recv()
			if err != nil {
				return
			}
			select {
			case ch <- conv(m):
			case <-ctx.Done():
				return
			case <-done.Done():
				return
			}
		}
	}()
	return ch
}

func (c *grpcClient) Fingerprint(ctx context.Context) (<-chan *Fingerprint, error) {
	stream, err := c.client.Fingerprint(ctx, &proto.FingerprintRequest{})
	if err != nil {
		return nil, fromStatus(err)
	}
	if err := awaitStreamOK(stream); err != nil {
		return nil, err
	}
	return recvLoop(ctx, c.doneCtx, stream.Recv, func(m *proto.FingerprintResponse) *Fingerprint {
		return &Fingerprint{Health: Health(m.GetHealth()), HealthDescription: m.GetHealthDescription(), Attributes: m.GetAttributes()}
	}), nil
}

func (c *grpcClient) Capabilities(ctx context.Context) (*Capabilities, error) {
	r, err := c.client.Capabilities(ctx, &proto.CapabilitiesRequest{})
	if err != nil {
		return nil, fromStatus(err)
	}
	return &Capabilities{
		SendSignals:               r.GetSendSignals(),
		Exec:                      r.GetExec(),
		FSIsolation:               r.GetFsIsolation(),
		RecoverAfterPluginRestart: r.GetRecoverAfterPluginRestart(),
	}, nil
}

func (c *grpcClient) StartTask(ctx context.Context, cfg *TaskConfig) (*TaskHandle, error) {
	r, err := c.client.StartTask(ctx, &proto.StartTaskRequest{Task: taskConfigToProto(cfg)})
	if err != nil {
		return nil, fromStatus(err)
	}
	switch r.GetResult() {
	case proto.StartTaskResponse_RETRY:
		return nil, NewRecoverableError(errors.New(r.GetError()))
	case proto.StartTaskResponse_FATAL:
		return nil, errors.New(r.GetError())
	}
	return taskHandleFromProto(r.GetHandle()), nil
}

func (c *grpcClient) WaitTask(ctx context.Context, taskID string) (*ExitResult, error) {
	r, err := c.client.WaitTask(ctx, &proto.WaitTaskRequest{TaskId: taskID})
	if err != nil {
		return nil, fromStatus(err)
	}
	return exitResultFromProto(r.GetResult()), nil
}

func (c *grpcClient) StopTask(ctx context.Context, taskID string, timeout time.Duration, signal string) error {
	_, err := c.client.StopTask(ctx, &proto.StopTaskRequest{TaskId: taskID, TimeoutNanos: int64(timeout), Signal: signal})
	return fromStatus(err)
}

func (c *grpcClient) DestroyTask(ctx context.Context, taskID string, force bool) error {
	_, err := c.client.DestroyTask(ctx, &proto.DestroyTaskRequest{TaskId: taskID, Force: force})
	return fromStatus(err)
}

func (c *grpcClient) InspectTask(ctx context.Context, taskID string) (*TaskStatus, error) {
	r, err := c.client.InspectTask(ctx, &proto.InspectTaskRequest{TaskId: taskID})
	if err != nil {
		return nil, fromStatus(err)
	}
	return taskStatusFromProto(r), nil
}

func (c *grpcClient) RecoverTask(ctx context.Context, handle *TaskHandle) error {
	_, err := c.client.RecoverTask(ctx, &proto.RecoverTaskRequest{Handle: taskHandleToProto(handle)})
	return fromStatus(err)
}

func (c *grpcClient) TaskStats(ctx context.Context, taskID string, interval time.Duration) (<-chan *TaskResourceUsage, error) {
	stream, err := c.client.TaskStats(ctx, &proto.TaskStatsRequest{TaskId: taskID, IntervalNanos: int64(interval)})
	if err != nil {
		return nil, fromStatus(err)
	}
	if err := awaitStreamOK(stream); err != nil {
		return nil, err
	}
	return recvLoop(ctx, c.doneCtx, stream.Recv, usageFromProto), nil
}

func (c *grpcClient) TaskEvents(ctx context.Context) (<-chan *TaskEvent, error) {
	stream, err := c.client.TaskEvents(ctx, &proto.TaskEventsRequest{})
	if err != nil {
		return nil, fromStatus(err)
	}
	if err := awaitStreamOK(stream); err != nil {
		return nil, err
	}
	return recvLoop(ctx, c.doneCtx, stream.Recv, eventFromProto), nil
}

func (c *grpcClient) SignalTask(ctx context.Context, taskID string, signal string) error {
	_, err := c.client.SignalTask(ctx, &proto.SignalTaskRequest{TaskId: taskID, Signal: signal})
	return fromStatus(err)
}

func (c *grpcClient) ExecTask(ctx context.Context, taskID string, cmd []string, stdio ExecStdio) (*ExitResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.client.ExecTask(ctx)
	if err != nil {
		return nil, fromStatus(err)
	}
	if err := stream.Send(&proto.ExecTaskRequest{Msg: &proto.ExecTaskRequest_Setup_{
		Setup: &proto.ExecTaskRequest_Setup{TaskId: taskID, Command: cmd, Tty: stdio.TTY},
	}}); err != nil {
		return nil, fromStatus(err)
	}
	// stdin and resizes are pumped by goroutines of their own; Send and
	// Recv may run concurrently with each other, but not two Sends.
	var sendMu sync.Mutex
	send := func(msg *proto.ExecTaskRequest) error {
		sendMu.Lock()
		defer sendMu.Unlock()
		return stream.Send(msg)
	}
	go func() {
		if stdio.Stdin != nil {
			buf := make([]byte, 32*1024)
			for {
				n, err := stdio.Stdin.Read(buf)
				if n > 0 {
					msg := &proto.ExecTaskRequest{Msg: &proto.ExecTaskRequest_Stdin{Stdin: append([]byte(nil), buf[:n]...)}}
					if send(msg) != nil {
						return
					}
				}
				if err != nil {
					break
				}
			}
		}
		_ = send(&proto.ExecTaskRequest{Msg: &proto.ExecTaskRequest_StdinClosed{StdinClosed: true}})
	}()
	if stdio.Resize != nil {
		go func() {
			for {
				select {
				case sz, ok := <-stdio.Resize:
					if !ok {
						return
					}
					if sz.Height == 0 || sz.Width == 0 {
						continue // not a size a terminal can have
					}
					if send(&proto.ExecTaskRequest{Msg: &proto.ExecTaskRequest_Resize{Resize: terminalSizeToProto(sz)}}) != nil {
						return
					}
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	for {
		msg, err := stream.Recv()
		if err == io.EOF {
			return nil, fmt.Errorf("exec in task %q: stream ended without an exit", taskID)
		}
		if err != nil {
			return nil, fromStatus(err)
		}
		switch m := msg.GetMsg().(type) {
		case *proto.ExecTaskResponse_Stdout:
			if _, err := stdio.Stdout.Write(m.Stdout); err != nil {
				return nil, fmt.Errorf("exec in task %q: write stdout: %w", taskID, err)
			}
		case *proto.ExecTaskResponse_Stderr:
			if _, err := stdio.Stderr.Write(m.Stderr); err != nil {
				return nil, fmt.Errorf("exec in task %q: write stderr: %w", taskID, err)
			}
		case *proto.ExecTaskResponse_Exit:
			return exitResultFromProto(m.Exit), nil
		}
	}
}
