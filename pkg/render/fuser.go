//go:build linux

package render

import (
	"io"
	"strconv"
	"strings"
)

// FuserAccess is how a process uses a name, psmisc fuser's access bits.
type FuserAccess uint8

// Access bits, in the order -v shows them: f or F, r, c, e, m.
const (
	AccessCWD FuserAccess = 1 << iota
	AccessExe
	AccessFile
	AccessRoot
	AccessMmap
	AccessFileWr // with AccessFile: open for writing
)

// Verbose returns the ACCESS column of fuser -v: f or F, r, c, e, m,
// each a dot when absent, m hidden by e.
func (a FuserAccess) Verbose() string {
	b := []byte(" ..... ")
	if a&AccessFile != 0 {
		b[1] = 'f'
		if a&AccessFileWr != 0 {
			b[1] = 'F'
		}
	}
	if a&AccessRoot != 0 {
		b[2] = 'r'
	}
	if a&AccessCWD != 0 {
		b[3] = 'c'
	}
	if a&AccessExe != 0 {
		b[4] = 'e'
	}
	if a&AccessMmap != 0 && a&AccessExe == 0 {
		b[5] = 'm'
	}
	return string(b)
}

// Letters returns the letters fuser shows after a PID without -v: r, c,
// and e or else m. Open files show nothing.
func (a FuserAccess) Letters() string {
	var b []byte
	if a&AccessRoot != 0 {
		b = append(b, 'r')
	}
	if a&AccessCWD != 0 {
		b = append(b, 'c')
	}
	if a&AccessExe != 0 {
		b = append(b, 'e')
	} else if a&AccessMmap != 0 {
		b = append(b, 'm')
	}
	return string(b)
}

// JSON returns the access letters that apply, for fuser --json: m shown
// even beside e, which -v hides.
func (a FuserAccess) JSON() string {
	var b []byte
	if a&AccessFile != 0 {
		if a&AccessFileWr != 0 {
			b = append(b, 'F')
		} else {
			b = append(b, 'f')
		}
	}
	for _, l := range []struct {
		bit    FuserAccess
		letter byte
	}{{AccessRoot, 'r'}, {AccessCWD, 'c'}, {AccessExe, 'e'}, {AccessMmap, 'm'}} {
		if a&l.bit != 0 {
			b = append(b, l.letter)
		}
	}
	return string(b)
}

// FuserUse is one process, or a use by the kernel, found for a name.
type FuserUse struct {
	PID int
	// Kernel is the kernel's use ("mount", "swap", "knfsd"); "" for a
	// process.
	Kernel  string
	Access  FuserAccess
	User    string // the login name; "" when the UID has none
	Command string // "" when it could not be read
	NetNS   uint64 // the process's network namespace when not ours, else 0
}

// FuserStreams are the standard output and error fuser writes to: PIDs
// go to the one, all else to the other, and each call says which comes
// next, so that a writer keeping them in order can flush the other.
type FuserStreams interface {
	Out() io.Writer
	Err() io.Writer
}

// FuserLayout writes psmisc fuser's report of names, as its
// print_matches does: the name and its PIDs on a line without -v, a
// table of USER, PID, ACCESS and COMMAND with it.
type FuserLayout struct {
	Verbose bool // -v
	User    bool // -u: the user after each PID
	All     bool // -a: names with nothing found too
	Esc     Escaper

	head bool // the -v header is written
	num  []byte
}

// fuserNameField is psmisc's NAME_FIELD: the names column is this wide.
const fuserNameField = 20

// Name writes the report of one name, with what was found for it, and
// reports whether a process (or with -v a kernel use) was shown.
func (l *FuserLayout) Name(s FuserStreams, name string, uses []FuserUse) bool {
	shown := false
	col := 0
	hasUses := false
	if !l.All {
		for _, u := range uses {
			if l.Verbose || u.Kernel == "" {
				hasUses = true
				break
			}
		}
	}
	if hasUses || l.All {
		if !l.head && l.Verbose {
			io.WriteString(s.Err(), strings.Repeat(" ", fuserNameField)+" USER        PID ACCESS COMMAND\n")
			l.head = true
		}
		text := l.Esc.String(name)
		io.WriteString(s.Err(), text+":")
		col = len(text) + 1
	}
	first := true
	for _, u := range uses {
		if !l.Verbose && u.Kernel != "" {
			continue
		}
		shown = true
		var b []byte
		if col > fuserNameField && l.Verbose {
			b = append(b, '\n')
			col = 0
		}
		if l.Verbose || first {
			for ; col < fuserNameField; col++ {
				b = append(b, ' ')
			}
		}
		user := u.User
		if user == "" {
			user = "(unknown)"
		}
		if l.Verbose {
			b = append(b, ' ')
			b = padRight(b, user, 8)
			b = append(b, ' ')
		}
		s.Err().Write(b)
		if u.Kernel == "" {
			pid := strconv.Itoa(u.PID)
			l.num = append(l.num[:0], ' ')
			l.num = append(l.num, strings.Repeat(" ", max(0, 5-len(pid)))...)
			l.num = append(l.num, pid...)
			s.Out().Write(l.num)
		} else {
			io.WriteString(s.Out(), "kernel")
		}
		b = b[:0]
		switch {
		case !l.Verbose:
			b = append(b, u.Access.Letters()...)
		case u.Kernel == "":
			b = append(b, u.Access.Verbose()...)
		default:
			b = append(b, ' ')
			b = padRight(b, u.Kernel, 5)
			b = append(b, ' ')
		}
		if l.User {
			if u.User != "" {
				b = append(append(append(b, '('), u.User...), ')')
			} else {
				b = append(b, ' ')
				b = padRight(b, "(unknown)", 8)
				b = append(b, ' ')
			}
		}
		if l.Verbose {
			if u.Command == "" {
				b = append(b, "???"...)
			} else {
				b = append(b, u.Command...)
			}
			if u.NetNS != 0 {
				b = append(b, " (netns "...)
				b = strconv.AppendUint(b, u.NetNS, 10)
				b = append(b, ')')
			}
			b = append(b, '\n')
		}
		s.Err().Write(b)
		col, first = 0, false
	}
	if l.Verbose {
		if len(uses) == 0 && l.All {
			io.WriteString(s.Err(), "\n")
		}
	} else if hasUses || l.All {
		io.WriteString(s.Err(), "\n")
	}
	return shown
}
