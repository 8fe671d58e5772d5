//go:build linux

package main

import (
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/netsock"
	"github.com/openfiles/openfiles/pkg/render"
)

// otherOption applies the option letters lsof 4.95 has on Linux for
// less common needs (-M, -m, -N, -V, -X, -Z), and rejects the letters
// lsof does not know.
func (o *options) otherOption(c, sign byte, v *optValue) error {
	switch c {
	case 'M':
		// +M asks the portmapper for the RPC programs registered on the
		// ports listed. This lsof does not ask it: the names are those of
		// -M (the default).
	case 'X':
		if os.Getuid() != 0 {
			return usageError("illegal option character: X") // lsof offers -X to root only
		}
		o.skipInet = !o.skipInet
	case 'N':
		o.nfs = true
	case 'V':
		o.verbose = true
	case 'm':
		if sign == '-' {
			return usageError("-m not supported")
		}
		// +m m names a mount supplement file, which lsof reads for the
		// devices of mount points it cannot stat. This lsof has them from
		// mountinfo, never stats a mount point, and needs none.
		o.listMounts = v.missing()
	case 'Z':
		return usageError("-Z limited to SELinux")
	case 'T':
		return o.parseTCPInfo(v)
	case 'f':
		return o.parseFileFlags(sign, v)
	case 'e':
		return o.parseExempt(sign, v)
	case 'E':
		o.endpoints = endpointsShown
		if sign == '+' {
			o.endpoints = endpointsListed
		}
	default:
		return usageError("illegal option character: " + string(c))
	}
	return nil
}

// exemptFS is a file system given to -e or +e, whose files are not
// stat'ed: lsof's protection against one that blocks.
type exemptFS struct {
	path string
	sign byte // '-' or '+', for the note in NAME
}

// parseExempt reads -e and +e PATH: an absolute path, whose trailing
// slashes are dropped; that it is a mount point is checked against the
// mount table (checkExempt). A path given twice keeps its first sign.
func (o *options) parseExempt(sign byte, v *optValue) error {
	switch {
	case !v.ok:
		return usageError(`-e not followed by a file system path: "(null)"`)
	case !strings.HasPrefix(v.s, "/"):
		return usageError(`-e not followed by a file system path: "` + v.s + `"`)
	}
	path := strings.TrimRight(v.s, "/")
	if path == "" {
		path = "/"
	}
	for _, e := range o.exempt {
		if e.path == path {
			return nil
		}
	}
	o.exempt = append(o.exempt, exemptFS{path, sign})
	return nil
}

// checkExempt requires every -e path to be a mount point, as the mount
// table spells it.
func (o *options) checkExempt(mounts *fdscan.Mounts) error {
	for _, e := range o.exempt {
		found := false
		for _, m := range mounts.List() {
			found = found || m.Point == e.path
		}
		if !found {
			return usageError(`"-e ` + e.path + `" is not a mounted file system.`)
		}
	}
	return nil
}

// exemptedBy returns the -e or +e file system whose files path is among:
// of several, the one given last.
func (o *options) exemptedBy(path string) (exemptFS, bool) {
	for i := len(o.exempt) - 1; i >= 0; i-- {
		e := o.exempt[i]
		if e.path == "/" || path == e.path || strings.HasPrefix(path, e.path) && path[len(e.path)] == '/' {
			return e, true
		}
	}
	return exemptFS{}, false
}

// parseFileFlags reads -f and +f. Alone (or before what is read again as
// options) they say how names are meant: +f only file systems, -f only
// files. Followed by g or G, +f shows the open flags, by name or in
// hexadecimal, and -f hides them; Linux has no other file structure
// letters.
func (o *options) parseFileFlags(sign byte, v *optValue) error {
	if v.missing() {
		o.fileSys = fileSysFiles
		if sign == '+' {
			o.fileSys = fileSysOnly
		}
		return nil
	}
	for i := 0; i < len(v.s); i++ {
		c := v.s[i]
		switch {
		case c != 'g' && c != 'G':
			return usageError("unknown file struct option: " + v.s[i:i+1])
		case sign == '-':
			o.flags = render.FlagsHidden
		case c == 'g':
			o.flags = render.FlagsNames
		default:
			o.flags = render.FlagsHex
		}
	}
	return nil
}

