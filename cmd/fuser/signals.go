//go:build linux

package main

import (
	"strings"
)

// signalNames are the signals psmisc knows by name, in number order from
// 1: the table its build generates from the C library on Linux. Aliases
// such as IOT and CLD are not in it, and psmisc refuses them.
var signalNames = []string{
	"HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1",
	"SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP",
	"TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH",
	"POLL", "PWR", "SYS",
}

// listSignals is psmisc's -l: the names, blank-separated, in lines of at
// most 80 columns.
func listSignals() string {
	var b strings.Builder
	col := 0
	for _, name := range signalNames {
		if col+len(name)+1 > 80 {
			b.WriteByte('\n')
			col = 0
		}
		if col > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(name)
		col += len(name) + 1
	}
	b.WriteByte('\n')
	return b.String()
}

// parseSignal reads a signal as psmisc's get_signal does: a word that
// starts with a digit is a number, as atoi reads it (trailing junk
// ignored, never refused); otherwise a name from the table, with or
// without SIG. It returns the name it looked up, without SIG, and false
// when it knows no such signal.
func parseSignal(word string) (int, string, bool) {
	if word != "" && isDigit(word[0]) {
		return atoi(word), word, true
	}
	name := strings.TrimPrefix(word, "SIG")
	for i, n := range signalNames {
		if n == name {
			return i + 1, name, true
		}
	}
	return 0, name, false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// atoi converts the leading digits of s as C's atoi does on this
// platform: strtol saturating at the limits of a long, then cut to an
// int.
func atoi(s string) int {
	var v int64
	for i := 0; i < len(s) && isDigit(s[i]); i++ {
		d := int64(s[i] - '0')
		if v > (1<<63-1-d)/10 {
			v = 1<<63 - 1
			break
		}
		v = v*10 + d
	}
	return int(int32(v))
}
