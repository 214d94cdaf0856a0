package nomadish

import (
	"bytes"
	"errors"
	"io"
	"net/rpc"
	"reflect"
	"runtime/metrics"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-msgpack/v2/codec"
	msgpackrpc "github.com/hashicorp/net-rpc-msgpackrpc/v2"
	"github.com/nomadish/nomadish/nomadish/panics"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// rpcMethod is one RPC the server registers, with its argument and reply
// types.
type rpcMethod struct {
	name       string
	arg, reply reflect.Type // the pointer types the method takes
}

// rpcMethods lists every method of every registered endpoint (endpoints in
// endpoints.go), in a stable order, leaving out the endpoint the package's
// tests add.
func rpcMethods() []rpcMethod {
	var out []rpcMethod
	for _, e := range endpoints {
		if e.name == "Test" {
			continue
		}
		typ := reflect.TypeOf(e.new(nil, nil))
		for i := 0; i < typ.NumMethod(); i++ {
			m := typ.Method(i)
			if m.Type.NumIn() != 3 || m.Type.NumOut() != 1 || !m.IsExported() {
				continue
			}
			out = append(out, rpcMethod{name: e.name + "." + m.Name, arg: m.Type.In(1), reply: m.Type.In(2)})
		}
	}
	sort.Slice(out, func(i, k int) bool { return out[i].name < out[k].name })
	return out
}

// newArg returns a pointer to a new value of what a method of type t
// takes: *T for *T, *T for T (net/rpc decodes into a pointer either way).
func newArg(t reflect.Type) interface{} {
	if t.Kind() == reflect.Pointer {
		return reflect.New(t.Elem()).Interface()
	}
	return reflect.New(t).Interface()
}

// rpcNotCalled are decoded but not called: they would stop the fuzzer's
// one server from serving the next input.
var rpcNotCalled = map[string]string{
	"Operator.RaftRemovePeerByAddress": "removes the server itself from its Raft configuration",
}

// rpcStream is a connection whose peer sends in and then hangs up.
type rpcStream struct {
	io.Reader
	out bytes.Buffer
}

func (s *rpcStream) Write(p []byte) (int, error) { return s.out.Write(p) }
func (s *rpcStream) Close() error                { return nil }

// encodeRPCHeader is the request header a client sends before the
// argument.
func encodeRPCHeader(t testing.TB, method string) []byte {
	var buf []byte
	if err := codec.NewEncoderBytes(&buf, structs.MsgpackHandle).Encode(&rpc.Request{ServiceMethod: method, Seq: 1}); err != nil {
		t.Fatal(err)
	}
	return buf
}

// heapAllocs is the number of bytes allocated on the heap so far.
func heapAllocs() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// rpcFuzzAllocSlack bounds what decoding one fuzzed argument may allocate
// beyond a generous multiple of its size: the server's own goroutines
// allocate meanwhile, and a decoded struct is larger than its encoding.
// (The codec grows a string or array as its bytes arrive rather than by
// the length its header declares; this keeps it so.)
const rpcFuzzAllocSlack = 64 << 20

// unblock makes a decoded argument safe to serve on the fuzzer's one
// server: blocking queries and dequeues return at once instead of waiting
// for minutes for a change that never comes.
func unblock(arg interface{}) {
	v := reflect.ValueOf(arg).Elem()
	if v.Kind() != reflect.Struct {
		return
	}
	if q := v.FieldByName("QueryOptions"); q.IsValid() && q.Type() == reflect.TypeOf(structs.QueryOptions{}) {
		q.FieldByName("MinQueryIndex").SetUint(0)
	}
	if d, ok := arg.(*structs.EvalDequeueRequest); ok {
		d.Timeout = time.Millisecond
	}
}

// rpcFuzzSeeds is, for every method, the encoding of its zero argument
// (which names every field for the fuzzer to fill in), and for the writes
// that matter most a real argument.
func rpcFuzzSeeds(t testing.TB, methods []rpcMethod) (idx []uint8, bodies [][]byte) {
	encode := func(v interface{}) []byte {
		var buf []byte
		if err := codec.NewEncoderBytes(&buf, structs.MsgpackHandle).Encode(v); err != nil {
			t.Fatal(err)
		}
		return buf
	}
	index := map[string]uint8{}
	for i, m := range methods {
		index[m.name] = uint8(i)
		idx = append(idx, uint8(i))
		bodies = append(bodies, encode(newArg(m.arg)))
	}
	job := mockJob("web")
	alloc := &structs.Allocation{ID: "a1", Namespace: structs.DefaultNamespace, JobID: "web", TaskGroup: "web", NodeID: "n1",
		Name: "web.web[0]", DesiredStatus: structs.AllocDesiredStatusRun, ClientStatus: structs.AllocClientStatusRunning}
	real := map[string]interface{}{
		"Job.Register":  &structs.JobRegisterRequest{Job: job},
		"Job.Plan":      &structs.JobPlanRequest{Job: job, Diff: true},
		"Job.Validate":  &structs.JobValidateRequest{Job: job},
		"Job.Scale":     &structs.JobScaleRequest{JobID: "web", Target: map[string]string{"Group": "web"}, Count: new(int64)},
		"Job.Dispatch":  &structs.JobDispatchRequest{JobID: "web", Payload: []byte("hi"), Meta: map[string]string{"k": "v"}},
		"Node.Register": &structs.NodeRegisterRequest{Node: testNode("n1")},
		"Node.UpdateStatus": &structs.NodeUpdateStatusRequest{NodeID: "n1", Status: structs.NodeStatusReady,
			NodeEvent: &structs.NodeEvent{Message: "up"}},
		"Node.UpdateAlloc": &structs.AllocUpdateRequest{Alloc: []*structs.Allocation{alloc}},
		"Node.UpdateDrain": &structs.NodeUpdateDrainRequest{NodeID: "n1", DrainStrategy: &structs.DrainStrategy{Deadline: int64(time.Hour)}},
		"Node.GetClientAllocs": &structs.NodeSpecificRequest{NodeID: "n1",
			QueryOptions: structs.QueryOptions{MinQueryIndex: 5, MaxQueryTime: time.Second}},
		"Eval.Dequeue": &structs.EvalDequeueRequest{Schedulers: []string{structs.JobTypeService}, Timeout: time.Second},
		"Plan.Submit": &structs.PlanRequest{Plan: &structs.Plan{EvalID: "e1", EvalToken: "t", Job: job,
			NodeAllocation: map[string][]*structs.Allocation{"n1": {alloc}}}},
		"Alloc.Stop": &structs.AllocStopRequest{AllocID: "a1"},
	}
	for name, arg := range real {
		i, ok := index[name]
		if !ok {
			t.Fatalf("seed for %s, which the server does not register", name)
		}
		idx = append(idx, i)
		bodies = append(bodies, encode(arg))
	}
	return idx, bodies
}

// FuzzRPCArgs sends every RPC endpoint arbitrary msgpack as its argument,
// through the codec the server reads every connection with (serveCodec),
// as a request arriving on the RPC port,, and serves what decodes on a real
// single-server cluster. The first input byte picks the method. Decoding
// must not allocate without bound, and no endpoint may panic: not even
// the panics serveConcurrent would recover (panics.Count must not move),
// since one is a bug any client can trigger at will.
//
//	go test -run '^$' -fuzz '^FuzzRPCArgs$' -fuzztime 30s ./nomadish
func FuzzRPCArgs(f *testing.F) {
	methods := rpcMethods()
	idx, bodies := rpcFuzzSeeds(f, methods)
	for i := range idx {
		f.Add(idx[i], bodies[i])
	}
	headers := make([][]byte, len(methods))
	for i, m := range methods {
		headers[i] = encodeRPCHeader(f, m.name)
	}
	// One server for every input of this process, its Raft log in
	// memory: starting one takes most of a second.
	s := testServer(f, func(c *Config) { c.DevMode = true })
	waitForLeader(f, s)
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		m := methods[int(which)%len(methods)]
		conn := &rpcStream{Reader: io.MultiReader(bytes.NewReader(headers[int(which)%len(methods)]), bytes.NewReader(body))}
		// The codec and guard serveCodec gives every connection.
		c := msgpackrpc.NewCodecFromHandle(true, true, guardRPCConn(conn), structs.MsgpackHandle)
		var hdr rpc.Request
		if err := c.ReadRequestHeader(&hdr); err != nil || hdr.ServiceMethod != m.name {
			t.Fatalf("header of %s: %+v, %v", m.name, hdr, err)
		}
		arg := newArg(m.arg)
		start := heapAllocs()
		err := c.ReadRequestBody(arg)
		if n := heapAllocs() - start; n > rpcFuzzAllocSlack+uint64(len(body))*4096 {
			t.Fatalf("decoding %d bytes as the argument of %s allocated %d bytes", len(body), m.name, n)
		}
		if err != nil {
			return
		}
		if _, skip := rpcNotCalled[m.name]; skip {
			return
		}
		unblock(arg)
		before := panics.Count()
		done := make(chan error, 1)
		go func() { done <- s.RPC(m.name, arg, newArg(m.reply)) }()
		select {
		case err = <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("%s did not answer within 30s", m.name)
		}
		if panics.Count() != before || errors.Is(err, errRPCPanic) {
			t.Fatalf("%s panicked: %v", m.name, err)
		}
		if err != nil && strings.Contains(err.Error(), "rpc: ") && strings.Contains(err.Error(), "argument of type") {
			t.Fatalf("%s: the in-process call refused its own argument type: %v", m.name, err)
		}
	})
}
