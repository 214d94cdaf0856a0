package structs

import (
	"strconv"
	"strings"
)

func itoa(i int) string { return strconv.Itoa(i) }

func joinQuoted(values []string) string {
	q := make([]string, len(values))
	for i, s := range values {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}
