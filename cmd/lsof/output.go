//go:build linux

package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/openfiles/openfiles/pkg/join"
	"github.com/openfiles/openfiles/pkg/render"
)

// output is where the selected files go: lsof's table, terse PIDs, -F
// fields or JSON lines.
type output interface {
	// add takes a selected, named entry.
	add(e *join.Entry) error
	// finish ends a listing, writing what is still held, and reports
	// how many files it listed.
	finish() (int, error)
	// marker writes the line between repeated listings.
	marker(text string) error
}

func newOutput(o *options, e env, w io.Writer) output {
	mode := render.SizeOffAuto
	switch {
	case o.offset || (o.fields != nil && o.fields.offsets):
		mode = render.OffsetOnly
	case o.sizeOnly:
		mode = render.SizeOnly
	case o.sizeAndOffset && o.fields == nil:
		mode = render.SizeAndOffset
	}
	digits := o.offsetDigits
	if digits == 0 {
		digits = -1 // -o0: never hexadecimal
	}
	switch {
	case o.json:
		return &jsonOutput{j: render.NewJSONWriter(w)}
	case o.terse:
		return &terseOutput{w: bufio.NewWriter(w)}
	case o.fields != nil:
		letters := o.fields.letters
		if o.netns {
			letters += "w"
		}
		if o.container {
			letters += "j"
		}
		if o.flags == render.FlagsHidden {
			letters = strings.ReplaceAll(letters, "G", "") // -f g after -F
		}
		fw := render.NewFieldWriter(w, letters, e.esc, mode, digits, o.numericUser)
		if o.flags == render.FlagsNames {
			fw.NameFlags()
		}
		return &fieldOutput{f: fw}
	}
	return &tableOutput{w: w, t: render.NewTable(e.esc, render.TableOptions{
		PPID: o.ppid, PGID: o.pgidColumn, NLink: o.linkColumn, NumericUsers: o.numericUser,
		CommandWidth: o.cmdWidth, SizeOff: mode, OffsetDigits: digits, TCPInfo: o.tcpInfo, Flags: o.flags,
		NetNS: o.netns, Container: o.container,
	})}
}

type tableOutput struct {
	t *render.Table
	w io.Writer
}

func (o *tableOutput) add(e *join.Entry) error {
	o.t.Add(e)
	return nil
}

func (o *tableOutput) finish() (int, error) {
	_, err := o.t.WriteTo(o.w)
	n := o.t.Len()
	o.t.Reset()
	return n, err
}

func (o *tableOutput) marker(text string) error {
	_, err := io.WriteString(o.w, text+"\n")
	return err
}

type jsonOutput struct {
	j *render.JSONWriter
	n int
}

func (o *jsonOutput) add(e *join.Entry) error {
	o.n++
	return o.j.Write(e)
}

func (o *jsonOutput) finish() (int, error) {
	n := o.n
	o.n = 0
	return n, o.j.Flush()
}

func (o *jsonOutput) marker(string) error { return nil }

// terseOutput is -t: each PID with a selected file, once.
type terseOutput struct {
	w    *bufio.Writer
	last int
	n    int
}

func (o *terseOutput) add(e *join.Entry) error {
	p := e.Process
	o.n++
	if p.PID == o.last {
		return nil
	}
	o.last = p.PID
	_, err := o.w.WriteString(strconv.Itoa(p.PID) + "\n")
	return err
}

func (o *terseOutput) finish() (int, error) {
	n := o.n
	o.n, o.last = 0, 0
	return n, o.w.Flush()
}

func (o *terseOutput) marker(text string) error {
	_, err := o.w.WriteString(text + "\n")
	return err
}

type fieldOutput struct {
	f *render.FieldWriter
	n int
}

func (o *fieldOutput) add(e *join.Entry) error {
	o.n++
	return o.f.Write(e)
}

func (o *fieldOutput) finish() (int, error) {
	n := o.n
	o.n = 0
	return n, o.f.Flush()
}

func (o *fieldOutput) marker(text string) error {
	if err := o.f.Marker(text); err != nil {
		return err
	}
	return o.f.Flush()
}

// fieldSet is a -F selection of field letters.
type fieldSet struct {
	letters string
	help    bool
	offsets bool // 'o' named explicitly: offsets always, as -o
}

// defaultFields is what -F with no letters selects: every field but the
// raw device.
const defaultFields = "acdDfgGiklKLMnNoPpRsStTu"

// has reports whether the selection names field c; false for no -F.
func (f *fieldSet) has(c byte) bool {
	return f != nil && strings.IndexByte(f.letters, c) >= 0
}

func parseFields(v string) (*fieldSet, error) {
	f := &fieldSet{}
	if v == "" || v == "0" {
		f.letters = defaultFields + v
		return f, nil
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '?' {
			f.help = true
			continue
		}
		known := c == '0' || c == 'm'
		for _, l := range render.FieldLetters {
			known = known || l.Letter == c
		}
		if !known {
			return nil, usageError("unknown field: " + string(c))
		}
	}
	f.letters = v
	f.offsets = strings.IndexByte(v, 'o') >= 0
	return f, nil
}

