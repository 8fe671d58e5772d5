//go:build linux

package render

import (
	"bufio"
	"io"
	"strconv"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/join"
)

// TableOptions choose the optional columns and formats of lsof's table.
type TableOptions struct {
	PPID, PGID   bool        // -R, -g: PPID and PGID columns
	NLink        bool        // +L: the NLINK column
	NumericUsers bool        // -l: user IDs, not login names
	CommandWidth int         // +c: characters of COMMAND; 9 when 0
	SizeOff      SizeOffMode // -o, -s
	OffsetDigits int         // -o N; 8 when 0, never hexadecimal when negative
	NetNS        bool        // --netns: the NETNS column (Process.NetNS)
	Container    bool        // --container: the CONTAINER column (from Process.Cgroup)
	TCPInfo      TCPInfo     // -T: what follows a socket's addresses
	Flags        FlagStyle   // +f g, +f G: the FILE-FLAG column
}

// Table collects rows and writes them as lsof's table. Column widths are
// the widest value in each column over all rows, so nothing is written
// until every row is in. A full listing holds a million of them: they
// are kept compactly (rowStore), and hold no pointer, so the garbage
// collector need not look into them.
type Table struct {
	esc     Escaper
	opts    TableOptions
	rows    rowStore
	procs   []procCols // the process columns rows name by index
	scratch []byte     // the row being made
	w       widths
	tasks   bool // some row is a task's: show TID and TASKCMD
	last    *fdscan.Process
}

// procCols are the columns a process's rows share, held once.
type procCols struct {
	command, pid, tid, taskCmd, ppid, pgid, user string
	netns, container                             string
}

// The file columns of a row.
const (
	colFD = iota
	colType
	colFlags // with Flags only
	colDevice
	colSizeOff
	colOffset // with SizeAndOffset only
	colNLink
	colNode
	colName
	nCols
)

type widths struct {
	command, pid, tid, taskCmd, ppid, pgid, user int
	netns, container                             int
	cols                                         [nCols]int
}

// unknownUserWidth is the width lsof prints a user ID with no login name
// in.
const unknownUserWidth = 8

// NewTable returns an empty table.
func NewTable(esc Escaper, opts TableOptions) *Table {
	if opts.CommandWidth == 0 {
		opts.CommandWidth = 9
	}
	switch {
	case opts.OffsetDigits == 0:
		opts.OffsetDigits = defaultOffsetDigits
	case opts.OffsetDigits < 0:
		opts.OffsetDigits = 0 // never hexadecimal
	}
	return &Table{
		esc: esc, opts: opts,
		w: widths{
			command: len("COMMAND"), pid: len("PID"), tid: len("TID"),
			taskCmd: len("TASKCMD"), ppid: len("PPID"), pgid: len("PGID"), user: len("USER"),
			netns: len("NETNS"), container: len("CONTAINER"),
			cols: [nCols]int{colFD: 4, colType: len("TYPE"), colFlags: len("FILE-FLAG"), colDevice: len("DEVICE"),
				colSizeOff: len(sizeOffTitle(opts.SizeOff)), colOffset: len("OFFSET"), colNLink: len("NLINK"), colNode: len("NODE")},
		},
	}
}

func sizeOffTitle(m SizeOffMode) string {
	switch m {
	case OffsetOnly:
		return "OFFSET"
	case SizeOnly, SizeAndOffset:
		return "SIZE"
	}
	return "SIZE/OFF"
}

// Len returns the number of rows added.
func (t *Table) Len() int { return t.rows.n }

// Reset empties the table for another listing.
func (t *Table) Reset() {
	*t = *NewTable(t.esc, t.opts)
}

// processCols returns the index of the shared columns of e's process,
// making them on the process's first row.
func (t *Table) processCols(e *join.Entry) uint32 {
	p := e.Process
	if p == t.last && len(t.procs) > 0 {
		return uint32(len(t.procs) - 1)
	}
	w := &t.w
	user := e.User
	if user == "" || t.opts.NumericUsers {
		user = string(padLeft(nil, strconv.FormatUint(uint64(p.UID), 10), unknownUserWidth))
	}
	cmd, cmdWidth := Command(p.Command, t.opts.CommandWidth)
	c := &procCols{command: cmd, pid: strconv.Itoa(p.PID), user: user}
	w.command = max(w.command, cmdWidth)
	w.pid = max(w.pid, len(c.pid))
	w.user = max(w.user, len(c.user))
	if p.TID != 0 {
		t.tasks = true
		c.tid = strconv.Itoa(p.TID)
		var n int
		c.taskCmd, n = Command(p.TaskCommand, t.opts.CommandWidth)
		w.tid = max(w.tid, len(c.tid))
		w.taskCmd = max(w.taskCmd, n)
	}
	if t.opts.PPID {
		c.ppid = strconv.Itoa(p.PPID)
		w.ppid = max(w.ppid, len(c.ppid))
	}
	if t.opts.PGID {
		c.pgid = strconv.Itoa(p.PGID)
		w.pgid = max(w.pgid, len(c.pgid))
	}
	if t.opts.NetNS && p.NetNS != 0 {
		c.netns = strconv.FormatUint(p.NetNS, 10)
		w.netns = max(w.netns, len(c.netns))
	}
	if t.opts.Container {
		c.container = t.esc.String(ContainerText(fdscan.ContainerOf(p.Cgroup), true))
		w.container = max(w.container, len(c.container))
	}
	t.last = p
	t.procs = append(t.procs, *c)
	return uint32(len(t.procs) - 1)
}

