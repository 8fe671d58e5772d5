//go:build linux

package render

import (
	"bytes"
	"cmp"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/join"
	"github.com/openfiles/openfiles/pkg/netsock"
)

// Summary adds up a listing for people (lsof --summary): the processes
// with the most descriptors open, by type, beside their limit; the
// deleted files still open and the space they hold, by file system and
// by process; the listening sockets, by process. It keeps counts, not
// rows, so it costs little memory however long the listing.
//
// Its tables are drawn by WriteReport.
type Summary struct {
	// Top is how many processes the tables by process show; 0 shows all.
	Top    int
	esc    Escaper
	mounts *fdscan.Mounts
	procs  map[int]*procTally
	// deleted holds each deleted file once, whoever holds it and
	// through however many descriptors: what it keeps of its file
	// system.
	deleted map[devIno]int64
	listen  map[listener]bool
}

type devIno struct{ dev, ino uint64 }

// The kinds of descriptor the table by process counts.
const (
	tallyReg = iota
	tallyDir
	tallyDev
	tallyFIFO
	tallyInet
	tallyUnix
	tallySock // other sockets: netlink, packet, raw
	tallyAnon
	tallyUnknown // could not be read
	tallyKinds
)

var tallyNames = [tallyKinds]string{"REG", "DIR", "DEV", "FIFO", "INET", "UNIX", "SOCK", "ANON", "UNKNOWN"}

type procTally struct {
	pid      int
	limit    uint64 // soft limit on descriptors; 0 when unknown
	command  string
	user     string // login name, or the UID where it has none
	fds      int
	kinds    [tallyKinds]int
	deleted  map[devIno]int64 // each deleted file it holds, once
	largest  string           // the name of the largest of them
	largestN int64
}

type listener struct {
	pid   int
	proto string // TCP, TCP6, UDP, UDP6, ...
	addr  netip.AddrPort
}

// NewSummary returns an empty summary. mounts names the file systems of
// deleted files; it may be nil.
func NewSummary(esc Escaper, mounts *fdscan.Mounts) *Summary {
	return &Summary{esc: esc, mounts: mounts, procs: map[int]*procTally{},
		deleted: map[devIno]int64{}, listen: map[listener]bool{}}
}

// Add counts entry e. Task entries are left out: a task shares its
// process's descriptors.
func (s *Summary) Add(e *join.Entry) {
	p, f, sock := e.Process, e.File, e.Socket
	if p.TID != 0 {
		return
	}
	t := s.procs[p.PID]
	if t == nil {
		t = &procTally{pid: p.PID, limit: p.FDLimit, command: p.Command, user: userName(e)}
		s.procs[p.PID] = t
	}
	if f.Kind == fdscan.KindFD {
		t.fds++
		t.kinds[tallyKind(f, sock, e.Protocol)]++
	}
	// What +L1 lists: a file with no links left, held open or mapped
	// (not a DEL mapping, whose file the scan could not stat).
	if f.Err == nil && f.Type == fdscan.TypeReg && f.NLink == 0 && f.Kind != fdscan.KindDel && f.PathInode == 0 {
		k := devIno{f.Dev, f.Inode}
		s.deleted[k] = f.Size
		if t.deleted == nil {
			t.deleted = map[devIno]int64{}
		}
		if _, seen := t.deleted[k]; !seen {
			t.deleted[k] = f.Size
			if f.Size > t.largestN || t.largest == "" {
				t.largest, t.largestN = strings.TrimSuffix(f.Link, " (deleted)"), f.Size
			}
		}
	}
	if sock != nil && listening(sock) {
		proto := sock.Proto.String()
		if sock.IPv6 {
			proto += "6"
		}
		s.listen[listener{pid: p.PID, proto: proto, addr: sock.Local}] = true
	}
}

// tcpListen is the kernel's TCP_LISTEN, tcpClose its TCP_CLOSE (an
// unconnected UDP socket).
const (
	tcpListen = 10
	tcpClose  = 7
)

// listening reports whether sock waits for others: a TCP listener, or a
// UDP socket bound to a port and connected to none.
func listening(sock *netsock.Socket) bool {
	switch sock.Proto {
	case netsock.ProtoTCP:
		return sock.State == tcpListen
	case netsock.ProtoUDP, netsock.ProtoUDPLite:
		return sock.State == tcpClose && sock.Local.Port() != 0 && sock.Remote.Port() == 0
	}
	return false
}

