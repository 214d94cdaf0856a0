package nomadish

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/hashicorp/go-msgpack/v2/codec"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// The guard passes well-formed msgpack through unchanged, byte for byte.
func TestMsgpackGuardPassesMessages(t *testing.T) {
	var buf []byte
	enc := codec.NewEncoderBytes(&buf, structs.MsgpackHandle)
	job := mockJob("web")
	job.Meta = map[string]string{"k": strings.Repeat("v", 70000)}
	job.Payload = bytes.Repeat([]byte{1}, 300)
	for _, v := range []interface{}{job, &structs.JobRegisterRequest{Job: job}, 1.5, int64(-1 << 40), uint64(1) << 63, nil, true, []int{1, 2, 3}} {
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
	}
	out, err := io.ReadAll(newMsgpackGuard(bytes.NewReader(buf)))
	if err != nil || !bytes.Equal(out, buf) {
		t.Fatalf("guarded stream: %d of %d bytes, equal %v, err %v", len(out), len(buf), bytes.Equal(out, buf), err)
	}
}

// A value announcing more than maxMsgpackItem bytes is refused before its
// length reaches the decoder (which would allocate it).
func TestMsgpackGuardRefusesHugeValues(t *testing.T) {
	for name, in := range map[string][]byte{
		"ext32": {0x81, 0xa1, 'k', 0xc9, 0xc9, 0xc9, 0xc9, 0xff, 0x01},
		"str32": {0x81, 0xa1, 'k', 0xdb, 0xff, 0xff, 0xff, 0xff},
		"bin32": {0xc6, 0x10, 0x00, 0x00, 0x00},
	} {
		out, err := io.ReadAll(newMsgpackGuard(bytes.NewReader(in)))
		if err == nil || !strings.Contains(err.Error(), "at most 67108864 are accepted") {
			t.Errorf("%s: read %x, err %v; want the value refused", name, out, err)
		}
		if len(out) > 3 {
			t.Errorf("%s: %d bytes passed, the length among them", name, len(out))
		}
	}
}