func fieldHelp() string {
	var b strings.Builder
	b.WriteString("lsof:\tID    field description\n")
	for _, l := range render.FieldLetters {
		fmt.Fprintf(&b, "\t %c    %s\n", l.Letter, l.Desc)
	}
	return b.String()
}

const shortUsage = `usage: lsof [-?abhKlnNOPQRtUvVwX] [+|-c c] [+|-d s] [+D D] [+|-E] [+|-e s]
 [+|-f[gG]] [-F [f]] [-g [s]] [-i [i]] [+|-L [l]] [+m [m]] [+|-M] [-o [o]]
 [-p s] [+|-r [t[c<N>][m<fmt>]]] [-s [p:s]] [-S [t]] [-T [t]] [-u s] [+|-w]
 [-x [fl]] [--json] [--size-offset] [--strict] [--summary[=N]] [--netns]
 [--container] [--] [names]
Use the "-h" option to get more help information.
`

const longUsage = `usage: lsof [-?abhKlnNOPQRtUvVwX] [+|-c c] [+|-d s] [+D D] [+|-E] [+|-e s]
 [+|-f[gG]] [-F [f]] [-g [s]] [-i [i]] [+|-L [l]] [+m [m]] [+|-M] [-o [o]]
 [-p s] [+|-r [t[c<N>][m<fmt>]]] [-s [p:s]] [-S [t]] [-T [t]] [-u s] [+|-w]
 [-x [fl]] [--json] [--size-offset] [--strict] [--summary[=N]] [--netns]
 [--container] [--] [names]
List open files of processes, read from /proc. Selections are ORed; -a
ANDs them; ^ excludes. With no selection, every process and task is listed.
  -?|-h   print this help              -a      AND the selections
  -b      accepted (this lsof never blocks on a stat)
  -c c    command name prefix, /regex/[bix], ^c excludes
  +c w    COMMAND width (9; 0 = 15)
  -d s    descriptors: 0-3,cwd,txt,mem,... ^ excludes
  +d D    files in directory D          +D D    files in the tree under D
  -F [f]  fields for programs; -F? lists them; -F0 ends fields with NUL
  -g [s]  PGID column; select (^exclude) process groups
  -i i    Internet files: [46][TCP|UDP|UDPLITE][@host|@[v6addr]][:port,...]
  -K [i]  list tasks (threads); -K i leaves them out
  -l      user IDs, not names           -n      no host names (+n: names)
  +L [l]  NLINK column; +L1 selects files with fewer than l links
  +m      list the mount points and their devices (lsof's mount supplement)
  +m m    accepted: no supplement is needed, devices come from mountinfo
  -m m    not supported, as in lsof on Linux
  +|-M    accepted: portmapper registrations are not looked up
  -N      NFS files                     -o [o]  offsets always; -o N digits before 0x (8)
  -O      accepted (nothing to avoid)   -P      no port names (+P: names)
  -p s    PIDs: 1,2,^3                  -Q      a search that finds nothing is no failure
  -R      PPID column                   -s      sizes always
  -s p:s  TCP (and, as lsof does, UDP) states: TCP:LISTEN,^CLOSE
  -S [t]  seconds to wait for the lookup of a name given (5); at least 2
  +|-r [t[c<N>][m<fmt>]]  repeat every t seconds (15), N times (c<N>); + until
          no files, - forever; m<fmt> is an strftime(3) format for the marker
  -t      PIDs only                     -u s    users: names or UIDs, ^ excludes
  -U      unix sockets                  -v      version
  -V      say which search items were not found
  -w      no warnings and no unreadable rows; +w shows them
  -X      (root) TCP, UDP and raw IPv6 sockets not identified
  -Z [Z]  SELinux contexts: not supported (lsof refuses it where SELinux is off)
  -T [fqs] after socket addresses: f flags (none on Linux), q queue sizes,
          s state (the default); -T alone nothing
  +f|-f   names are only file systems (+f) or only files (-f)
  +|-f[gG] FILE-FLAG column (+), by name (g) or in hex (G); - hides it
  +|-e s  exempt the file system mounted at s: its files are not stat'ed
          (UNKN rows, the note names the option)
  -E      the other ends of pipes, sockets, ptys, eventfds and message queues
          after NAME: PID,COMMAND,FDmode
  +E      and list the files that are those ends too
  -x [fl] +d/+D cross file systems     --json  one JSON object per file
  --size-offset  SIZE and OFFSET columns both
  --strict       exit 2, and say so, when some process could not be fully inspected
  --summary[=N]  totals for people: descriptors by process and type beside the
                 limit, deleted files' space by file system and by process,
                 listening sockets; N processes a table (10; 0 = all)
  --netns        NETNS column: each process's network namespace (-F: w)
  --container    CONTAINER column: docker, containerd/CRI, CRI-O, podman, LXC
                 container or systemd unit, from /proc/PID/cgroup (-F: j)
  names   files (by device and inode); a mount point means its file system
Exit status: 0 when something was listed, 1 when nothing was or a search
item (PID, process group, command, -i spec, file) matched nothing.
`
