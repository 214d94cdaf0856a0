package jobspec

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/agext/levenshtein"
	"github.com/hashicorp/hcl/v2"
)

// DiagnosticsError is every problem found in a job file, returned at once.
// Files holds the parsed sources by name, so each problem can be shown with
// its source line.
type DiagnosticsError struct {
	Diags hcl.Diagnostics
	Files map[string]*hcl.File
}

// Error renders each diagnostic as
//
//	web.hcl:12:5: Unsupported argument; An argument named "cuont" is not expected here. Did you mean "count"?
//	   12 |     cuont = 3
//	      |     ^^^^^
//	      = in job "web" > group "cache"
//	      = accepted arguments: count, shutdown_delay; blocks: constraint, …
//
// separated by blank lines.
func (e *DiagnosticsError) Error() string {
	parts := make([]string, 0, len(e.Diags))
	for _, d := range e.Diags {
		parts = append(parts, renderDiagnostic(d, e.Files))
	}
	return strings.Join(parts, "\n\n")
}

// blockPath is attached to a diagnostic's Extra to say in which block the
// problem is, e.g. `job "web" > group "cache" > task "redis"`.
type blockPath struct {
	path  string
	inner interface{}
}

// UnwrapDiagnosticExtra lets hcl.DiagnosticExtra see through to whatever
// Extra the diagnostic carried before the path was attached.
func (p *blockPath) UnwrapDiagnosticExtra() interface{} { return p.inner }

// withPath attaches path to each diagnostic that has none yet.
func withPath(diags hcl.Diagnostics, path string) hcl.Diagnostics {
	if path == "" {
		return diags
	}
	for _, d := range diags {
		if _, ok := hcl.DiagnosticExtra[*blockPath](d); ok {
			continue
		}
		d.Extra = &blockPath{path: path, inner: d.Extra}
	}
	return diags
}

// renderDiagnostic renders one diagnostic; see DiagnosticsError.Error.
func renderDiagnostic(d *hcl.Diagnostic, files map[string]*hcl.File) string {
	var b strings.Builder
	detail := strings.Split(d.Detail, "\n")
	if d.Subject != nil {
		fmt.Fprintf(&b, "%s:%d:%d: ", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column)
	}
	b.WriteString(d.Summary)
	if detail[0] != "" {
		b.WriteString("; ")
		b.WriteString(detail[0])
	}
	gutter := "      "
	if d.Subject != nil {
		if f := files[d.Subject.Filename]; f != nil {
			if line, caret, ok := sourceLine(f.Bytes, *d.Subject); ok {
				num := fmt.Sprintf("%5d", d.Subject.Start.Line)
				gutter = strings.Repeat(" ", len(num)+1)
				fmt.Fprintf(&b, "\n%s | %s\n%s| %s", num, line, gutter, caret)
			}
		}
	}
	if p, ok := hcl.DiagnosticExtra[*blockPath](d); ok {
		fmt.Fprintf(&b, "\n%s= in %s", gutter, p.path)
	}
	for _, l := range detail[1:] {
		if l != "" {
			fmt.Fprintf(&b, "\n%s= %s", gutter, l)
		}
	}
	return b.String()
}

// sourceLine returns the line r starts on and a caret marker under r
// (to the end of the line when r spans lines).
func sourceLine(src []byte, r hcl.Range) (line, caret string, ok bool) {
	start := r.Start.Byte
	if start < 0 || start > len(src) {
		return "", "", false
	}
	lineStart := bytes.LastIndexByte(src[:start], '\n') + 1
	lineEnd := bytes.IndexByte(src[start:], '\n')
	if lineEnd < 0 {
		lineEnd = len(src)
	} else {
		lineEnd += start
	}
	end := r.End.Byte
	if end > lineEnd || end < start {
		end = lineEnd
	}
	// A long line (a generated or hostile file may be one line of a
	// megabyte) is shown as the part around the problem.
	prefix, suffix := "", ""
	if lineStart < start-maxSourceContext {
		lineStart = runeStart(src, start-maxSourceContext)
		prefix = "…"
	}
	if end > start+maxSourceContext {
		end = runeStart(src, start+maxSourceContext)
	}
	if lineEnd > end+maxSourceContext {
		lineEnd = runeStart(src, end+maxSourceContext)
		suffix = "…"
	}
	text := prefix + strings.TrimRight(string(src[lineStart:lineEnd]), "\r") + suffix
	var c strings.Builder
	for _, ch := range prefix + string(src[lineStart:start]) {
		if ch == '\t' {
			c.WriteByte('\t')
		} else {
			c.WriteByte(' ')
		}
	}
	n := utf8.RuneCount(src[start:end])
	if n < 1 {
		n = 1
	}
	c.WriteString(strings.Repeat("^", n))
	return text, c.String(), true
}

// maxSourceContext is how many bytes of a source line are shown on
// either side of a problem.
const maxSourceContext = 60

// runeStart moves i back to the start of the UTF-8 character it is in.
func runeStart(src []byte, i int) int {
	for i > 0 && i < len(src) && !utf8.RuneStart(src[i]) {
		i--
	}
	return i
}

// sortDiagnostics orders diagnostics by file and position, those without a
// position last, and drops exact repeats (dynamic blocks may be expanded
// more than once).
func sortDiagnostics(diags hcl.Diagnostics) hcl.Diagnostics {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Subject, diags[j].Subject
		switch {
		case a == nil || b == nil:
			return a != nil && b == nil
		case a.Filename != b.Filename:
			return a.Filename < b.Filename
		}
		return a.Start.Byte < b.Start.Byte
	})
	seen := map[string]bool{}
	out := diags[:0]
	for _, d := range diags {
		key := d.Summary + "\x00" + d.Detail
		if d.Subject != nil {
			key += "\x00" + d.Subject.String()
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, d)
	}
	return out
}

// suggest returns the name in options closest to given, or "" when none is
// close enough to be a likely typo.
func suggest(given string, options []string) string {
	best, bestDist := "", 3
	for _, o := range options {
		if d := levenshtein.Distance(given, o, nil); d < bestDist {
			best, bestDist = o, d
		}
	}
	return best
}

// didYouMean is suggest phrased for a diagnostic detail, or "".
func didYouMean(given string, options []string) string {
	if s := suggest(given, options); s != "" {
		return fmt.Sprintf(" Did you mean %q?", s)
	}
	return ""
}

// quoteList renders options as "a", "b", "c".
func quoteList(options []string) string {
	q := make([]string, len(options))
	for i, o := range options {
		q[i] = fmt.Sprintf("%q", o)
	}
	return strings.Join(q, ", ")
}

func errorDiag(subject *hcl.Range, summary, detail string, args ...interface{}) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(detail, args...), Subject: subject}
}

func warningDiag(subject *hcl.Range, summary, detail string, args ...interface{}) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: fmt.Sprintf(detail, args...), Subject: subject}
}
