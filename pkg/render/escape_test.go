//go:build linux

package render

import (
	"errors"
	"strings"
	"testing"
)

func TestEscaperString(t *testing.T) {
	for _, tc := range []struct {
		in      string
		c, utf8 string // expected under the C and a UTF-8 locale
	}{
		{"/plain/path", "/plain/path", "/plain/path"},
		{"/with space", "/with space", "/with space"},
		{"/new\nline", `/new\nline`, `/new\nline`},
		{"/tab\tcr\rbs\bff\f", `/tab\tcr\rbs\bff\f`, `/tab\tcr\rbs\bff\f`},
		{"/esc\x1b[31m", "/esc^[[31m", "/esc^[[31m"},
		{"/ctl\x01", "/ctl^A", "/ctl^A"},
		{"/del\x7f", `/del\x7f`, `/del\x7f`},
		{`/back\slash`, `/back\\slash`, `/back\\slash`},
		{"/caf\xc3\xa9", `/caf\xc3\xa9`, "/caf\xc3\xa9"},
		{"/bad\xff\xc3", `/bad\xff\xc3`, `/bad\xff\xc3`},
		{"/c1\xc2\x85", `/c1\xc2\x85`, `/c1\xc2\x85`}, // U+0085 is not printable
	} {
		if got := (Escaper{}).String(tc.in); got != tc.c {
			t.Errorf("C locale: String(%q) = %q, want %q", tc.in, got, tc.c)
		}
		if got := (Escaper{UTF8: true}).String(tc.in); got != tc.utf8 {
			t.Errorf("UTF-8 locale: String(%q) = %q, want %q", tc.in, got, tc.utf8)
		}
	}
}

func TestCommand(t *testing.T) {
	for _, tc := range []struct {
		in    string
		out   string
		width int
	}{
		{"bash", "bash", 4},
		{"systemd-journald", "systemd-j", 9},
		{"my prog", `my\x20pro`, 9},
		{"\xc3\xa9\xc3\xa9", `\xc3\xa9`, 8},
		{"x\tb\xe9\x7fzzz", `x\tb\xe9`, 9},
		{"a\xe9", "a", 3},
		{"", "(unknown)", 9},
	} {
		out, width := Command(tc.in, 9)
		if out != tc.out || width != tc.width {
			t.Errorf("Command(%q) = %q, %d; want %q, %d", tc.in, out, width, tc.out, tc.width)
		}
	}
}

func TestOffset(t *testing.T) {
	for _, tc := range []struct {
		off  int64
		want string
	}{
		{0, "0t0"},
		{4321, "0t4321"},
		{99_999_999, "0t99999999"},
		{100_000_000, "0x5f5e100"},
		{0x123456789, "0x123456789"},
	} {
		if got := offsetText(tc.off, defaultOffsetDigits); got != tc.want {
			t.Errorf("offsetText(%d) = %q, want %q", tc.off, got, tc.want)
		}
	}
}

func TestEscaperFprintf(t *testing.T) {
	var b strings.Builder
	Escaper{UTF8: true}.Fprintf(&b, "lsof: %s on %v (%d)\n", "x\x1b[2J", errors.New("bad\anews"), 7)
	if want := "lsof: x^[[2J on bad^Gnews (7)\n"; b.String() != want {
		t.Errorf("Fprintf wrote %q, want %q", b.String(), want)
	}
}

func TestAppendJSONControls(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"name":"plain é"}`, `{"name":"plain é"}`},
		{"{\"name\":\"a\x7fb\"}", `{"name":"a\u007fb"}`},
		{"{\"name\":\"\u0080\u0085\u009f\u00a0\"}", "{\"name\":\"\\u0080\\u0085\\u009f\u00a0\"}"},
		{"\xc2", "\xc2"},
	} {
		if got := string(AppendJSONControls(nil, []byte(tc.in))); got != tc.want {
			t.Errorf("AppendJSONControls(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
