package agent

import (
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Limits on a JSON request body, checked by scanning its bytes before it
// is decoded, so that neither the decoder nor what it builds can be made
// to cost more than the body's size suggests. The body's size itself is
// bounded by MaxRequestBody (http.go).
const (
	// MaxJSONDepth bounds how deeply objects and arrays nest in a body.
	// It is the fixed structure of a job body plus the deepest driver
	// Config that Job.Validate accepts, so that every job Validate would
	// accept gets through, and nothing that could not be encoded into
	// Raft or an RPC reply does.
	MaxJSONDepth = structs.MaxJobStructDepth + structs.MaxConfigDepth

	// MaxJSONEntries bounds the array elements and object members of a
	// body, all levels together: a body of 16 MiB of empty objects would
	// otherwise decode into millions of task groups.
	MaxJSONEntries = 1 << 18
)

// checkJSONLimits scans body, outside its strings, for nesting deeper
// than MaxJSONDepth and for more than MaxJSONEntries entries. It does not
// check the syntax: the decoder reports that, with its position.
func checkJSONLimits(body []byte) error {
	depth, entries := 0, 0
	inString, escaped := false, false
	for i, c := range body {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			entries++
			if depth > MaxJSONDepth {
				line, col := lineCol(body, int64(i))
				return badRequest("request body nested deeper than %d levels at line %d, column %d; "+
					"a task's Config may nest at most %d levels", MaxJSONDepth, line, col, structs.MaxConfigDepth)
			}
		case '}', ']':
			depth--
			if depth < 0 {
				return nil // a syntax error, which the decoder reports
			}
		case ',':
			entries++
		}
		if entries > MaxJSONEntries {
			line, col := lineCol(body, int64(i))
			return badRequest("request body holds more than %d array elements and object members (at line %d, column %d)",
				MaxJSONEntries, line, col)
		}
	}
	return nil
}