// tallyKind is the column f counts in; protocol names a socket no table
// has.
func tallyKind(f *fdscan.File, sock *netsock.Socket, protocol string) int {
	switch f.Type {
	case fdscan.TypeReg:
		return tallyReg
	case fdscan.TypeDir:
		return tallyDir
	case fdscan.TypeChr, fdscan.TypeBlk:
		return tallyDev
	case fdscan.TypeFIFO:
		return tallyFIFO
	case fdscan.TypeAnon:
		return tallyAnon
	case fdscan.TypeSock:
		proto := protocol
		if sock != nil {
			proto = sock.Proto.String()
		}
		switch {
		case proto == "TCP" || proto == "UDP" || proto == "UDPLITE" || proto == "TCPv6" || proto == "UDPv6" || proto == "UDPLITEv6":
			return tallyInet
		case strings.HasPrefix(proto, "UNIX"): // UNIX, or the kernel's UNIX-STREAM
			return tallyUnix
		}
		return tallySock
	}
	return tallyUnknown
}

// Reset empties the summary for another listing.
func (s *Summary) Reset() {
	clear(s.procs)
	clear(s.deleted)
	clear(s.listen)
}

// Processes reports how many processes were counted.
func (s *Summary) Processes() int { return len(s.procs) }

// WriteTo writes the three reports.
func (s *Summary) WriteTo(w io.Writer) (int64, error) {
	var b bytes.Buffer
	s.writeDescriptors(&b)
	b.WriteByte('\n')
	s.writeDeleted(&b)
	b.WriteByte('\n')
	s.writeListeners(&b)
	n, err := w.Write(b.Bytes())
	return int64(n), err
}

func (s *Summary) top(list []*procTally) []*procTally {
	if s.Top > 0 && len(list) > s.Top {
		return list[:s.Top]
	}
	return list
}

func (s *Summary) writeDescriptors(b *bytes.Buffer) {
	list := make([]*procTally, 0, len(s.procs))
	total := 0
	for _, t := range s.procs {
		list = append(list, t)
		total += t.fds
	}
	slices.SortFunc(list, func(a, b *procTally) int {
		return cmp.Or(cmp.Compare(b.fds, a.fds), cmp.Compare(a.pid, b.pid))
	})
	shown := s.top(list)
	b.WriteString("Open descriptors by process: " + count(total, "descriptor") + " in " + count(len(list), "process"))
	if len(shown) < len(list) {
		b.WriteString(", the top " + strconv.Itoa(len(shown)))
	}
	b.WriteString("\n")
	cols := []Column{{"PID", true}, {"COMMAND", false}, {"USER", false}, {"FDS", true}, {"LIMIT", true}, {"USE", true}}
	for _, n := range tallyNames {
		cols = append(cols, Column{n, true})
	}
	rows := make([][]string, 0, len(shown))
	for _, t := range shown {
		limit, use := "", ""
		switch soft := t.limit; soft {
		case 0: // not read
		case fdscan.Unlimited:
			limit = "unlimited"
		default:
			limit = strconv.FormatUint(soft, 10)
			use = strconv.FormatUint(uint64(t.fds)*100/soft, 10) + "%"
		}
		row := []string{strconv.Itoa(t.pid), s.esc.String(t.command), t.user, strconv.Itoa(t.fds), limit, use}
		for _, n := range t.kinds {
			row = append(row, blankZero(int64(n)))
		}
		rows = append(rows, row)
	}
	WriteReport(b, cols, rows)
}

