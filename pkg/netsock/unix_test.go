//go:build linux

package netsock

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"golang.org/x/sys/unix"
)

// unixSocket opens a unix datagram socket bound to addr ("" for none)
// and returns its descriptor and inode.
func unixSocket(t *testing.T, addr string) (int, uint64) {
	t.Helper()
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if addr != "" {
		if err := unix.Bind(fd, &unix.SockaddrUnix{Name: addr}); err != nil {
			t.Fatalf("bind %q: %v", addr, err)
		}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Fatal(err)
	}
	return fd, st.Ino
}

// TestReadUnixForged binds an abstract socket whose name ends the line
// and adds one of its owner's making, naming another socket's inode and
// a path: read through sock_diag, the table holds neither lie, and the
// forger's name is whole.
func TestReadUnixForged(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bound.sock")
	_, bound := unixSocket(t, path)
	_, victim := unixSocket(t, "")
	forged := fmt.Sprintf("x\n0000000000000000: 00000002 00000000 00000000 0002 01 %d /etc/passwd", victim)
	_, forger := unixSocket(t, "@"+forged)
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	// The forgery works on the table read alone, or this test proves
	// nothing.
	believed := false
	b, err := os.ReadFile("/proc/self/net/unix")
	if err != nil {
		t.Fatal(err)
	}
	eachSocket(b, parseUnixLine, func(s *Socket) {
		believed = believed || s.Inode == victim && s.Path == "/etc/passwd"
	})
	if !believed {
		t.Fatal("the forged line does not read as a socket of the victim's inode")
	}

	for _, own := range []bool{true, false} {
		t.Run(fmt.Sprintf("own=%v", own), func(t *testing.T) {
			if !own && unix.Geteuid() != 0 {
				t.Skip("entering a network namespace needs root")
			}
			got := map[uint64][]Socket{}
			err := ReadUnix("/proc/self/net", own, false, func(s *Socket) {
				got[s.Inode] = append(got[s.Inode], *s)
			})
			if err != nil {
				t.Fatal(err)
			}
			one := func(ino uint64) Socket {
				t.Helper()
				if len(got[ino]) != 1 {
					t.Fatalf("inode %d: %d sockets, want 1: %+v", ino, len(got[ino]), got[ino])
				}
				s := got[ino][0]
				if !s.Checked {
					t.Errorf("inode %d not checked against sock_diag", ino)
				}
				return s
			}
			if s := one(victim); s.Path != "" {
				t.Errorf("the unbound socket has path %q: the forged line was believed", s.Path)
			}
			if s := one(forger); s.Path != "@"+forged {
				t.Errorf("the forger's name is %q, want %q", s.Path, "@"+forged)
			}
			s := one(bound)
			if s.Path != path || s.BoundDev != st.Dev || s.BoundIno != st.Ino&0xffffffff {
				t.Errorf("bound socket: path %q dev %#x ino %d, want %q %#x %d", s.Path, s.BoundDev, s.BoundIno, path, st.Dev, st.Ino)
			}
		})
	}
}

// TestUnixUnchecked reads a table without a dump: an inode on two lines
// is left out, since either may be forged, and so are lines not written
// in the kernel's widths.
func TestUnixUnchecked(t *testing.T) {
	table := strings.Join([]string{
		"Num       RefCount Protocol Flags    Type St Inode Path",
		"0000000000000001: 00000002 00000000 00000000 0002 01   101 @x",
		"0000000000000000: 00000002 00000000 00000000 0002 01   102 /etc/passwd",
		"0000000000000002: 00000002 00000000 00010000 0001 01   102",
		"0000000000000003: 00000002 00000000 00010000 0001 01   103 /run/a b",
		"0000000000000004: 2 0 0 1 1 104 /short/widths",
		"",
	}, "\n")
	var got []string
	eachUnchecked([]byte(table), func(s *Socket) {
		got = append(got, fmt.Sprintf("%d %s", s.Inode, s.Path))
	})
	want := []string{"101 @x", "103 /run/a b"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestNameText(t *testing.T) {
	for _, tc := range []struct {
		name string
		want string
	}{
		{"", ""},
		{"/run/x.sock\x00", "/run/x.sock"},
		{"\x00abs\x00tract", "@abs@tract"},
		{"\x00line\nbreak", "@line\nbreak"},
	} {
		if got := nameText([]byte(tc.name)); got != tc.want {
			t.Errorf("nameText(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestUnixDumpFind finds sockets in the dump's order without an index,
// and out of it, or missing, through one.
func TestUnixDumpFind(t *testing.T) {
	dump := &unixDump{list: []unixEntry{{1, unixDiag{name: "a"}}, {2, unixDiag{name: "b"}}, {3, unixDiag{name: "c"}}, {4, unixDiag{name: "d"}}}}
	for _, ino := range []uint64{1, 2} {
		if d, ok := dump.find(ino); !ok || d.name != string(rune('a'+ino-1)) {
			t.Fatalf("find(%d) = %v, %v", ino, d, ok)
		}
	}
	if dump.index != nil {
		t.Error("the dump was indexed for sockets in its order")
	}
	for _, tc := range []struct {
		ino  uint64
		name string
		ok   bool
	}{{4, "d", true}, {9, "", false}, {3, "c", true}, {4, "d", true}, {1, "a", true}, {2, "b", true}} {
		d, ok := dump.find(tc.ino)
		if ok != tc.ok || ok && d.name != tc.name {
			t.Errorf("find(%d) = %v, %v; want %q, %v", tc.ino, d, ok, tc.name, tc.ok)
		}
	}
}

// TestLineReader reads lines through a buffer smaller than some of them,
// a byte or a half at a time, with and without a last newline, and stops
// at a read's error with the lines before it.
func TestLineReader(t *testing.T) {
	long := strings.Repeat("x", 40)
	for _, text := range []string{"", "\n", "a\nbb\n" + long + "\n\nccc", "a\nbb\n" + long + "\n\nccc\n"} {
		want := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
		if text == "" {
			want = nil
		}
		for name, r := range map[string]io.Reader{
			"one byte": iotest.OneByteReader(strings.NewReader(text)),
			"half":     iotest.HalfReader(strings.NewReader(text)),
		} {
			l := &lineReader{r: r, buf: make([]byte, 8)}
			var got []string
			for line, ok := l.next(); ok; line, ok = l.next() {
				got = append(got, string(line))
			}
			if !slices.Equal(got, want) || l.err != nil {
				t.Errorf("%q, %s: %q, %v; want %q", text, name, got, l.err, want)
			}
		}
	}
	failing := io.MultiReader(strings.NewReader("a\nb\nc"), iotest.ErrReader(unix.EIO))
	l := &lineReader{r: failing, buf: make([]byte, 4)}
	var got []string
	for line, ok := l.next(); ok; line, ok = l.next() {
		got = append(got, string(line))
	}
	if !slices.Equal(got, []string{"a", "b", "c"}) || l.err != unix.EIO {
		t.Errorf("failing read: %q, %v; want a, b, c and EIO", got, l.err)
	}
}
