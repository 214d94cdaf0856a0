package plugin

import (
	"bytes"
	"context"
	"reflect"
	"testing"
	"time"

	goplugin "github.com/hashicorp/go-plugin"

	"github.com/nomadish/nomadish/drivers/plugin/proto"
)

// resizeDriver is a driver whose ExecTask records the terminal sizes it
// is given until it has want of them (or the channel closes), then exits.
type resizeDriver struct {
	DriverPlugin // nil: only ExecTask is called
	want         int
	got          chan []TerminalSize
	nilResize    chan bool
	resize       chan (<-chan TerminalSize)
}

func (d *resizeDriver) ExecTask(ctx context.Context, _ string, _ []string, stdio ExecStdio) (*ExitResult, error) {
	d.nilResize <- stdio.Resize == nil
	d.resize <- stdio.Resize
	var sizes []TerminalSize
	for stdio.Resize != nil && len(sizes) < d.want {
		select {
		case sz, ok := <-stdio.Resize:
			if !ok {
				d.got <- sizes
				return &ExitResult{ExitCode: 1}, nil
			}
			sizes = append(sizes, sz)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	d.got <- sizes
	return &ExitResult{ExitCode: 0}, nil
}

func newResizeDriver(want int) *resizeDriver {
	return &resizeDriver{
		want:      want,
		got:       make(chan []TerminalSize, 1),
		nilResize: make(chan bool, 1),
		resize:    make(chan (<-chan TerminalSize), 1),
	}
}

// dialInProcess serves impl over in-memory gRPC and returns the client
// side, as the client agent sees a driver.
func dialInProcess(t *testing.T, impl DriverPlugin) DriverPlugin {
	t.Helper()
	client, _ := goplugin.TestPluginGRPCConn(t, false, map[string]goplugin.Plugin{
		PluginName: &GRPCPlugin{Impl: impl},
	})
	t.Cleanup(func() { _ = client.Close() })
	raw, err := client.Dispense(PluginName)
	if err != nil {
		t.Fatalf("dispense driver: %v", err)
	}
	return raw.(DriverPlugin)
}

func TestExecResizeCrossesTheWire(t *testing.T) {
	fake := newResizeDriver(3)
	d := dialInProcess(t, fake)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	resize := make(chan TerminalSize) // unbuffered: each send is taken by the client
	type result struct {
		res *ExitResult
		err error
	}
	done := make(chan result, 1)
	var out bytes.Buffer
	go func() {
		// No stdin: stdin_closed goes first, and the resizes after it
		// must still reach the driver.
		res, err := d.ExecTask(ctx, "t1", []string{"sh"}, ExecStdio{Stdout: &out, Stderr: &out, TTY: true, Resize: resize})
		done <- result{res, err}
	}()
	sent := []TerminalSize{{Height: 24, Width: 80}, {Height: 0, Width: 80}, {Height: 50, Width: 132}, {Height: 65535, Width: 1}}
	for _, sz := range sent {
		select {
		case resize <- sz:
		case r := <-done:
			t.Fatalf("exec ended before all sizes were sent: %+v, %v", r.res, r.err)
		case <-ctx.Done():
			t.Fatal("timed out sending sizes")
		}
	}
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		t.Fatal("timed out waiting for the exec to end")
	}
	if r.err != nil || r.res == nil || r.res.ExitCode != 0 {
		t.Fatalf("ExecTask = %+v, %v; want exit 0", r.res, r.err)
	}
	if isNil := <-fake.nilResize; isNil {
		t.Fatal("the driver got a nil Resize channel for an exec with a terminal")
	}
	// The zero height is not a terminal size: the client drops it.
	want := []TerminalSize{{Height: 24, Width: 80}, {Height: 50, Width: 132}, {Height: 65535, Width: 1}}
	if got := <-fake.got; !reflect.DeepEqual(got, want) {
		t.Fatalf("driver got sizes %v, want %v", got, want)
	}
	// The server closes the channel before it sends the exit, so by now
	// a receive must report it closed.
	ch := <-fake.resize
	select {
	case sz, ok := <-ch:
		if ok {
			t.Fatalf("resize channel still open after the exec ended (got %v)", sz)
		}
	default:
		t.Fatal("resize channel still open after the exec ended")
	}
}

func TestExecResizeWithoutTerminalIsNil(t *testing.T) {
	fake := newResizeDriver(1)
	d := dialInProcess(t, fake)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resize := make(chan TerminalSize, 1)
	resize <- TerminalSize{Height: 24, Width: 80}
	var out bytes.Buffer
	res, err := d.ExecTask(ctx, "t1", []string{"true"}, ExecStdio{Stdout: &out, Stderr: &out, Resize: resize})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("ExecTask = %+v, %v; want exit 0", res, err)
	}
	if isNil := <-fake.nilResize; !isNil {
		t.Fatal("the driver got a Resize channel for an exec without a terminal")
	}
}

func TestOfferResizeDropsTheOldest(t *testing.T) {
	ch := make(chan TerminalSize, 2)
	for h := uint16(1); h <= 5; h++ {
		OfferResize(ch, TerminalSize{Height: h, Width: 80})
	}
	var got []uint16
	for len(ch) > 0 {
		got = append(got, (<-ch).Height)
	}
	if want := []uint16{4, 5}; !reflect.DeepEqual(got, want) {
		t.Fatalf("kept heights %v, want the newest %v", got, want)
	}
	// Unbuffered with nobody receiving: dropped, not blocked.
	OfferResize(make(chan TerminalSize), TerminalSize{Height: 1, Width: 1})
}

func TestTerminalSizeBounds(t *testing.T) {
	for _, c := range []struct {
		h, w uint32
		ok   bool
	}{
		{24, 80, true}, {1, 1, true}, {65535, 65535, true},
		{0, 80, false}, {24, 0, false}, {65536, 80, false}, {24, 1 << 31, false},
	} {
		sz, ok := terminalSizeFromProto(&proto.TerminalSize{Height: c.h, Width: c.w})
		if ok != c.ok {
			t.Errorf("size %dx%d accepted = %v, want %v", c.h, c.w, ok, c.ok)
		}
		if ok && (uint32(sz.Height) != c.h || uint32(sz.Width) != c.w) {
			t.Errorf("size %dx%d came back as %v", c.h, c.w, sz)
		}
	}
	if _, ok := ValidTerminalSize(-1, 80); ok {
		t.Error("a negative height was accepted")
	}
}