func (s *Summary) writeDeleted(b *bytes.Buffer) {
	var bytesHeld int64
	byDev := map[uint64][2]int64{} // files, bytes
	for k, size := range s.deleted {
		bytesHeld += size
		v := byDev[k.dev]
		byDev[k.dev] = [2]int64{v[0] + 1, v[1] + size}
	}
	if len(s.deleted) == 0 {
		b.WriteString("Deleted files still open: none\n")
		return
	}
	b.WriteString("Deleted files still open: " + count(len(s.deleted), "file") + ", " + humanBytes(bytesHeld) +
		" (" + strconv.FormatInt(bytesHeld, 10) + " bytes)\n")
	devs := make([]uint64, 0, len(byDev))
	for d := range byDev {
		devs = append(devs, d)
	}
	slices.SortFunc(devs, func(x, y uint64) int {
		return cmp.Or(cmp.Compare(byDev[y][1], byDev[x][1]), cmp.Compare(x, y))
	})
	rows := make([][]string, 0, len(devs))
	for _, d := range devs {
		point, fsType := "(not mounted)", "" // memfds, for one
		if m := s.mountOf(d); m != nil {
			point, fsType = s.esc.String(m.Point), m.FSType
		}
		v := byDev[d]
		rows = append(rows, []string{point, fsType, devString(d), strconv.FormatInt(v[0], 10), humanBytes(v[1]), strconv.FormatInt(v[1], 10)})
	}
	WriteReport(b, []Column{{"FILE SYSTEM", false}, {"TYPE", false}, {"DEVICE", false}, {"FILES", true}, {"SIZE", true}, {"BYTES", true}}, rows)

	var list []*procTally
	held := map[int]int64{}
	for _, t := range s.procs {
		if len(t.deleted) == 0 {
			continue
		}
		list = append(list, t)
		for _, size := range t.deleted {
			held[t.pid] += size
		}
	}
	slices.SortFunc(list, func(a, b *procTally) int {
		return cmp.Or(cmp.Compare(held[b.pid], held[a.pid]), cmp.Compare(a.pid, b.pid))
	})
	b.WriteString("\nDeleted files still open, by process")
	if shown := s.top(list); len(shown) < len(list) {
		b.WriteString(": the top " + strconv.Itoa(len(shown)) + " of " + strconv.Itoa(len(list)))
		list = shown
	}
	b.WriteString("\n")
	rows = rows[:0]
	for _, t := range list {
		rows = append(rows, []string{strconv.Itoa(t.pid), s.esc.String(t.command), t.user,
			strconv.Itoa(len(t.deleted)), humanBytes(held[t.pid]), strconv.FormatInt(held[t.pid], 10), s.esc.String(t.largest)})
	}
	WriteReport(b, []Column{{"PID", true}, {"COMMAND", false}, {"USER", false}, {"FILES", true}, {"SIZE", true}, {"BYTES", true}, {"LARGEST", false}}, rows)
}

// mountOf returns a mount of the file system on device dev, preferring
// one of its whole tree to a bind mount of a part.
func (s *Summary) mountOf(dev uint64) *fdscan.Mount {
	if s.mounts == nil {
		return nil
	}
	var found *fdscan.Mount
	for _, m := range s.mounts.List() {
		if m.Dev == dev && (found == nil || m.Root == "/" && found.Root != "/") {
			found = m
		}
	}
	return found
}

func (s *Summary) writeListeners(b *bytes.Buffer) {
	if len(s.listen) == 0 {
		b.WriteString("Listening sockets: none\n")
		return
	}
	list := make([]listener, 0, len(s.listen))
	for l := range s.listen {
		list = append(list, l)
	}
	slices.SortFunc(list, func(x, y listener) int {
		return cmp.Or(cmp.Compare(x.addr.Port(), y.addr.Port()), strings.Compare(x.proto, y.proto),
			cmp.Compare(x.pid, y.pid), x.addr.Addr().Compare(y.addr.Addr()))
	})
	b.WriteString("Listening sockets: " + count(len(list), "socket") + "\n")
	rows := make([][]string, 0, len(list))
	for _, l := range list {
		t := s.procs[l.pid]
		rows = append(rows, []string{strconv.Itoa(l.pid), s.esc.String(t.command), t.user, l.proto, addrText(l.addr)})
	}
	WriteReport(b, []Column{{"PID", true}, {"COMMAND", false}, {"USER", false}, {"PROTO", false}, {"ADDRESS", false}}, rows)
}

// addrText is a local address as lsof -n -P prints it: * for any
// address, IPv6 in brackets, IPv4-mapped ones as IPv4.
func addrText(a netip.AddrPort) string {
	ip := a.Addr().Unmap()
	host := ip.String()
	switch {
	case ip.IsUnspecified():
		host = "*"
	case ip.Is6():
		host = "[" + host + "]"
	}
	return host + ":" + strconv.Itoa(int(a.Port()))
}

func blankZero(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

func count(n int, what string) string {
	s := strconv.Itoa(n) + " " + what
	if n != 1 {
		if strings.HasSuffix(what, "s") {
			return s + "es"
		}
		return s + "s"
	}
	return s
}

// humanBytes is n in the largest binary unit it fills, one decimal.
func humanBytes(n int64) string {
	const units = "KMGTPE"
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	v, i := float64(n)/1024, 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + units[i:i+1] + "iB"
}
