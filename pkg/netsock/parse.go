//go:build linux

package netsock

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
)

// errLine is returned for a table line that does not parse.
var errLine = errors.New("malformed socket table line")

// fields splits a line on blanks without allocating more than the slice.
func fields(line []byte, n int, dst [][]byte) [][]byte {
	dst = dst[:0]
	i := 0
	for len(dst) < n {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i == len(line) {
			break
		}
		start := i
		for i < len(line) && line[i] != ' ' && line[i] != '\t' {
			i++
		}
		dst = append(dst, line[start:i])
	}
	return dst
}

// parseInetLine parses a line of tcp, udp, udplite, raw or icmp (v4 or v6):
//
//	sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
//
// The kernel writes the columns it reads in upper-case hex of fixed
// widths ("%08X:%04X %08X:%04X %02X %08X:%08X"): a line of other digits
// is not one of its, and its addresses are what LocalText and
// RemoteText give back.
func parseInetLine(line []byte, proto Proto, v6 bool) (Socket, error) {
	var buf [10][]byte
	f := fields(line, 10, buf[:0])
	if len(f) < 10 {
		return Socket{}, errLine
	}
	s := Socket{Proto: proto, IPv6: v6}
	var err error
	if s.Local, err = parseInetAddr(f[1], v6); err != nil {
		return s, err
	}
	if s.Remote, err = parseInetAddr(f[2], v6); err != nil {
		return s, err
	}
	st, ok := hexNumber(f[3], 8, true)
	if !ok {
		return s, fmt.Errorf("%w: state %q", errLine, f[3])
	}
	s.State = uint8(st)
	tx, rx, ok := bytes.Cut(f[4], []byte(":"))
	var okTx, okRx bool
	s.TxQueue, okTx = hexNumber(tx, 32, true)
	s.RxQueue, okRx = hexNumber(rx, 32, true)
	if !ok || !okTx || !okRx {
		return s, fmt.Errorf("%w: queues %q", errLine, f[4])
	}
	if s.Inode, err = strconv.ParseUint(string(f[9]), 10, 64); err != nil {
		return s, fmt.Errorf("%w: inode %q", errLine, f[9])
	}
	return s, nil
}

// parseInetAddr parses ADDR:PORT in hex, as the kernel writes them: the
// address is its 32-bit words, each in host byte order and 8 digits, the
// port 4 digits.
func parseInetAddr(b []byte, v6 bool) (netip.AddrPort, error) {
	i := bytes.IndexByte(b, ':')
	if i < 0 {
		return netip.AddrPort{}, fmt.Errorf("%w: address %q", errLine, b)
	}
	hexAddr, hexPort := b[:i], b[i+1:]
	port, ok := hexNumber(hexPort, 16, true)
	if !ok || len(hexPort) != 4 {
		return netip.AddrPort{}, fmt.Errorf("%w: port %q", errLine, hexPort)
	}
	n := 4
	if v6 {
		n = 16
	}
	if len(hexAddr) != 2*n {
		return netip.AddrPort{}, fmt.Errorf("%w: address %q", errLine, hexAddr)
	}
	var raw [16]byte
	for w := 0; w < n/4; w++ {
		v, ok := hexNumber(hexAddr[8*w:8*w+8], 32, true)
		if !ok {
			return netip.AddrPort{}, fmt.Errorf("%w: address %q", errLine, hexAddr)
		}
		binary.NativeEndian.PutUint32(raw[4*w:], uint32(v))
	}
	var a netip.Addr
	if v6 {
		a = netip.AddrFrom16(raw)
	} else {
		a = netip.AddrFrom4([4]byte(raw[:4]))
	}
	return netip.AddrPortFrom(a, uint16(port)), nil
}

