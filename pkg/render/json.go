//go:build linux

package render

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/netip"
	"strconv"
	"unicode/utf8"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/join"
	"github.com/openfiles/openfiles/pkg/netsock"
	"golang.org/x/sys/unix"
)

// JSONFile is one open file in --json output: lsof's columns as typed
// fields, plus what lsof's table leaves out. Fields that do not apply to
// a file are omitted.
type JSONFile struct {
	Command string      `json:"command"`
	PID     int         `json:"pid"`
	TID     int         `json:"tid,omitempty"`
	TaskCmd string      `json:"task_command,omitempty"`
	PPID    int         `json:"ppid"`
	PGID    int         `json:"pgid"`
	UID     uint32      `json:"uid"`
	User    string      `json:"user"`
	FD      string      `json:"fd"`                  // as lsof's FD column, without mode and lock
	FDNum   *int        `json:"fd_number,omitempty"` // for descriptors
	Mode    string      `json:"mode,omitempty"`      // "r", "w" or "u"
	Lock    string      `json:"lock,omitempty"`
	Type    string      `json:"type"`
	Device  string      `json:"device,omitempty"` // as lsof's DEVICE column
	Major   *int        `json:"major,omitempty"`
	Minor   *int        `json:"minor,omitempty"`
	Size    *int64      `json:"size,omitempty"`
	Offset  *int64      `json:"offset,omitempty"`
	Inode   uint64      `json:"inode,omitempty"`
	Node    string      `json:"node,omitempty"` // as lsof's NODE column ("TCP" for TCP sockets)
	Name    string      `json:"name"`           // as lsof's NAME column, before escaping
	NameB64 string      `json:"name_base64,omitempty"`
	Links   *uint64     `json:"links,omitempty"`
	Flags   *uint32     `json:"open_flags,omitempty"`
	MountID *int        `json:"mount_id,omitempty"`
	Deleted bool        `json:"deleted,omitempty"`
	Error   string      `json:"error,omitempty"`
	NetNS   uint64      `json:"netns,omitempty"`
	Socket  *JSONSocket `json:"socket,omitempty"`
	// Container is the process's, from its cgroup, where it is read
	// (lsof --container) and names one.
	Container *JSONContainer `json:"container,omitempty"`
}

// JSONContainer is the container, or systemd unit, a process is in.
type JSONContainer struct {
	Runtime string `json:"runtime"`       // docker, containerd, cri-o, cri, podman, lxc, systemd
	ID      string `json:"id"`            // the full ID, or the unit's name
	Pod     string `json:"pod,omitempty"` // the Kubernetes pod's UID
}

// JSONSocket details a socket found in the socket tables.
type JSONSocket struct {
	Protocol string        `json:"protocol"` // TCP, UDP, UDPLITE, RAW, ICMP, UNIX, NETLINK, PACKET
	Family   string        `json:"family,omitempty"`
	Local    *JSONEndpoint `json:"local,omitempty"`
	Remote   *JSONEndpoint `json:"remote,omitempty"`
	State    string        `json:"state,omitempty"`
	Path     string        `json:"path,omitempty"`
	Type     string        `json:"type,omitempty"`
}

// JSONEndpoint is one end of an Internet socket.
type JSONEndpoint struct {
	Address string `json:"address"`
	Port    uint16 `json:"port"`
	Host    string `json:"host,omitempty"`
	Service string `json:"service,omitempty"`
}

// JSONWriter writes one JSON object per line for each file, as the files
// arrive: nothing is held back, so output streams.
type JSONWriter struct {
	bw      *bufio.Writer
	enc     *json.Encoder // writes into line
	line    bytes.Buffer
	scratch []byte
}

// NewJSONWriter returns a writer to w.
func NewJSONWriter(w io.Writer) *JSONWriter {
	j := &JSONWriter{bw: bufio.NewWriterSize(w, 64<<10)}
	j.enc = json.NewEncoder(&j.line)
	j.enc.SetEscapeHTML(false)
	return j
}

// Write writes entry e.
func (j *JSONWriter) Write(e *join.Entry) error {
	j.line.Reset()
	if err := j.enc.Encode(j.record(e)); err != nil {
		return err
	}
	j.scratch = AppendJSONControls(j.scratch[:0], j.line.Bytes())
	_, err := j.bw.Write(j.scratch)
	return err
}

