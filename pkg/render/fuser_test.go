//go:build linux

package render

import (
	"io"
	"strings"
	"testing"
)

// twoStreams keeps fuser's standard output and error apart, so the
// expected stderr below has no PIDs between its columns.
type twoStreams struct{ out, err strings.Builder }

func (s *twoStreams) Out() io.Writer { return &s.out }
func (s *twoStreams) Err() io.Writer { return &s.err }

func TestFuserLayout(t *testing.T) {
	server := FuserUse{PID: 100, Access: AccessFile | AccessCWD, User: "alice", Command: "server"}
	writer := FuserUse{PID: 4242, Access: AccessFile | AccessFileWr | AccessExe | AccessMmap, Command: "two words", NetNS: 4026532000}
	mount := FuserUse{Kernel: "mount", Command: "/srv"}
	for _, tc := range []struct {
		desc     string
		layout   FuserLayout
		name     string
		uses     []FuserUse
		out, err string
		shown    bool
	}{
		{"plain", FuserLayout{}, "/srv", []FuserUse{server, writer, mount},
			"   100  4242", "/srv:               ce\n", true},
		{"user", FuserLayout{User: true}, "/srv", []FuserUse{server, writer},
			"   100  4242", "/srv:               c(alice)e (unknown) \n", true},
		{"verbose", FuserLayout{Verbose: true}, "/srv", []FuserUse{server, writer, mount},
			"   100  4242kernel",
			"                     USER        PID ACCESS COMMAND\n" +
				"/srv:                alice     f.c.. server\n" +
				"                     (unknown)  F..e. two words (netns 4026532000)\n" +
				"                     (unknown)  mount /srv\n", true},
		{"long name", FuserLayout{Verbose: true}, "/a/name/longer/than/the/column", []FuserUse{server},
			"   100",
			"                     USER        PID ACCESS COMMAND\n" +
				"/a/name/longer/than/the/column:\n" +
				"                     alice     f.c.. server\n", true},
		{"kernel only, not verbose", FuserLayout{}, "/srv", []FuserUse{mount}, "", "", false},
		{"nothing, -a", FuserLayout{All: true}, "/x\x1b", nil, "", "/x^[:\n", false},
		{"nothing, -a -v", FuserLayout{All: true, Verbose: true}, "/x", nil, "",
			"                     USER        PID ACCESS COMMAND\n/x:\n", false},
	} {
		var s twoStreams
		shown := tc.layout.Name(&s, tc.name, tc.uses)
		if s.out.String() != tc.out || s.err.String() != tc.err || shown != tc.shown {
			t.Errorf("%s: shown %v, stdout %q, stderr:\n%s\nwant %v, %q:\n%s", tc.desc, shown, s.out.String(), s.err.String(), tc.shown, tc.out, tc.err)
		}
	}
}

func TestFuserAccessJSON(t *testing.T) {
	for a, want := range map[FuserAccess]string{
		AccessFile:                          "f",
		AccessFile | AccessFileWr:           "F",
		AccessExe | AccessMmap | AccessRoot: "rem",
		AccessCWD:                           "c",
	} {
		if got := a.JSON(); got != want {
			t.Errorf("%08b.JSON() = %q, want %q", a, got, want)
		}
	}
}
