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
func parseInetLine(line []byte, proto Proto, v6 bool) (Socket, error) {
	var buf [10][]byte
	f := fields(line, 10, buf[:0])
	if len(f) < 10 {
		return Socket{}, errLine
	}
	s := Socket{Proto: proto, IPv6: v6, LocalText: string(f[1]), RemoteText: string(f[2])}
	var err error
	if s.Local, err = parseInetAddr(f[1], v6); err != nil {
		return s, err
	}
	if s.Remote, err = parseInetAddr(f[2], v6); err != nil {
		return s, err
	}
	st, err := strconv.ParseUint(string(f[3]), 16, 8)
	if err != nil {
		return s, fmt.Errorf("%w: state %q", errLine, f[3])
	}
	s.State = uint8(st)
	tx, rx, ok := bytes.Cut(f[4], []byte(":"))
	if !ok {
		return s, fmt.Errorf("%w: queues %q", errLine, f[4])
	}
	if s.TxQueue, err = strconv.ParseUint(string(tx), 16, 64); err != nil {
		return s, fmt.Errorf("%w: queues %q", errLine, f[4])
	}
	if s.RxQueue, err = strconv.ParseUint(string(rx), 16, 64); err != nil {
		return s, fmt.Errorf("%w: queues %q", errLine, f[4])
	}
	if s.Inode, err = strconv.ParseUint(string(f[9]), 10, 64); err != nil {
		return s, fmt.Errorf("%w: inode %q", errLine, f[9])
	}
	return s, nil
}

// parseInetAddr parses ADDR:PORT in hex. The address is the kernel's
// 32-bit words, each in host byte order.
func parseInetAddr(b []byte, v6 bool) (netip.AddrPort, error) {
	i := bytes.IndexByte(b, ':')
	if i < 0 {
		return netip.AddrPort{}, fmt.Errorf("%w: address %q", errLine, b)
	}
	hexAddr, hexPort := b[:i], b[i+1:]
	port, err := strconv.ParseUint(string(hexPort), 16, 16)
	if err != nil {
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
		v, err := strconv.ParseUint(string(hexAddr[8*w:8*w+8]), 16, 32)
		if err != nil {
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

// parseUnixLine parses a line of /proc/net/unix:
//
//	Num RefCount Protocol Flags Type St Inode [Path]
//
// The path is the rest of the line, blanks included.
func parseUnixLine(line []byte) (Socket, error) {
	var buf [7][]byte
	f := fields(line, 7, buf[:0])
	if len(f) < 7 {
		return Socket{}, errLine
	}
	// The kernel writes "%pK: %08X %08X %08X %04X %02X %5lu": a line of
	// other widths is not one of its.
	if f[0][len(f[0])-1] != ':' || len(f[1]) != 8 || len(f[2]) != 8 || len(f[3]) != 8 || len(f[4]) != 4 || len(f[5]) != 2 {
		return Socket{}, fmt.Errorf("%w: %q", errLine, line)
	}
	s := Socket{Proto: ProtoUnix}
	num := f[0][:len(f[0])-1]
	addr, err1 := strconv.ParseUint(string(num), 16, 64)
	flags, err2 := strconv.ParseUint(string(f[3]), 16, 32)
	typ, err3 := strconv.ParseUint(string(f[4]), 16, 16)
	st, err4 := strconv.ParseUint(string(f[5]), 16, 8)
	ino, err5 := strconv.ParseUint(string(f[6]), 10, 64)
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return s, fmt.Errorf("%w: %q", errLine, line)
	}
	s.Addr, s.Flags, s.Type, s.State, s.Inode = addr, uint32(flags), uint16(typ), uint8(st), ino
	s.AddrText = string(num)
	// The path starts one blank past the inode column; f[6] shares
	// line's array, so their capacities give its offset.
	rest := line[cap(line)-cap(f[6])+len(f[6]):]
	if len(rest) > 1 {
		s.Path = string(rest[1:])
	}
	return s, nil
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
