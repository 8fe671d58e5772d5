//go:build linux

package render

import "testing"

// TestAppendFileFlags names open flags as lsof does: in its table's
// order, each name taking away its bits, what is left in hexadecimal.
func TestAppendFileFlags(t *testing.T) {
	for _, c := range []struct {
		flags uint32
		style FlagStyle
		want  string
	}{
		{0, FlagsNames, ""},
		{0, FlagsHex, "0x0;0x0"},
		{0o100001, FlagsNames, "W,LG"},
		{0o100001, FlagsHex, "0x8001;0x0"},
		{0o2100002, FlagsNames, "RW,LG,CX"},
		{0o4010002, FlagsNames, "RW,SYN"},       // O_SYNC holds O_DSYNC's bit
		{0o010000, FlagsNames, "SYN"},           // and O_DSYNC alone matches O_SYNC
		{0o20200002, FlagsNames, "RW,DTY,TMPF"}, // O_TMPFILE holds O_DIRECTORY's bit
		{0o12000000, FlagsNames, "CX,PATH"},
		{0o20000000000, FlagsNames, "0x80000000"},
		{0o20000000001, FlagsNames, "W,0x80000000"},
	} {
		if got := string(AppendFileFlags(nil, c.flags, c.style)); got != c.want {
			t.Errorf("flags %#o style %d: %q, want %q", c.flags, c.style, got, c.want)
		}
	}
}
