//go:build linux

package netsock

import "os"

// ReadTable calls fn with each socket of one table file, such as
// /proc/PID/net/tcp6 or /proc/PID/net/unix, in the order of its lines,
// without indexing them: it serves searches by address or path, which
// look at every socket once. proto says which table the file is, and v6
// whether it holds IPv6 addresses (ignored for unix, netlink and packet
// tables). The header, lines that do not parse and sockets with no
// inode (as in TIME_WAIT) are skipped. The Socket is only valid during
// the call. ReadTable fails only when the file cannot be read.
func ReadTable(path string, proto Proto, v6 bool, fn func(*Socket)) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	eachSocket(b, lineParser(proto, v6), fn)
	return nil
}
