package main

import (
	"strconv"
	"strings"
	"time"
)

// repeatSpec is +r or -r: list every interval, with a marker line
// between listings; +r stops at the first listing with no files.
type repeatSpec struct {
	interval   time.Duration
	format     string // strftime format of the marker; "" for "======="
	untilEmpty bool
}

func parseRepeat(v string, hasV, plus bool) (*repeatSpec, error) {
	r := &repeatSpec{interval: 15 * time.Second, untilEmpty: plus}
	if !hasV {
		return r, nil
	}
	digits := strings.IndexFunc(v, func(c rune) bool { return c < '0' || c > '9' })
	if digits < 0 {
		digits = len(v)
	}
	if digits > 0 {
		n, err := strconv.Atoi(v[:digits])
		if err != nil || n <= 0 {
			return nil, usageError("illegal repeat time: " + v)
		}
		r.interval = time.Duration(n) * time.Second
	}
	rest := v[digits:]
	switch {
	case rest == "":
	case rest[0] == 'm':
		if rest[1:] == "" {
			return nil, usageError("illegal <fmt>: \"\"")
		}
		r.format = rest[1:]
	default:
		return nil, usageError("illegal repeat specification: " + v)
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
