//go:build linux

package fdscan

import (
	"strings"
)

// Container is what a process's cgroup says it runs in: a container of
// a runtime, or a systemd unit. The zero value means none is known.
type Container struct {
	// Runtime is "docker", "containerd", "cri-o", "cri" (a Kubernetes
	// pod's container whose runtime the path does not name), "podman",
	// "lxc" or "systemd".
	Runtime string
	// ID is the container's ID (64 hex digits for docker, containerd,
	// CRI-O and podman), its name for LXC, or the unit's name for
	// systemd ("nginx.service", "session-3.scope").
	ID string
	// Pod is the UID of the Kubernetes pod, where the path names one.
	Pod string
}

// ContainerOf reads the container of a process from the text of its
// cgroup file (Process.Cgroup): the unified hierarchy's line ("0::PATH")
// first, then each v1 hierarchy's. The path forms it knows:
//
//	/docker/ID                                    docker, cgroupfs driver
//	/system.slice/docker-ID.scope                 docker, systemd driver
//	/kubepods/CLASS/podUID/ID                     Kubernetes, cgroupfs driver
//	/kubepods.slice/.../kubepods-CLASS-podUID.slice/cri-containerd-ID.scope
//	                                              Kubernetes, systemd driver (also crio-ID, docker-ID)
//	/system.slice/containerd.service/NS:cri-containerd:ID   containerd's own (cgroup v2, systemd)
//	/machine.slice/libpod-ID.scope                podman; rootless under user@UID.service
//	/libpod_parent/libpod-ID                      podman, cgroupfs driver
//	/lxc.payload.NAME, /lxc/NAME                  LXC
//	/system.slice/UNIT.service, .../UNIT.scope    a systemd unit
//
// A process in a cgroup namespace of its own sees "0::/", and no
// container.
func ContainerOf(cgroup string) Container {
	var v1 []string
	for line := range strings.Lines(cgroup) {
		line = strings.TrimSuffix(line, "\n")
		_, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		ctl, path, ok := strings.Cut(rest, ":")
		if !ok {
			continue
		}
		if ctl == "" {
			if c := containerOfPath(path); c.Runtime != "" {
				return c
			}
			continue
		}
		v1 = append(v1, path)
	}
	// A v1 hierarchy: the container runtimes put each container in a
	// cgroup of every controller; the first that names one will do.
	var unit Container
	for _, path := range v1 {
		c := containerOfPath(path)
		switch {
		case c.Runtime == "systemd":
			if unit.Runtime == "" {
				unit = c
			}
		case c.Runtime != "":
			return c
		}
	}
	return unit
}

// containerOfPath reads a container from one cgroup path.
func containerOfPath(path string) Container {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	var pod string
	for _, p := range parts {
		if uid, ok := podUID(p); ok {
			pod = uid
		}
	}
	// The innermost component that names a container wins: a
	// container's own cgroup is below its pod's and its runtime's.
	for i := len(parts) - 1; i >= 0; i-- {
		p := parts[i]
		if c, ok := scopeContainer(p); ok {
			c.Pod = pod
			return c
		}
		if isContainerID(p) && i > 0 {
			switch parent := parts[i-1]; {
			case parent == "docker":
				return Container{Runtime: "docker", ID: p}
			case pod != "":
				return Container{Runtime: "cri", ID: p, Pod: pod}
			case parent == "libpod_parent":
				return Container{Runtime: "podman", ID: p}
			}
		}
		if name, ok := strings.CutPrefix(p, "lxc.payload."); ok && name != "" {
			return Container{Runtime: "lxc", ID: name}
		}
		if i == 1 && parts[0] == "lxc" {
			return Container{Runtime: "lxc", ID: p}
		}
	}
	// No container: the innermost systemd unit that is not a slice,
	// nor the user manager holding a user's units.
	for i := len(parts) - 1; i >= 0; i-- {
		p := parts[i]
		if strings.HasSuffix(p, ".service") || strings.HasSuffix(p, ".scope") || strings.HasSuffix(p, ".socket") ||
			strings.HasSuffix(p, ".mount") || strings.HasSuffix(p, ".swap") {
			if strings.HasPrefix(p, "user@") && i < len(parts)-1 {
				continue
			}
			return Container{Runtime: "systemd", ID: p}
		}
	}
	return Container{}
}

// scopeRuntimes are the prefixes of the systemd scopes (and, for
// podman's cgroupfs driver, the directories) the runtimes put a
// container in, with the runtime each names.
var scopeRuntimes = []struct{ prefix, runtime string }{
	{"docker-", "docker"},
	{"cri-containerd-", "containerd"},
	{"crio-", "cri-o"},
	{"libpod-", "podman"},
}

// scopeContainer reads "docker-ID.scope" and its kin, and containerd's
// "NAMESPACE:cri-containerd:ID" (its own cgroup v2 layout under
// containerd.service).
func scopeContainer(p string) (Container, bool) {
	if f := strings.Split(p, ":"); len(f) == 3 && isContainerID(f[2]) {
		return Container{Runtime: "containerd", ID: f[2]}, true
	}
	name := strings.TrimSuffix(p, ".scope")
	for _, s := range scopeRuntimes {
		id, ok := strings.CutPrefix(name, s.prefix)
		if ok && isContainerID(id) {
			return Container{Runtime: s.runtime, ID: id}, true
		}
	}
	return Container{}, false
}

// podUID reads a pod's UID from "podUID" (cgroupfs driver, dashes) or
// "kubepods-CLASS-podUID.slice" (systemd driver, underscores for the
// dashes).
func podUID(p string) (string, bool) {
	if s, ok := strings.CutSuffix(p, ".slice"); ok {
		i := strings.LastIndex(s, "-pod")
		if i < 0 || !strings.HasPrefix(s, "kubepods") {
			return "", false
		}
		uid := strings.ReplaceAll(s[i+len("-pod"):], "_", "-")
		return uid, isUID(uid)
	}
	uid, ok := strings.CutPrefix(p, "pod")
	return uid, ok && isUID(uid)
}

// isContainerID reports whether s is 64 lowercase hex digits.
func isContainerID(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

// isUID reports whether s is a UUID: 8-4-4-4-12 hex digits.
func isUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isHex(s[i]) {
				return false
			}
		}
	}
	return true
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' }
