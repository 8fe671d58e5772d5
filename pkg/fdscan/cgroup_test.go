//go:build linux

package fdscan

import "testing"

const (
	idA = "4f1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
	idB = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	pod = "5e0e1b7c-2f0a-4c77-9b0e-3a5c7d9e1f20"
)

func TestContainerOf(t *testing.T) {
	podU := "5e0e1b7c_2f0a_4c77_9b0e_3a5c7d9e1f20"
	tests := []struct {
		name, cgroup string
		want         Container
	}{
		{"docker cgroupfs v1", "12:pids:/docker/" + idA + "\n11:memory:/docker/" + idA + "\n1:name=systemd:/docker/" + idA + "\n",
			Container{"docker", idA, ""}},
		{"docker systemd v2", "0::/system.slice/docker-" + idA + ".scope\n", Container{"docker", idA, ""}},
		{"kubernetes containerd systemd", "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + podU + ".slice/cri-containerd-" + idB + ".scope\n",
			Container{"containerd", idB, pod}},
		{"kubernetes guaranteed systemd", "0::/kubepods.slice/kubepods-pod" + podU + ".slice/cri-containerd-" + idB + ".scope\n",
			Container{"containerd", idB, pod}},
		{"kubernetes cri-o", "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + podU + ".slice/crio-" + idA + ".scope\n",
			Container{"cri-o", idA, pod}},
		{"kubernetes docker systemd", "0::/kubepods.slice/kubepods-pod" + podU + ".slice/docker-" + idA + ".scope\n",
			Container{"docker", idA, pod}},
		{"kubernetes cgroupfs v1", "4:cpu,cpuacct:/kubepods/burstable/pod" + pod + "/" + idB + "\n", Container{"cri", idB, pod}},
		{"kubernetes pod sandbox cgroup only", "0::/kubepods/besteffort/pod" + pod + "\n", Container{}},
		{"containerd v2 own layout", "0::/system.slice/containerd.service/k8s.io:cri-containerd:" + idA + "\n", Container{"containerd", idA, ""}},
		{"podman rootful", "0::/machine.slice/libpod-" + idA + ".scope/container\n", Container{"podman", idA, ""}},
		{"podman rootless", "0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + idB + ".scope\n", Container{"podman", idB, ""}},
		{"podman cgroupfs", "0::/libpod_parent/libpod-" + idA + "\n", Container{"podman", idA, ""}},
		{"podman conmon is no container", "0::/machine.slice/libpod-conmon-" + idA + ".scope\n", Container{"systemd", "libpod-conmon-" + idA + ".scope", ""}},
		{"lxc", "0::/lxc.payload.web1/init.scope\n", Container{"lxc", "web1", ""}},
		{"lxc v1", "3:memory:/lxc/db\n", Container{"lxc", "db", ""}},
		{"systemd service", "0::/system.slice/nginx.service\n", Container{"systemd", "nginx.service", ""}},
		{"systemd user unit", "0::/user.slice/user-1000.slice/user@1000.service/app.slice/foot-server.service\n", Container{"systemd", "foot-server.service", ""}},
		{"systemd user manager", "0::/user.slice/user-1000.slice/user@1000.service/init.scope\n", Container{"systemd", "init.scope", ""}},
		{"systemd session", "0::/user.slice/user-1000.slice/session-3.scope\n", Container{"systemd", "session-3.scope", ""}},
		{"systemd v1 only in name=systemd", "5:memory:/\n1:name=systemd:/system.slice/cron.service\n0::/\n", Container{"systemd", "cron.service", ""}},
		{"own cgroup namespace", "0::/\n", Container{}},
		{"a 64-character name that is no ID", "0::/system.slice/docker-" + idA[:63] + "g.scope\n", Container{"systemd", "docker-" + idA[:63] + "g.scope", ""}},
		{"empty", "", Container{}},
		{"garbage", "no colons here\n::\n", Container{}},
	}
	for _, tt := range tests {
		if got := ContainerOf(tt.cgroup); got != tt.want {
			t.Errorf("%s: ContainerOf(%q): want %+v, got %+v", tt.name, tt.cgroup, tt.want, got)
		}
	}
}

func FuzzContainerOf(f *testing.F) {
	f.Add("0::/kubepods.slice/kubepods-pod5e0e1b7c_2f0a_4c77_9b0e_3a5c7d9e1f20.slice/cri-containerd-" + idB + ".scope\n")
	f.Add("1:name=systemd:/docker/" + idA + "\n")
	f.Fuzz(func(t *testing.T, s string) {
		c := ContainerOf(s)
		if c.Runtime == "" && (c.ID != "" || c.Pod != "") {
			t.Errorf("ContainerOf(%q) = %+v: an ID without a runtime", s, c)
		}
	})
}
