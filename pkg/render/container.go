//go:build linux

package render

import "github.com/openfiles/openfiles/pkg/fdscan"

// shortIDLen is how much of a 64-digit container ID the table shows, as
// docker ps and crictl ps do.
const shortIDLen = 12

// ContainerText is the container a process is in, as the CONTAINER
// column (short) and the j field show it: "RUNTIME:ID", with the pod's
// UID after ";pod=" in the field, or "" for none. The table shortens a
// 64-digit ID to its first 12 digits and leaves the pod out.
func ContainerText(c fdscan.Container, short bool) string {
	if c.Runtime == "" {
		return ""
	}
	id := c.ID
	if short {
		if len(id) == 64 {
			id = id[:shortIDLen]
		}
		return c.Runtime + ":" + id
	}
	s := c.Runtime + ":" + id
	if c.Pod != "" {
		s += ";pod=" + c.Pod
	}
	return s
}
