package render

import (
	"bufio"
	"io"
	"strconv"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/netsock"
)

// commandWidth is how many characters of a command name lsof shows.
const commandWidth = 9

// Table collects rows and writes them as lsof's table. Column widths are
// the widest value in each column over all rows, so nothing is written
// until every row is in.
type Table struct {
	esc      Escaper
	procRoot string
	users    fdscan.Users
	names    *netsock.Namer
	rows     []row
	w        widths
	tasks    bool // some row is a task's: show TID and TASKCMD
}

type row struct {
	command, pid, tid, taskCmd, user, fd string
	mode, lock                           byte
	typ, device, sizeOff                 string
	node, name                           string
}

type widths struct {
	command, pid, tid, taskCmd, user, fd, typ, device, sizeOff, node int
}

// unknownUserWidth is the width lsof prints a user ID with no login name
// in.
const unknownUserWidth = 8

// NewTable returns an empty table. procRoot names the proc root in rows
// for entries that could not be read; users names the owners, and names
// the hosts and ports of sockets.
func NewTable(esc Escaper, procRoot string, users fdscan.Users, names *netsock.Namer) *Table {
	return &Table{
		esc:      esc,
		procRoot: procRoot,
		users:    users,
		names:    names,
		w: widths{
			command: len("COMMAND"), pid: len("PID"), tid: len("TID"),
			taskCmd: len("TASKCMD"), user: len("USER"),
			fd: 4, typ: len("TYPE"), device: len("DEVICE"),
			sizeOff: len("SIZE/OFF"), node: len("NODE"),
		},
	}
}

// Len returns the number of rows added.
func (t *Table) Len() int { return len(t.rows) }

// Add adds a row for file f of process p. sock is the socket f is, when
// it was found in the socket tables, and nil otherwise.
func (t *Table) Add(p *fdscan.Process, f *fdscan.File, sock *netsock.Socket) {
	w := &t.w
	user, ok := t.users.Lookup(p.UID)
	if !ok {
		user = string(padLeft(nil, user, unknownUserWidth))
	}
	cmd, cmdWidth := Command(p.Command, commandWidth)
	w.command = max(w.command, cmdWidth)
	r := row{
		command: cmd,
		pid:     strconv.Itoa(p.PID),
		user:    user,
		fd:      FD(f),
		mode:    Mode(f),
		lock:    Lock(f),
		typ:     Type(f),
		device:  Device(f),
		sizeOff: SizeOff(f),
		node:    Node(f),
		name:    t.esc.String(Name(p, f, t.procRoot)),
	}
	if sock != nil {
		c := SocketColumns(sock, t.names)
		r.typ, r.device, r.node, r.name = c.Type, c.Device, c.Node, t.esc.String(c.Name)
	}
	if p.TID != 0 {
		t.tasks = true
		r.tid = strconv.Itoa(p.TID)
		var n int
		r.taskCmd, n = Command(p.TaskCommand, commandWidth)
		w.tid = max(w.tid, len(r.tid))
		w.taskCmd = max(w.taskCmd, n)
	}
	w.pid = max(w.pid, len(r.pid))
	w.user = max(w.user, len(r.user))
	w.fd = max(w.fd, len(r.fd))
	w.typ = max(w.typ, len(r.typ))
	w.device = max(w.device, len(r.device))
	w.sizeOff = max(w.sizeOff, len(r.sizeOff))
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
	var b []byte
	w := t.w
	b = padRight(b, "COMMAND", w.command)
	b = padLeft(append(b, ' '), "PID", w.pid)
	if t.tasks {
		b = padLeft(append(b, ' '), "TID", w.tid)
		b = padRight(append(b, ' '), "TASKCMD", w.taskCmd)
	}
	b = padLeft(append(b, ' '), "USER", w.user)
	b = padLeft(append(b, ' '), "FD", w.fd)
	b = padLeft(append(b, "   "...), "TYPE", w.typ)
	b = padLeft(append(b, ' '), "DEVICE", w.device)
	b = padLeft(append(b, ' '), "SIZE/OFF", w.sizeOff)
	b = padLeft(append(b, ' '), "NODE", w.node)
	b = append(b, " NAME\n"...)
	bw.Write(b)
	for i := range t.rows {
		r := &t.rows[i]
		b = padRight(b[:0], r.command, w.command)
		b = padLeft(append(b, ' '), r.pid, w.pid)
		if t.tasks {
			b = padLeft(append(b, ' '), r.tid, w.tid)
			b = padRight(append(b, ' '), r.taskCmd, w.taskCmd)
		}
		b = padLeft(append(b, ' '), r.user, w.user)
		b = padLeft(append(b, ' '), r.fd, w.fd)
		b = append(b, r.mode, r.lock, ' ')
		b = padLeft(b, r.typ, w.typ)
		b = padLeft(append(b, ' '), r.device, w.device)
		b = padLeft(append(b, ' '), r.sizeOff, w.sizeOff)
		b = padLeft(append(b, ' '), r.node, w.node)
		b = append(append(append(b, ' '), r.name...), '\n')
		if _, err := bw.Write(b); err != nil {
			return cw.n, err
		}
	}
	err := bw.Flush()
	return cw.n, err
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
