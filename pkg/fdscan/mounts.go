//go:build linux

package fdscan

import (
	"bytes"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Mount is one mount of a mount namespace: a line of mountinfo.
type Mount struct {
	ID     int
	Dev    uint64 // the device its files have as st_dev
	Root   string // the directory of the file system mounted ("/" unless a bind mount of part of it)
	Point  string // where it is mounted, unescaped
	FSType string
	Source string
}

// MayStall reports whether stats and lookups on the mount's file system
// can wait on a server or daemon that may stop answering: FUSE, NFS,
// CIFS and the like.
func (m *Mount) MayStall() bool {
	for _, t := range stallingTypes {
		if m.FSType == t || strings.HasPrefix(m.FSType, t+".") {
			return true
		}
	}
	return false
}

// stallingTypes are the file systems whose operations can block for as
// long as a server or daemon does not answer.
// autofs waits on its automount daemon.
var stallingTypes = []string{"autofs", "fuse", "fuseblk", "nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "ceph", "glusterfs", "lustre", "afs", "davfs", "ncpfs", "coda"}

// Mounts is the mount table of one mount namespace, as its mountinfo
// lists it. The zero value is an empty table.
type Mounts struct {
	list  []*Mount // in mountinfo's order: a later mount may cover an earlier one
	byID  map[int]*Mount
	stall bool // some mount may stall
	// mqueue holds the devices of the mqueue file systems mounted: their
	// files are message queues, as lsof tells them (PSXMQ).
	mqueue []uint64
}

// ReadMounts reads the mount table of the mount namespace of process
// pid ("self" for ours) under the proc root.
func ReadMounts(procRoot, pid string) (*Mounts, error) {
	return LoadMounts(filepath.Join(procRoot, pid, "mountinfo"))
}

// ParseMountinfo parses the text of a mountinfo file. Lines that are not
// well formed are left out.
func ParseMountinfo(b []byte) *Mounts {
	t := &Mounts{byID: map[int]*Mount{}}
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte("\n"))
		if m, ok := parseMountinfoLine(string(line)); ok {
			t.list = append(t.list, m)
			t.byID[m.ID] = m
			t.stall = t.stall || m.MayStall()
			if m.FSType == "mqueue" {
				t.mqueue = append(t.mqueue, m.Dev)
			}
		}
	}
	return t
}

// parseMountinfoLine parses
// "ID PARENT MAJ:MIN ROOT POINT OPTIONS [TAGS...] - FSTYPE SOURCE SUPER".
func parseMountinfoLine(line string) (*Mount, bool) {
	pre, post, ok := strings.Cut(line, " - ")
	f, g := strings.Fields(pre), strings.Fields(post)
	if !ok || len(f) < 5 || len(g) < 1 {
		return nil, false
	}
	id, err := strconv.Atoi(f[0])
	major, minor, ok := strings.Cut(f[2], ":")
	a, err1 := strconv.ParseUint(major, 10, 32)
	c, err2 := strconv.ParseUint(minor, 10, 32)
	if err != nil || !ok || err1 != nil || err2 != nil {
		return nil, false
	}
	m := &Mount{ID: id, Dev: unix.Mkdev(uint32(a), uint32(c)), Root: unescapeMount(f[3]), Point: unescapeMount(f[4]), FSType: g[0]}
	if len(g) > 1 {
		m.Source = unescapeMount(g[1])
	}
	return m, true
}

// unescapeMount undoes the octal escapes (\040 for a blank, \011, \012,
// \134) the kernel writes in the paths of mountinfo and mounts.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
			b = append(b, (s[i+1]-'0')<<6|(s[i+2]-'0')<<3|(s[i+3]-'0'))
			i += 3
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

// List returns the mounts in mountinfo's order.
func (t *Mounts) List() []*Mount { return t.list }

// ByID returns the mount with ID id, or nil.
func (t *Mounts) ByID(id int) *Mount { return t.byID[id] }

// HasDev reports whether a file system on device dev is mounted.
func (t *Mounts) HasDev(dev uint64) bool {
	for _, m := range t.list {
		if m.Dev == dev {
			return true
		}
	}
	return false
}

// MayStall reports whether any mount may stall.
func (t *Mounts) MayStall() bool { return t.stall }

// IsMQueue reports whether dev is the device of a mounted mqueue file
// system.
func (t *Mounts) IsMQueue(dev uint64) bool { return slices.Contains(t.mqueue, dev) }

// Holding returns the mount whose file system holds path, judged by the
// text of the path alone (no lookup): the one with the longest mount
// point path is under, the last listed of those mounted on one point.
// It returns nil for a relative path or when no mount holds it.
func (t *Mounts) Holding(path string) *Mount {
	var best *Mount
	for _, m := range t.list {
		under := path == m.Point || m.Point == "/" || strings.HasPrefix(path, m.Point+"/")
		if under && (best == nil || len(m.Point) >= len(best.Point)) {
			best = m
		}
	}
	return best
}

// Crosses reports whether a lookup of path, taken by its text, passes
// through or ends on a mount that may stall.
func (t *Mounts) Crosses(path string) bool {
	if !t.stall {
		return false
	}
	for _, m := range t.list {
		if m.MayStall() && (path == m.Point || m.Point == "/" || strings.HasPrefix(path, m.Point+"/")) {
			return true
		}
	}
	return false
}