// AppendJSONControls appends JSON text src to dst with DEL and the C1
// controls (U+0080 to U+009F) escaped as \u00XX. encoding/json leaves
// them as they are, and a terminal obeys them as it does the C0 ones.
func AppendJSONControls(dst, src []byte) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == 0x7f:
			dst = append(dst, `\u007f`...)
		case c == 0xc2 && i+1 < len(src) && src[i+1] >= 0x80 && src[i+1] <= 0x9f:
			// Outside strings JSON is ASCII, so this is in one.
			i++
			dst = append(dst, '\\', 'u', '0', '0', hex[src[i]>>4], hex[src[i]&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// Flush writes out what is buffered.
func (j *JSONWriter) Flush() error { return j.bw.Flush() }

func (j *JSONWriter) record(e *join.Entry) *JSONFile {
	p, f, sock := e.Process, e.File, e.Socket
	r := &JSONFile{
		Command: p.Command, PID: p.PID, TID: p.TID, TaskCmd: p.TaskCommand,
		PPID: p.PPID, PGID: p.PGID, UID: p.UID, User: userName(e),
		FD: FD(f), Type: Type(f), Device: Device(f), Node: Node(f), NetNS: p.NetNS,
	}
	if p.Cgroup != "" {
		if c := fdscan.ContainerOf(p.Cgroup); c.Runtime != "" {
			r.Container = &JSONContainer{Runtime: c.Runtime, ID: c.ID, Pod: c.Pod}
		}
	}
	if f.Kind == fdscan.KindFD {
		n := f.FD
		r.FDNum = &n
	}
	if m := Mode(f); m != ' ' && m != '-' {
		r.Mode = string(m)
	}
	if f.Lock != 0 {
		r.Lock = string(f.Lock)
	}
	if f.Err != nil {
		r.Error = f.Err.Op + ": " + Strerror(f.Err.Err)
	}
	if !unreadable(f) {
		r.Inode = f.Inode
		if r.Device != "" {
			d := f.Dev
			if f.Type == fdscan.TypeChr || f.Type == fdscan.TypeBlk {
				d = f.Rdev
			}
			major, minor := int(unix.Major(d)), int(unix.Minor(d))
			r.Major, r.Minor = &major, &minor
		}
	}
	if f.Err == nil && f.Kind != fdscan.KindDel && f.PathInode == 0 {
		size, links := f.Size, f.NLink
		r.Size, r.Links = &size, &links
		r.Deleted = f.NLink == 0 && f.Type == fdscan.TypeReg
	}
	if f.HasPos {
		pos := f.Pos
		r.Offset = &pos
	}
	if f.HasFlags {
		flags, mnt := f.Flags, f.MntID
		r.Flags, r.MountID = &flags, &mnt
	}
	var name string
	if sock != nil {
		c := SocketColumns(e)
		r.Type, r.Device, r.Node, name = c.Type, c.Device, c.Node, c.Name()
		r.Socket = j.socket(e)
		r.Major, r.Minor, r.Size = nil, nil, nil
	} else {
		name = Name(e)
	}
	r.Name = name
	if !utf8.ValidString(name) {
		r.Name = Escaper{UTF8: true}.String(name)
		r.NameB64 = base64.StdEncoding.EncodeToString([]byte(name))
	}
	return r
}

func (j *JSONWriter) socket(e *join.Entry) *JSONSocket {
	s := e.Socket
	js := &JSONSocket{Protocol: s.Proto.String()}
	switch s.Proto {
	case netsock.ProtoTCP, netsock.ProtoUDP, netsock.ProtoUDPLite, netsock.ProtoRaw, netsock.ProtoICMP:
		js.Family = "IPv4"
		if s.IPv6 {
			js.Family = "IPv6"
		}
		if s.Proto == netsock.ProtoTCP {
			js.State, _ = name(tcpStates[:], int(s.State))
		}
		js.Local = endpoint(s.Local, e.Local)
		if !s.Remote.Addr().IsUnspecified() || s.Remote.Port() != 0 {
			js.Remote = endpoint(s.Remote, e.Remote)
		}
	case netsock.ProtoUnix:
		js.Path = s.Path
		js.Type, _ = name(socketTypes[:], int(s.Type))
		js.State, _ = name(unixStates[:], int(s.State))
		if s.Flags&soAcceptCon != 0 {
			js.State = "LISTEN"
		}
	case netsock.ProtoNetlink:
		js.Type, _ = name(netlinkNames[:], int(s.Family))
	case netsock.ProtoPacket:
		js.Type, _ = name(socketTypes[:], int(s.Type))
	}
	return js
}

func endpoint(ap netip.AddrPort, n join.Names) *JSONEndpoint {
	return &JSONEndpoint{Address: ap.Addr().Unmap().String(), Port: ap.Port(), Host: n.Host, Service: n.Service}
}

// userName is the login name of e's user, or its number when it has none.
func userName(e *join.Entry) string {
	if e.User != "" {
		return e.User
	}
	return strconv.FormatUint(uint64(e.Process.UID), 10)
}
