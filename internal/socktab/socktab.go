// Package socktab walks socket tables line by line: the inet tables
// (/proc/net/tcp, udp and their IPv6 twins) and the unix table. It is
// for commands that search the tables by address or path, as fuser does
// for PORT/tcp names; looking a socket up by inode is pkg/netsock's job.
//
// Data enters as the path of one table file and leaves as one typed
// record per parsed line, in table order.
package socktab

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"os"
	"strconv"
)

// Inet is one socket of an inet table.
type Inet struct {
	Local, Remote netip.AddrPort
	Inode         uint64
}

// errLine marks a line that does not parse, such as the header.
var errLine = errors.New("malformed socket table line")

// ReadInet calls fn with each socket of the inet table at path (such as
// /proc/net/tcp6); v6 says the table holds IPv6 addresses. The header and
// lines that do not parse are skipped. It fails only when the table
// cannot be read.
func ReadInet(path string, v6 bool, fn func(Inet)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if s, err := ParseInetLine(sc.Bytes(), v6); err == nil {
			fn(s)
		}
	}
	return sc.Err()
}

// ParseInetLine parses one line of an inet table:
//
//	sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
func ParseInetLine(line []byte, v6 bool) (Inet, error) {
	var f [10][]byte
	n := 0
	for _, w := range bytes.Fields(line) {
		if n == len(f) {
			break
		}
		f[n] = w
		n++
	}
	if n < len(f) || len(f[0]) < 2 || f[0][len(f[0])-1] != ':' {
		return Inet{}, errLine
	}
	var s Inet
	var err error
	if s.Local, err = parseAddr(f[1], v6); err != nil {
		return s, err
	}
	if s.Remote, err = parseAddr(f[2], v6); err != nil {
		return s, err
	}
	if s.Inode, err = strconv.ParseUint(string(f[9]), 10, 64); err != nil {
		return s, errLine
	}
	return s, nil
}

// parseAddr parses ADDR:PORT in hex, the address being the kernel's
// 32-bit words each in host (little-endian) byte order.
func parseAddr(b []byte, v6 bool) (netip.AddrPort, error) {
	hexAddr, hexPort, ok := bytes.Cut(b, []byte(":"))
	n := 4
	if v6 {
		n = 16
	}
	if !ok || len(hexAddr) != 2*n {
		return netip.AddrPort{}, errLine
	}
	port, err := strconv.ParseUint(string(hexPort), 16, 16)
	if err != nil {
		return netip.AddrPort{}, errLine
	}
	var raw [16]byte
	for w := 0; w < n/4; w++ {
		v, err := strconv.ParseUint(string(hexAddr[8*w:8*w+8]), 16, 32)
		if err != nil {
			return netip.AddrPort{}, errLine
		}
		binary.LittleEndian.PutUint32(raw[4*w:], uint32(v))
	}
	a := netip.AddrFrom16(raw)
	if !v6 {
		a = netip.AddrFrom4([4]byte(raw[:4]))
	}
	return netip.AddrPortFrom(a, uint16(port)), nil
}

// Unix is a unix socket that has an address.
type Unix struct {
	Inode uint64
	// Path is the rest of the line after the inode column: the socket's
	// path, or its abstract name after '@', blanks included.
	Path string
}

// ReadUnix calls fn with each socket of the unix table at path (such as
// /proc/net/unix) that has an address, in table order. Its lines are
//
//	Num: RefCount Protocol Flags Type St Inode [Path]
func ReadUnix(path string, fn func(Unix)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if u, ok := parseUnixLine(sc.Bytes()); ok {
			fn(u)
		}
	}
	return sc.Err()
}

func parseUnixLine(line []byte) (Unix, bool) {
	rest := line
	var field []byte
	for i := 0; i < 7; i++ {
		rest = bytes.TrimLeft(rest, " \t")
		end := bytes.IndexAny(rest, " \t")
		if end < 0 {
			end = len(rest)
		}
		field, rest = rest[:end], rest[end:]
		if i == 0 && (len(field) < 2 || field[len(field)-1] != ':') {
			return Unix{}, false
		}
	}
	ino, err := strconv.ParseUint(string(field), 10, 64)
	path := bytes.TrimLeft(rest, " \t")
	if err != nil || len(path) == 0 {
		return Unix{}, false
	}
	return Unix{Inode: ino, Path: string(path)}, true
}
