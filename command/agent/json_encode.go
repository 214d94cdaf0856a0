package agent

import (
	"bytes"
	"encoding/json"
	"io"
)

// Responses are encoded without HTML escaping. encoding/json by default
// writes <, > and & as \u003c, \u003e and \u0026 so that JSON can be pasted
// into HTML; the API's answers are read by programs and people, and its
// error messages name places as `group "web" > task "api"`, which the
// default turns into an unreadable `group "web" \u003e task "api"`. Every
// encoder of a response body or stream frame goes through these helpers.

// encodeResponse encodes obj as the body of a response: compact, or
// indented by four spaces with a trailing newline when pretty.
func encodeResponse(obj interface{}, pretty bool) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if pretty {
		enc.SetIndent("", "    ")
	}
	if err := enc.Encode(obj); err != nil {
		return nil, err
	}
	out := buf.Bytes()
	if !pretty {
		// Encode ends every value with a newline; a compact body has
		// never had one.
		out = bytes.TrimSuffix(out, []byte("\n"))
	}
	return out, nil
}

// newStreamEncoder returns an encoder for a stream of JSON values (log
// frames), one per line.
func newStreamEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}

// encodeFrame encodes one message of a framed stream (exec websocket).
func encodeFrame(obj interface{}) ([]byte, error) {
	return encodeResponse(obj, false)
}
