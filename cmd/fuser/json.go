//go:build linux

package main

import (
	"encoding/json"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/render"
)

// jsonName is one NAME of --json's output and what was found for it.
type jsonName struct {
	Name      string        `json:"name"`
	Space     string        `json:"space"` // file, tcp or udp
	Processes []jsonProcess `json:"processes"`
	// Kernel lists the kernel's own uses: a mount point on the name (or,
	// with -m, on its file system), swap space, an NFS export.
	Kernel []jsonKernel `json:"kernel,omitempty"`
}

// jsonProcess is one process using a name.
type jsonProcess struct {
	PID  int    `json:"pid"`
	UID  uint32 `json:"uid"` // the owner of /proc/PID, as psmisc shows it
	User string `json:"user,omitempty"`
	// Command is the name as psmisc prints it: unprintable bytes as
	// octal escapes, so always ASCII; "" when it could not be read.
	Command string `json:"command"`
	// Access holds the letters of -v's ACCESS column that apply, in its
	// order: f (open file) or F (open for writing), r (root directory),
	// c (working directory), e (program), m (mapped).
	Access string `json:"access"`
	// Signalled is set with -k: whether the process was signalled
	// (with --dry-run, would have been).
	Signalled *bool `json:"signalled,omitempty"`
	// NetNS is the inode of the process's network namespace, where its
	// socket for a port name is in one not ours.
	NetNS uint64 `json:"netns,omitempty"`
}

// jsonKernel is a use of a name by the kernel.
type jsonKernel struct {
	Use  string `json:"use"`  // mount, swap or knfsd
	Path string `json:"path"` // the mount point, swap file or export
}

// writeJSON prints the names and what was found for each as a JSON
// array on standard output, one name to a line. Names -M took off are
// left out; the others are all there, found or not.
func (f *fuser) writeJSON(users fdscan.Users) {
	w := f.out.out()
	w.WriteString("[")
	first := true
	for _, n := range f.names {
		if n.removed {
			continue
		}
		jn := jsonName{Name: n.text, Space: [...]string{spaceFile: "file", spaceTCP: "tcp", spaceUDP: "udp"}[n.space], Processes: []jsonProcess{}}
		for _, m := range n.procs {
			switch m.kind {
			case procNormal:
				p := jsonProcess{PID: m.pid, UID: m.uid, Command: m.command, Access: m.access.JSON()}
				if name, ok := users.Lookup(m.uid); ok {
					p.User = name
				}
				if f.kill {
					p.Signalled = &m.signalled
				}
				if f.otherNetNS(m) {
					p.NetNS = m.netns
				}
				jn.Processes = append(jn.Processes, p)
			default:
				use := map[procType]string{procMount: "mount", procSwap: "swap", procKnfsd: "knfsd"}[m.kind]
				jn.Kernel = append(jn.Kernel, jsonKernel{Use: use, Path: m.command})
			}
		}
		b, err := json.Marshal(jn)
		if err != nil {
			panic(err) // plain strings and numbers always marshal
		}
		if !first {
			w.WriteByte(',')
		}
		first = false
		w.WriteByte('\n')
		w.Write(render.AppendJSONControls(nil, b))
	}
	w.WriteString("\n]\n")
}
