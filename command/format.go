package command

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// formatList aligns rows whose columns are separated by "|" into a table
// with two spaces between columns.
func formatList(rows []string) string {
	cells := make([][]string, len(rows))
	var widths []int
	for i, row := range rows {
		cells[i] = strings.Split(row, "|")
		for j, cell := range cells[i] {
			if j >= len(widths) {
				widths = append(widths, 0)
			}
			widths[j] = max(widths[j], utf8.RuneCountInString(cell))
		}
	}
	var b strings.Builder
	for i, row := range cells {
		if i > 0 {
			b.WriteByte('\n')
		}
		var line strings.Builder
		for j, cell := range row {
			if j > 0 {
				line.WriteString("  ")
			}
			line.WriteString(cell)
			if j < len(row)-1 {
				line.WriteString(strings.Repeat(" ", widths[j]-utf8.RuneCountInString(cell)))
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
	}
	return b.String()
}

// formatKV aligns "key|value" rows as "key = value" with the "=" aligned.
func formatKV(rows []string) string {
	width := 0
	for _, row := range rows {
		k, _, _ := strings.Cut(row, "|")
		width = max(width, utf8.RuneCountInString(k))
	}
	lines := make([]string, len(rows))
	for i, row := range rows {
		k, v, _ := strings.Cut(row, "|")
		lines[i] = strings.TrimRight(k+strings.Repeat(" ", width-utf8.RuneCountInString(k))+" = "+v, " ")
	}
	return strings.Join(lines, "\n")
}

// shortIDLength is how much of an ID tables show unless -verbose.
const shortIDLength = 8

// shortID returns the first eight characters of id unless verbose.
func shortID(id string, verbose bool) string {
	if verbose || len(id) <= shortIDLength {
		return id
	}
	return id[:shortIDLength]
}

// formatUnixNano renders Unix nanoseconds as RFC 3339 local time, or
// "<none>" for zero.
func formatUnixNano(ns int64) string {
	if ns == 0 {
		return "<none>"
	}
	return time.Unix(0, ns).Local().Format(time.RFC3339)
}

// formatTimeAgo renders the time between ns (Unix nanoseconds) and now as
// "3m12s ago"; a zero ns is "<none>".
func formatTimeAgo(ns int64, now time.Time) string {
	if ns == 0 {
		return "<none>"
	}
	d := now.Sub(time.Unix(0, ns))
	if d < 0 {
		return "in " + formatDurationCoarse(-d)
	}
	return formatDurationCoarse(d) + " ago"
}

// formatDurationCoarse keeps the two largest units of d: "2d3h", "3m12s".
func formatDurationCoarse(d time.Duration) string {
	d = d.Round(time.Second)
	day := 24 * time.Hour
	switch {
	case d >= day:
		return fmt.Sprintf("%dd%dh", d/day, (d%day)/time.Hour)
	case d >= time.Hour:
		return fmt.Sprintf("%dh%dm", d/time.Hour, (d%time.Hour)/time.Minute)
	case d >= time.Minute:
		return fmt.Sprintf("%dm%ds", d/time.Minute, (d%time.Minute)/time.Second)
	default:
		return fmt.Sprintf("%ds", d/time.Second)
	}
}

// formatTags renders tags as sorted "k=v" pairs joined by commas.
func formatTags(tags map[string]string) string {
	pairs := make([]string, 0, len(tags))
	for k, v := range tags {
		pairs = append(pairs, k+"="+v)
	}
	sort.Strings(pairs)
	return strings.Join(pairs, ",")
}

// plural returns "1 allocation" or "2 allocations".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
