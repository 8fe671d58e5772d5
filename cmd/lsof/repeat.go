//go:build linux

package main

import (
	"strconv"
	"strings"
	"time"
)

// repeatSpec is +r or -r: list every interval, with a marker line
// after each listing; +r stops at the first listing with no files, and a
// count (c<N>) after N listings.
type repeatSpec struct {
	interval   time.Duration // 0: list once (-r0)
	count      int           // listings to make; 0 for no limit
	format     string        // strftime format of the marker; "" for "======="
	untilEmpty bool
}

// parseRepeat parses the value of +r or -r: [t][c<N>][m<fmt>], as lsof
// 4.95 reads it. What follows the interval (and count) that is not m<fmt>
// is put back to be read as options, as lsof does; unlike lsof, which
// puts back the count too (so that "-r 1c5" also selects command "5"),
// the count is not read twice.
func parseRepeat(v *optValue, plus bool) (*repeatSpec, error) {
	r := &repeatSpec{interval: 15 * time.Second, untilEmpty: plus}
	if v.missing() {
		return r, nil
	}
	n, digits := v.digits()
	if digits > 0 {
		r.interval = time.Duration(n) * time.Second
	}
	rest := strings.TrimLeft(v.s[digits:], " ")
	back := digits
	if strings.HasPrefix(rest, "c") {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			r.count = r.count*10 + int(rest[i]-'0')
			i++
		}
		rest = rest[i:]
		back = len(v.s) - len(rest)
	}
	switch {
	case rest == "":
	case rest[0] == 'm':
		if rest[1:] == "" || strftime(rest[1:], time.Now()) == "" {
			return nil, usageError("illegal <fmt>: \"" + rest[1:] + "\"")
		}
		r.format = rest[1:]
	default:
		v.unread(back)
	}
	return r, nil
}

// marker returns the line printed after each listing.
func (r *repeatSpec) marker(now time.Time) string {
	if r.format == "" {
		return "======="
	}
	return strftime(r.format, now)
}

// strftime formats t with the common conversions of strftime(3).
func strftime(format string, t time.Time) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			b.WriteByte(c)
			continue
		}
		i++
		switch format[i] {
		case 'Y':
			b.WriteString(t.Format("2006"))
		case 'm':
			b.WriteString(t.Format("01"))
		case 'd':
			b.WriteString(t.Format("02"))
		case 'H':
			b.WriteString(t.Format("15"))
		case 'M':
			b.WriteString(t.Format("04"))
		case 'S':
			b.WriteString(t.Format("05"))
		case 'y':
			b.WriteString(t.Format("06"))
		case 'b':
			b.WriteString(t.Format("Jan"))
		case 'a':
			b.WriteString(t.Format("Mon"))
		case 'T':
			b.WriteString(t.Format("15:04:05"))
		case 'D':
			b.WriteString(t.Format("01/02/06"))
		case 'F':
			b.WriteString(t.Format("2006-01-02"))
		case 's':
			b.WriteString(strconv.FormatInt(t.Unix(), 10))
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(format[i])
		}
	}
	return b.String()
}
