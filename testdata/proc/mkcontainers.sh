#!/usr/bin/env bash
# Builds testdata/proc/containers, a fake /proc tree of processes in the
# cgroups each container runtime makes (see fdscan.ContainerOf), some in
# network namespaces of their own, and containers.stat. Run from
# testdata/proc; the output is committed, so the tests never run this.
set -euo pipefail
cd "$(dirname "$0")"
rm -rf containers
mkdir containers
cd containers

: >../containers.stat
echo '# Stat results of the fixture'"'"'s link targets; see fdscan.LoadStatTable.' >>../containers.stat
proc() { # PID COMM NETNS CGROUP...
	local pid=$1 comm=$2 netns=$3
	shift 3
	mkdir -p "$pid/fd" "$pid/fdinfo" "$pid/ns"
	printf '%s (%s) S 1 %s 0 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0\n' "$pid" "$comm" "$pid" >"$pid/stat"
	printf 'Name:\t%s\nUmask:\t0022\nState:\tS\nTgid:\t%s\nPid:\t%s\nPPid:\t1\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n' \
		"$comm" "$pid" "$pid" >"$pid/status"
	: >"$pid/maps"
	ln -s / "$pid/cwd"
	ln -s / "$pid/root"
	ln -s "/usr/bin/$comm" "$pid/exe"
	ln -s "net:[$netns]" "$pid/ns/net"
	printf '%s\n' "$@" >"$pid/cgroup"
	cat >>../containers.stat <<STAT
$pid/cwd mode=040755 dev=254,0 size=4096 ino=2 nlink=18
$pid/root mode=040755 dev=254,0 size=4096 ino=2 nlink=18
$pid/exe mode=0100755 dev=254,0 size=1000 ino=$((5000 + pid)) nlink=1
STAT
}

id1=4f1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9
id2=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
id3=fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210
pod=5e0e1b7c-2f0a-4c77-9b0e-3a5c7d9e1f20
podu=${pod//-/_}
host=4026531840

proc 300 sshd $host '0::/system.slice/ssh.service'
proc 301 nginx 4026532301 "0::/system.slice/docker-$id1.scope"
proc 302 redis 4026532302 "12:pids:/docker/$id2" "4:memory:/docker/$id2" "1:name=systemd:/docker/$id2" '0::/'
proc 303 app 4026532303 "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod$podu.slice/cri-containerd-$id3.scope"
proc 304 pause 4026532303 "4:cpu,cpuacct:/kubepods/besteffort/pod$pod/$id1"
proc 305 crioapp 4026532305 "0::/kubepods.slice/kubepods-pod$podu.slice/crio-$id2.scope"
proc 306 podapp 4026532306 "0::/machine.slice/libpod-$id3.scope/container"
proc 307 rootless 4026532307 "0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-$id1.scope"
proc 308 lxcinit 4026532308 '0::/lxc.payload.web1/init.scope'
proc 309 bash $host '0::/user.slice/user-1000.slice/session-3.scope'
proc 310 ns-only $host '0::/'
cat >../containers.passwd <<'PASSWD'
root:x:0:0:root:/root:/bin/bash
PASSWD