// Add adds a row for entry e. The row is made in a scratch buffer,
// column by column, then copied into the current text chunk: no string
// is made for it.
func (t *Table) Add(e *join.Entry) {
	f, sock := e.File, e.Socket
	var sc Socket
	if sock != nil {
		sc = SocketColumns(e)
	}
	var ends [nCols]int // where each column ends in b
	b := appendFD(t.scratch[:0], f)
	ends[colFD] = len(b)
	if sock != nil {
		b = append(b, sc.Type...)
	} else {
		b = append(b, Type(f)...)
	}
	ends[colType] = len(b)
	if t.opts.Flags != FlagsHidden && f.HasFlags && f.Kind == fdscan.KindFD {
		b = AppendFileFlags(b, f.Flags, t.opts.Flags)
	}
	ends[colFlags] = len(b)
	if sock != nil {
		b = append(b, sc.Device...)
	} else {
		b = appendDevice(b, f)
	}
	ends[colDevice] = len(b)
	sizeMode := t.opts.SizeOff
	if sizeMode == SizeAndOffset {
		sizeMode = SizeOnly // the offset has a column of its own
	}
	b = appendSizeOff(b, f, sizeMode, t.opts.OffsetDigits)
	ends[colSizeOff] = len(b)
	if t.opts.SizeOff == SizeAndOffset && f.HasPos && f.Err == nil {
		b = appendOffset(b, f.Pos, t.opts.OffsetDigits)
	}
	ends[colOffset] = len(b)
	if t.opts.NLink {
		b = append(b, NLink(f)...)
	}
	ends[colNLink] = len(b)
	if sock != nil {
		b = append(b, sc.Node...)
	} else {
		b = appendNode(b, f)
	}
	ends[colNode] = len(b)
	if sock != nil {
		if e.Endpoints != "" {
			sc.Addr += " " + e.Endpoints // -E: the other ends, before the state
		}
		b = t.esc.Append(b, sc.NameWith(t.opts.TCPInfo))
	} else {
		b = t.esc.Append(b, Name(e))
	}
	ends[colName] = len(b)
	t.scratch = b
	prev := 0
	for i, end := range ends {
		t.w.cols[i] = max(t.w.cols[i], end-prev)
		prev = end
	}
	t.rows.add(t.processCols(e), Mode(f), Lock(f), b, &ends)
}

// WriteTo writes the header and every row. It writes nothing when the
// table is empty.
func (t *Table) WriteTo(out io.Writer) (int64, error) {
	if t.rows.n == 0 {
		return 0, nil
	}
	cw := &countWriter{w: out}
	bw := bufio.NewWriterSize(cw, 64<<10)
	header := procCols{command: "COMMAND", pid: "PID", tid: "TID", taskCmd: "TASKCMD", ppid: "PPID", pgid: "PGID", user: "USER",
		netns: "NETNS", container: "CONTAINER"}
	var hcols [nCols][]byte
	for i, h := range [nCols]string{"FD", "TYPE", "FILE-FLAG", "DEVICE", sizeOffTitle(t.opts.SizeOff), "OFFSET", "NLINK", "NODE", "NAME"} {
		hcols[i] = []byte(h)
	}
	b := t.appendRow(nil, &header, hcols, 0, 0, true)
	bw.Write(b)
	err := t.rows.each(func(r *storedRow) error {
		b = t.appendRow(b[:0], &t.procs[r.proc], r.cols, r.mode, r.lock, false)
		_, err := bw.Write(b)
		return err
	})
	if err != nil {
		return cw.n, err
	}
	err = bw.Flush()
	return cw.n, err
}

// appendRow appends one line: the process columns of p, then the file
// columns c.
func (t *Table) appendRow(b []byte, p *procCols, c [nCols][]byte, mode, lock byte, header bool) []byte {
	w := &t.w
	b = padRight(b, p.command, w.command)
	b = padLeft(append(b, ' '), p.pid, w.pid)
	if t.tasks {
		b = padLeft(append(b, ' '), p.tid, w.tid)
		b = padRight(append(b, ' '), p.taskCmd, w.taskCmd)
	}
	if t.opts.PPID {
		b = padLeft(append(b, ' '), p.ppid, w.ppid)
	}
	if t.opts.PGID {
		b = padLeft(append(b, ' '), p.pgid, w.pgid)
	}
	b = padLeft(append(b, ' '), p.user, w.user)
	if t.opts.NetNS {
		b = padLeft(append(b, ' '), p.netns, w.netns)
	}
	if t.opts.Container {
		b = padRight(append(b, ' '), p.container, w.container)
	}
	b = padLeft(append(b, ' '), c[colFD], w.cols[colFD])
	if header {
		b = append(b, "   "...)
	} else {
		b = append(b, mode, lock, ' ')
	}
	b = padLeft(b, c[colType], w.cols[colType])
	if t.opts.Flags != FlagsHidden {
		b = padLeft(append(b, ' '), c[colFlags], w.cols[colFlags])
	}
	b = padLeft(append(b, ' '), c[colDevice], w.cols[colDevice])
	b = padLeft(append(b, ' '), c[colSizeOff], w.cols[colSizeOff])
	if t.opts.SizeOff == SizeAndOffset {
		b = padLeft(append(b, ' '), c[colOffset], w.cols[colOffset])
	}
	if t.opts.NLink {
		b = padLeft(append(b, ' '), c[colNLink], w.cols[colNLink])
	}
	b = padLeft(append(b, ' '), c[colNode], w.cols[colNode])
	return append(append(append(b, ' '), c[colName]...), '\n')
}

func padLeft[S string | []byte](b []byte, s S, w int) []byte {
	for i := len(s); i < w; i++ {
		b = append(b, ' ')
	}
	return append(b, s...)
}

func padRight(b []byte, s string, w int) []byte {
	b = append(b, s...)
	for i := len(s); i < w; i++ {
		b = append(b, ' ')
	}
	return b
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