// hexNumber parses b, one to bits/4 hex digits in the case the kernel
// writes them (upper for %X, lower for %p), as a number.
func hexNumber(b []byte, bits int, upper bool) (uint64, bool) {
	if len(b) == 0 || len(b) > bits/4 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case upper && 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		case !upper && 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		default:
			return 0, false
		}
		v = v<<4 | uint64(d)
	}
	return v, true
}

// parseUnixLine parses a line of /proc/net/unix:
//
//	Num RefCount Protocol Flags Type St Inode [Path]
//
// The path is the rest of the line, blanks included.
func parseUnixLine(line []byte) (Socket, error) {
	var s Socket
	path, err := parseUnixFields(line, &s)
	if err == nil && len(path) > 0 {
		s.Path = string(path)
	}
	return s, err
}

// parseUnixFields parses a line of /proc/net/unix into s but for the
// path, which it returns: a part of line.
func parseUnixFields(line []byte, s *Socket) ([]byte, error) {
	*s = Socket{Proto: ProtoUnix}
	var buf [7][]byte
	f := fields(line, 7, buf[:0])
	if len(f) < 7 {
		return nil, errLine
	}
	// The kernel writes "%pK: %08X %08X %08X %04X %02X %5lu", %pK in
	// lower case and as many digits as a pointer has: a line of other
	// widths or digits is not one of its, and Num's text is what
	// AddrText gives back.
	if f[0][len(f[0])-1] != ':' || len(f[1]) != 8 || len(f[2]) != 8 || len(f[3]) != 8 || len(f[4]) != 4 || len(f[5]) != 2 {
		return nil, fmt.Errorf("%w: %q", errLine, line)
	}
	num := f[0][:len(f[0])-1]
	addr, ok1 := hexNumber(num, 64, false)
	flags, ok2 := hexNumber(f[3], 32, true)
	typ, ok3 := hexNumber(f[4], 16, true)
	st, ok4 := hexNumber(f[5], 8, true)
	ino, err := strconv.ParseUint(string(f[6]), 10, 64)
	if !ok1 || !ok2 || !ok3 || !ok4 || err != nil {
		return nil, fmt.Errorf("%w: %q", errLine, line)
	}
	s.Addr, s.Flags, s.Type, s.State, s.Inode = addr, uint32(flags), uint16(typ), uint8(st), ino
	s.addrDigits = uint8(len(num))
	// The path starts one blank past the inode column; f[6] shares
	// line's array, so their capacities give its offset.
	rest := line[cap(line)-cap(f[6])+len(f[6]):]
	if len(rest) > 1 {
		return rest[1:], nil
	}
	return nil, nil
}

// parseNetlinkLine parses a line of /proc/net/netlink:
//
//	sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
func parseNetlinkLine(line []byte) (Socket, error) {
	var buf [10][]byte
	f := fields(line, 10, buf[:0])
	if len(f) < 10 {
		return Socket{}, errLine
	}
	eth, err1 := strconv.ParseUint(string(f[1]), 10, 16)
	ino, err2 := strconv.ParseUint(string(f[9]), 10, 64)
	if err1 != nil || err2 != nil {
		return Socket{}, fmt.Errorf("%w: %q", errLine, line)
	}
	return Socket{Proto: ProtoNetlink, Family: uint16(eth), Inode: ino}, nil
}

// parsePacketLine parses a line of /proc/net/packet:
//
//	sk RefCnt Type Proto Iface R Rmem User Inode
func parsePacketLine(line []byte) (Socket, error) {
	var buf [9][]byte
	f := fields(line, 9, buf[:0])
	if len(f) < 9 {
		return Socket{}, errLine
	}
	typ, err1 := strconv.ParseUint(string(f[2]), 10, 16)
	proto, err2 := strconv.ParseUint(string(f[3]), 16, 16)
	ino, err3 := strconv.ParseUint(string(f[8]), 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		return Socket{}, fmt.Errorf("%w: %q", errLine, line)
	}
	return Socket{Proto: ProtoPacket, Type: uint16(typ), Family: uint16(proto), Inode: ino}, nil
}
