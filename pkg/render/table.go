package render

import (
	"bufio"
	"io"
	"strconv"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/netsock"
)

// TableOptions choose the optional columns and formats of lsof's table.
type TableOptions struct {
	PPID, PGID   bool        // -R, -g: PPID and PGID columns
	NLink        bool        // +L: the NLINK column
	NumericUsers bool        // -l: user IDs, not login names
	CommandWidth int         // +c: characters of COMMAND; 9 when 0
	SizeOff      SizeOffMode // -o, -s
	OffsetDigits int         // -o N; 8 when 0, never hexadecimal when negative
}

// Table collects rows and writes them as lsof's table. Column widths are
// the widest value in each column over all rows, so nothing is written
// until every row is in.
type Table struct {
	esc      Escaper
	procRoot string
	users    fdscan.Users
	names    *netsock.Namer
	opts     TableOptions
	rows     []row
	w        widths
	tasks    bool // some row is a task's: show TID and TASKCMD
	last     *fdscan.Process
	proc     *procCols
}

// procCols are the columns a process's rows share, held once.
type procCols struct {
	command, pid, tid, taskCmd, ppid, pgid, user string
}

type row struct {
	p                                 *procCols
	fd                                string
	mode, lock                        byte
	typ, device, sizeOff, nlink, node string
	name                              string
}

type widths struct {
	command, pid, tid, taskCmd, ppid, pgid, user, fd, typ, device, sizeOff, nlink, node int
}

// unknownUserWidth is the width lsof prints a user ID with no login name
// in.
const unknownUserWidth = 8

// NewTable returns an empty table. procRoot names the proc root in rows
// for entries that could not be read; users names the owners, and names
// the hosts and ports of sockets.
func NewTable(esc Escaper, procRoot string, users fdscan.Users, names *netsock.Namer, opts TableOptions) *Table {
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
		esc: esc, procRoot: procRoot, users: users, names: names, opts: opts,
		w: widths{
			command: len("COMMAND"), pid: len("PID"), tid: len("TID"),
			taskCmd: len("TASKCMD"), ppid: len("PPID"), pgid: len("PGID"), user: len("USER"),
			fd: 4, typ: len("TYPE"), device: len("DEVICE"),
			sizeOff: len(sizeOffTitle(opts.SizeOff)), nlink: len("NLINK"), node: len("NODE"),
		},
	}
}

func sizeOffTitle(m SizeOffMode) string {
	switch m {
	case OffsetOnly:
		return "OFFSET"
	case SizeOnly:
		return "SIZE"
	}
	return "SIZE/OFF"
}

// Len returns the number of rows added.
func (t *Table) Len() int { return len(t.rows) }

// Reset empties the table for another listing.
func (t *Table) Reset() {
	*t = *NewTable(t.esc, t.procRoot, t.users, t.names, t.opts)
}

// processCols returns the shared columns of p, making them on p's first
// row.
func (t *Table) processCols(p *fdscan.Process) *procCols {
	if p == t.last {
		return t.proc
	}
	w := &t.w
	user, ok := t.users.Lookup(p.UID)
	if !ok || t.opts.NumericUsers {
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
	t.last, t.proc = p, c
	return c
}

// Add adds a row for file f of process p. sock is the socket f is, when
// it was found in the socket tables, and nil otherwise.
func (t *Table) Add(p *fdscan.Process, f *fdscan.File, sock *netsock.Socket) {
	r := row{
		p:       t.processCols(p),
		fd:      FD(f),
		mode:    Mode(f),
		lock:    Lock(f),
		typ:     Type(f),
		device:  Device(f),
		sizeOff: SizeOffIn(f, t.opts.SizeOff, t.opts.OffsetDigits),
		node:    Node(f),
	}
	if t.opts.NLink {
		r.nlink = NLink(f)
	}
	if sock != nil {
		c := SocketColumns(sock, t.names)
		r.typ, r.device, r.node, r.name = c.Type, c.Device, c.Node, t.esc.String(c.Name())
	} else {
		r.name = t.esc.String(Name(p, f, t.procRoot))
	}
	w := &t.w
	w.fd = max(w.fd, len(r.fd))
	w.typ = max(w.typ, len(r.typ))
	w.device = max(w.device, len(r.device))
	w.sizeOff = max(w.sizeOff, len(r.sizeOff))
	w.nlink = max(w.nlink, len(r.nlink))
	w.node = max(w.node, len(r.node))
	t.rows = append(t.rows, r)
}

// WriteTo writes the header and every row. It writes nothing when the
// table is empty.
func (t *Table) WriteTo(out io.Writer) (int64, error) {
	if len(t.rows) == 0 {
		return 0, nil
	}
	cw := &countWriter{w: out}
	bw := bufio.NewWriterSize(cw, 64<<10)
	header := procCols{command: "COMMAND", pid: "PID", tid: "TID", taskCmd: "TASKCMD", ppid: "PPID", pgid: "PGID", user: "USER"}
	b := t.appendRow(nil, &row{p: &header, fd: "FD", typ: "TYPE", device: "DEVICE",
		sizeOff: sizeOffTitle(t.opts.SizeOff), nlink: "NLINK", node: "NODE", name: "NAME"}, true)
	bw.Write(b)
	for i := range t.rows {
		b = t.appendRow(b[:0], &t.rows[i], false)
		if _, err := bw.Write(b); err != nil {
			return cw.n, err
		}
	}
	err := bw.Flush()
	return cw.n, err
}

func (t *Table) appendRow(b []byte, r *row, header bool) []byte {
	w := &t.w
	b = padRight(b, r.p.command, w.command)
	b = padLeft(append(b, ' '), r.p.pid, w.pid)
	if t.tasks {
		b = padLeft(append(b, ' '), r.p.tid, w.tid)
		b = padRight(append(b, ' '), r.p.taskCmd, w.taskCmd)
	}
	if t.opts.PPID {
		b = padLeft(append(b, ' '), r.p.ppid, w.ppid)
	}
	if t.opts.PGID {
		b = padLeft(append(b, ' '), r.p.pgid, w.pgid)
	}
	b = padLeft(append(b, ' '), r.p.user, w.user)
	b = padLeft(append(b, ' '), r.fd, w.fd)
	if header {
		b = append(b, "   "...)
	} else {
		b = append(b, r.mode, r.lock, ' ')
	}
	b = padLeft(b, r.typ, w.typ)
	b = padLeft(append(b, ' '), r.device, w.device)
	b = padLeft(append(b, ' '), r.sizeOff, w.sizeOff)
	if t.opts.NLink {
		b = padLeft(append(b, ' '), r.nlink, w.nlink)
	}
	b = padLeft(append(b, ' '), r.node, w.node)
	return append(append(append(b, ' '), r.name...), '\n')
}

func padLeft(b []byte, s string, w int) []byte {
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
