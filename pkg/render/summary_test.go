//go:build linux

package render

import (
	"bytes"
	"testing"
)

func TestWriteReport(t *testing.T) {
	var b bytes.Buffer
	WriteReport(&b, []Column{{"PID", true}, {"EMPTY", true}, {"NAME", false}, {"N", true}},
		[][]string{{"1", "", "init", "12345"}, {"23456", "", "x", ""}})
	want := "   PID  NAME      N\n" +
		"     1  init  12345\n" +
		" 23456  x\n"
	if got := b.String(); got != want {
		t.Errorf("WriteReport: want\n%q\ngot\n%q", want, got)
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 3<<20 + 17: "3.0 MiB", 5 << 40: "5.0 TiB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d): want %q, got %q", n, want, got)
		}
	}
}
