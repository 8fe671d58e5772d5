//go:build linux

package fdscan

// OwnFiles reports whether p's Files are its own, not its process's.
func OwnFiles(p *Process) bool { return p.ownFiles }

// ClearOwnFiles marks p's Files as not its own, for comparing copies.
func ClearOwnFiles(p *Process) { p.ownFiles = false }

// ParseMapsLine parses one line of /proc/PID/maps. It reports false for
// lines that map no file (anonymous memory, [heap], [stack] and the like,
// whose inode is 0) and for malformed lines.
func ParseMapsLine(line []byte) (Mapping, bool) {
	_, dev, ino, path, ok := parseMapsLine(line)
	if !ok {
		return Mapping{Dev: dev, Inode: ino}, false
	}
	return Mapping{Dev: dev, Inode: ino, Path: string(path)}, true
}