// parseTCPInfo reads -T's letters, as lsof does on Linux: f, q and s in
// any order; -T alone, or followed by something that is read again as
// options, asks for no information at all.
func (o *options) parseTCPInfo(v *optValue) error {
	if v.missing() {
		o.tcpInfo = render.TCPInfoNone
		return nil
	}
	o.tcpInfo = render.TCPInfoNone
	for i := 0; i < len(v.s); i++ {
		switch v.s[i] {
		case 'f':
			o.tcpInfo |= render.TCPInfoFlags
		case 'q':
			o.tcpInfo |= render.TCPInfoQueues
		case 's':
			o.tcpInfo |= render.TCPInfoState
		default:
			return usageError("unsupported TCP/TPI info selection: " + v.s[i:i+1])
		}
	}
	if o.tcpInfo != render.TCPInfoNone {
		o.tcpInfo &^= render.TCPInfoNone
	}
	return nil
}

// writeMountList writes what lsof's +m writes, the mount supplement: each
// mount point once, in the order first mounted, with the device of the
// file system seen there (the last mounted) in hexadecimal.
func writeMountList(w io.Writer, mounts *fdscan.Mounts) error {
	top := map[string]uint64{}
	for _, m := range mounts.List() {
		top[m.Point] = m.Dev
	}
	var b []byte
	for _, m := range mounts.List() {
		dev, ok := top[m.Point]
		if !ok {
			continue
		}
		delete(top, m.Point)
		b = append(append(b, m.Point...), " 0x"...)
		b = append(strconv.AppendUint(b, dev, 16), '\n')
	}
	_, err := w.Write(b)
	return err
}

// skippedByX reports whether -X leaves socket s unidentified: lsof then
// reads no TCP, UDP, UDPLITE nor raw IPv6 table.
func skippedByX(s *netsock.Socket) bool {
	return s.Proto.Inet() || (s.Proto == netsock.ProtoRaw && s.IPv6)
}

// nfsDevices returns the devices of the NFS file systems mounted.
func nfsDevices(mounts *fdscan.Mounts) map[uint64]bool {
	devs := map[uint64]bool{}
	for _, m := range mounts.List() {
		if m.FSType == "nfs" || m.FSType == "nfs4" {
			devs[m.Dev] = true
		}
	}
	return devs
}

// writeMisses writes what -V says of the search items that found nothing,
// in lsof's order and words, on standard output after the listing, with
// the user's names escaped.
func (s *selection) writeMisses(w io.Writer, esc render.Escaper) {
	o := s.o
	for i := len(o.commands) - 1; i >= 0; i-- {
		if c := o.commands[i]; !c.found && c.re == nil {
			esc.Fprintf(w, "lsof: command not located: %s\n", c.text)
		}
	}
	for _, c := range o.commands {
		if !c.found && c.re != nil {
			esc.Fprintf(w, "lsof: no command found for regex: %s\n", regexText(c.text))
		}
	}
	if f := s.files; f != nil {
		for i := len(f.named) - 1; i >= 0; i-- {
			if it := f.named[i]; !it.found && (f.twin(it) == nil || !f.twin(it).found) {
				what := "file"
				if it.wholeFS {
					what = "file system"
				}
				esc.Fprintf(w, "lsof: no %s use located: %s\n", what, it.arg)
			}
		}
	}
	for i := len(o.inet) - 1; i >= 0; i-- {
		if sp := o.inet[i]; !sp.Found {
			if sp.Arg == "" || sp.Arg == "4" || sp.Arg == "6" {
				io.WriteString(w, "lsof: no Internet files located\n")
			} else {
				esc.Fprintf(w, "lsof: Internet address not located: %s\n", sp.Arg)
			}
		}
	}
	for _, name := range o.states.Unseen() {
		esc.Fprintf(w, "lsof: TCP state not located: %s\n", name)
	}
	if o.nfs && !s.nfsFound {
		io.WriteString(w, "lsof: no NFS files located\n")
	}
	said := map[int]bool{}
	for _, pid := range o.pidOrder {
		if !s.found[pid] && !said[pid] {
			said[pid] = true
			esc.Fprintf(w, "lsof: process ID not located: %d\n", pid)
		}
	}
	for _, g := range o.pgids {
		if !s.found[-g-1] {
			esc.Fprintf(w, "lsof: process group ID not located: %d\n", g)
		}
	}
}

// regexText is a -c /regex/ as lsof names it: without its slashes and
// modifiers.
func regexText(v string) string {
	end := len(v) - 1
	for end > 0 && v[end] != '/' {
		end--
	}
	if end <= 0 {
		return v
	}
	return v[1:end]
}
