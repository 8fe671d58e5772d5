//go:build linux

package render

import (
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escaper makes names safe to print the way lsof does: control characters
// as ^X or \n-style escapes, and bytes that are not printable characters
// of the locale as \xNN, so that no name can move the cursor or forge a
// line.
type Escaper struct {
	// UTF8 is true when the locale's character set is UTF-8: printable
	// multi-byte characters then pass through, as lsof prints them.
	UTF8 bool
}

// LocaleEscaper returns the Escaper for the locale named by the
// environment (LC_ALL, then LC_CTYPE, then LANG), as lsof's setlocale
// would choose it.
func LocaleEscaper() Escaper {
	for _, v := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if s := os.Getenv(v); s != "" {
			s = strings.ToLower(s)
			return Escaper{UTF8: strings.Contains(s, "utf-8") || strings.Contains(s, "utf8")}
		}
	}
	return Escaper{}
}

// Append appends the name s to dst, escaped.
func (e Escaper) Append(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		// A run of bytes that need no escape, as most names are whole,
		// is appended at once.
		j := i
		for j < len(s) && s[j] >= 0x20 && s[j] < 0x7f && s[j] != '\\' {
			j++
		}
		dst = append(dst, s[i:j]...)
		if i = j; i == len(s) {
			break
		}
		c := s[i]
		if c >= 0x80 && e.UTF8 {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError && unicode.IsPrint(r) {
				dst = append(dst, s[i:i+n]...)
				i += n
				continue
			}
		}
		dst = appendByte(dst, c, false)
		i++
	}
	return dst
}

// String returns the name s escaped.
func (e Escaper) String(s string) string {
	if clean(s, false) {
		return s
	}
	return string(e.Append(nil, s))
}

// Fprintf writes a message to w as fmt.Fprintf does, with every string
// and error argument escaped as a name is: a message that quotes the
// user's input or a file's name cannot move the cursor, ring the bell
// or forge a line. The format itself is written as it is.
func (e Escaper) Fprintf(w io.Writer, format string, args ...any) {
	for i, a := range args {
		switch a := a.(type) {
		case string:
			args[i] = e.String(a)
		case error:
			args[i] = e.String(a.Error())
		}
	}
	fmt.Fprintf(w, format, args...)
}

// Command returns a command name escaped as lsof shows it, and the width
// lsof gives it. Blanks and every byte outside printable ASCII are escaped
// whatever the locale. The width is lsof's estimate of the escaped length
// (two for a byte at or past 0x80, four for a blank or DEL, two for other
// escapes), at most limit; the name is cut to that width, leaving out an
// escape that would not fit whole.
func Command(s string, limit int) (string, int) {
	if s == "" {
		s = "(unknown)"
	}
	if clean(s, true) {
		n := min(len(s), limit)
		return s[:n], n
	}
	width := 0
	for i := 0; i < len(s) && width < limit; i++ {
		switch c := s[i]; {
		case c == ' ' || c == 0x7f:
			width += 4
		case c < 0x20 || c >= 0x80 || c == '\\':
			width += 2
		default:
			width++
		}
	}
	width = min(width, limit)
	var b []byte
	for i := 0; i < len(s); i++ {
		n := len(b)
		b = appendByte(b, s[i], true)
		if len(b) > width {
			b = b[:n]
			break
		}
	}
	return string(b), width
}

// clean reports whether s needs no escaping.
func clean(s string, space bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '\\' || (space && c == ' ') {
			return false
		}
	}
	return true
}

// appendByte appends one byte, escaped unless it is printable ASCII.
func appendByte(dst []byte, c byte, space bool) []byte {
	switch {
	case c == '\\':
		return append(dst, '\\', '\\')
	case c == ' ' && space:
		return appendHex(dst, c)
	case c >= 0x20 && c < 0x7f:
		return append(dst, c)
	case c < 0x20:
		return appendControl(dst, c)
	}
	return appendHex(dst, c)
}

func appendControl(dst []byte, c byte) []byte {
	switch c {
	case '\b':
		return append(dst, `\b`...)
	case '\f':
		return append(dst, `\f`...)
	case '\n':
		return append(dst, `\n`...)
	case '\r':
		return append(dst, `\r`...)
	case '\t':
		return append(dst, `\t`...)
	}
	return append(dst, '^', c+'@')
}

func appendHex(dst []byte, c byte) []byte {
	const hex = "0123456789abcdef"
	return append(dst, '\\', 'x', hex[c>>4], hex[c&0xf])
}
