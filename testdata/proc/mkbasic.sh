#!/usr/bin/env bash
# Builds testdata/proc/basic, a fake /proc tree, and basic.stat, the stat
# results of the files its links point to. Run from testdata/proc; the
# output is committed, so the tests never run this.
set -euo pipefail
cd "$(dirname "$0")"
rm -rf basic
mkdir basic
cd basic

proc() { # PID COMM STATE PPID PGID UID
	mkdir -p "$1/fd" "$1/fdinfo"
	printf '%s (%s) %s %s %s 0 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0\n' "$1" "$2" "$3" "$4" "$5" >"$1/stat"
	printf 'Name:\t%s\nUmask:\t0022\nState:\t%s\nTgid:\t%s\nPid:\t%s\nPPid:\t%s\nUid:\t%s\t%s\t%s\t%s\nGid:\t0\t0\t0\t0\n' \
		"$2" "$3" "$1" "$1" "$4" "$6" "$6" "$6" "$6" >"$1/status"
	: >"$1/maps"
}
fd() { # DIR N TARGET FLAGS POS [EXTRA], on the mount $MNT (21, the root's, unless set)
	ln -s "$3" "$1/fd/$2"
	printf 'pos:\t%s\nflags:\t%s\nmnt_id:\t%s\nino:\t0\n%b' "$5" "$4" "${MNT:-21}" "${6:-}" >"$1/fdinfo/$2"
}

# Our own mount table: the root, proc, a tmpfs whose files +e exempts and
# an NFS export whose server no longer knows a file held open.
mkdir self
cat >self/mountinfo <<'MOUNTS'
21 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
22 21 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
25 21 0:39 / /var/cache rw,relatime shared:7 - tmpfs tmpfs rw
26 21 0:40 / /mnt/nfs rw,relatime shared:8 - nfs4 files:/export rw,vers=4.2,addr=10.0.0.2
MOUNTS

# PID 1: everything refuses readlink, as PID 1 does on the CI machine.
proc 1 process_a S 0 1 0
fd 1 0 /dev/null 0100000 0
fd 1 1 /dev/null 0100001 0

# PID 2: a kernel thread, with no program text and no descriptors.
proc 2 kthreadd S 0 0 0
ln -s / 2/cwd
ln -s / 2/root

# PID 100: a server with one descriptor of every kind, and a second task.
proc 100 server S 1 100 1000
# Three tasks, 100, 105 and 106 (below), in its stat's num_threads.
sed -i 's/ 20 0 1 0 100 / 20 0 3 0 100 /' 100/stat
ln -s /srv 100/cwd
ln -s / 100/root
ln -s /usr/bin/server 100/exe
cat >100/maps <<'MAPS'
55d0c0a00000-55d0c0a20000 r--p 00000000 fe:00 1001                       /usr/bin/server
55d0c0a20000-55d0c0a80000 r-xp 00020000 fe:00 1001                       /usr/bin/server
55d0c1a00000-55d0c1a21000 rw-p 00000000 00:00 0                          [heap]
7f1c2a000000-7f1c2a028000 r--p 00000000 fe:00 1002                       /usr/lib/libc.so.6
7f1c2a028000-7f1c2a1bd000 r-xp 00028000 fe:00 1002                       /usr/lib/libc.so.6
7f1c2a200000-7f1c2a300000 r--s 00000000 fe:00 1003                       /var/cache/old.idx (deleted)
7f1c2a300000-7f1c2a400000 r--s 00000000 fe:00 1004                       /var/cache/replaced.idx
7f1c2a400000-7f1c2a500000 r--s 00000000 fe:00 1005                       /var/cache/gone.idx
7f1c2a500000-7f1c2a600000 rw-s 00000000 00:01 2048                       /memfd:shm (deleted)
7ffc1e000000-7ffc1e021000 rw-p 00000000 00:00 0                          [stack]
MAPS
fd 100 0 /dev/null 0100000 0
fd 100 1 /var/log/server.log 0102001 0
fd 100 2 'pipe:[5000]' 01 0
fd 100 3 'socket:[6000]' 02 0
fd 100 4 'anon_inode:[eventfd]' 02004002 0 'eventfd-count:\t0\neventfd-id: 17\n'
fd 100 5 'anon_inode:[eventpoll]' 02000002 0 'tfd:        9 events:       19 data: 0\ntfd:        4 events:       19 data: 0\n'
fd 100 6 'anon_inode:[pidfd]' 02000002 0 'Pid:\t2\nNSpid:\t2\n'
fd 100 7 'anon_inode:inotify' 02000000 0
fd 100 8 '/memfd:cache (deleted)' 02100002 99
fd 100 9 '/data/old.db (deleted)' 0100002 4096
fd 100 10 $'/data/we\nird' 0100000 0
fd 100 11 $'/data/\033[31mred' 0100000 0
fd 100 12 $'/data/caf\xc3\xa9' 0100000 0
fd 100 13 /srv 0200000 0
fd 100 14 /data/locked.db 0100002 0
fd 100 15 /dev/zero 0100000 123456789
fd 100 16 /data/opath 010000000 0
# A file the NFS server has lost (stat: ESTALE), and a pty master whose
# slave is /dev/pts/3.
MNT=26 fd 100 17 /mnt/nfs/stale.log 0100000 0
fd 100 18 /dev/ptmx 0102 0 'tty-index:\t3\n'
fd 100 10001 /data/many 0100000 0

# Its descriptor limits, for --summary; the other processes have none
# to read, as for a process gone meanwhile.
cat >100/limits <<'LIMITS'
Limit                     Soft Limit           Hard Limit           Units     
Max cpu time              unlimited            unlimited            seconds   
Max open files            1024                 524288               files     
Max locked memory         8388608              8388608              bytes     
LIMITS

# PID 101: a zombie, which lsof leaves out.
proc 101 defunct Z 100 100 1000

# PID 102: a command name with a blank, a user with no login name, and a
# descriptor directory that cannot be read.
proc 102 'two words' S 1 102 4242
ln -s /tmp 102/cwd
ln -s / 102/root
ln -s /usr/bin/python3 102/exe

cat >locks <<'LOCKS'
1: POSIX  ADVISORY  READ 100 fe:00:3004 10 109
2: FLOCK  ADVISORY  WRITE 100 fe:00:2001 0 EOF
3: OFDLCK ADVISORY  WRITE -1 fe:00:3005 0 EOF
4: -> POSIX  ADVISORY  WRITE 102 fe:00:3004 0 EOF
LOCKS

cat >../basic.passwd <<'PASSWD'
root:x:0:0:root:/root:/bin/bash
alice:x:1000:1000:Alice:/home/alice:/bin/sh
PASSWD

cat >../basic.stat <<'STAT'
# Stat results of the fixture's link targets; see fdscan.LoadStatTable.
1/cwd readlink=1 err=EACCES
1/root readlink=1 err=EACCES
1/exe readlink=1 err=EACCES
1/fd/0 readlink=1 err=EACCES
1/fd/1 readlink=1 err=EACCES
2/cwd mode=040755 dev=254,0 size=4096 ino=2 nlink=18
2/root mode=040755 dev=254,0 size=4096 ino=2 nlink=18
2/exe readlink=1 err=ENOENT
100/cwd mode=040755 dev=254,0 size=4096 ino=2001 nlink=2
100/root mode=040755 dev=254,0 size=4096 ino=2 nlink=18
100/exe mode=0100755 dev=254,0 size=1265648 ino=1001 nlink=1
/usr/lib/libc.so.6 mode=0100755 dev=254,0 size=1926232 ino=1002 nlink=1
/var/cache/replaced.idx mode=0100644 dev=0,39 size=10 ino=7 nlink=1
100/fd/0 mode=020666 dev=0,5 rdev=1,3 ino=4 nlink=1
100/fd/1 mode=0100644 dev=254,0 size=52371 ino=3001 nlink=1
100/fd/2 mode=010600 dev=0,15 ino=5000 nlink=1
100/fd/3 mode=0140777 dev=0,8 ino=6000 nlink=1 proto=TCP
100/fd/4 mode=0600 dev=0,16 ino=1038 nlink=1
100/fd/5 mode=0600 dev=0,16 ino=1038 nlink=1
100/fd/6 mode=0600 dev=0,16 ino=1038 nlink=1
100/fd/7 mode=0600 dev=0,16 ino=1038 nlink=1
100/fd/8 mode=0100777 dev=0,1 size=99 ino=1025 nlink=0
100/fd/9 mode=0100644 dev=254,0 size=8192 ino=3002 nlink=0
100/fd/10 mode=0100644 dev=254,0 size=5 ino=3010 nlink=1
100/fd/11 mode=0100644 dev=254,0 size=5 ino=3011 nlink=1
100/fd/12 mode=0100644 dev=254,0 size=5 ino=3012 nlink=1
100/fd/13 mode=040755 dev=254,0 size=4096 ino=2001 nlink=2
100/fd/14 mode=0100644 dev=254,0 size=65536 ino=3004 nlink=1
100/fd/15 mode=020666 dev=0,5 rdev=1,5 ino=5 nlink=1
100/fd/16 mode=0100644 dev=254,0 size=0 ino=3006 nlink=1
100/fd/17 err=ESTALE
100/fd/18 mode=020666 dev=0,5 rdev=5,2 ino=87 nlink=1
100/fd/10001 mode=0100644 dev=254,0 size=1 ino=3007 nlink=1
102/cwd mode=041777 dev=254,0 size=4096 ino=12 nlink=9
102/root mode=040755 dev=254,0 size=4096 ino=2 nlink=18
102/exe mode=0100755 dev=254,0 size=6000 ino=1010 nlink=1
102/fd err=EACCES
STAT

# Socket tables of PID 100's network namespace, and the namespace link.
mkdir -p 100/ns 100/net
ln -s 'net:[4026531840]' 100/ns/net
H='  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'
T=' 00000000:00000000 00:00000000 00000000  1000        0'
{
	echo "$H"
	n=0
	# One socket in every TCP state, 01 to 0B; 6000 is fd 3's.
	for st in 0A 01 02 03 04 05 06 07 08 09 0B; do
		printf '%4d: 0100007F:1F90 0100007F:%04X %s%s %d 1 0000000000000000 20 4 30 10 -1\n' $n $((40000 + n)) $st "$T" $((6000 + n))
		n=$((n + 1))
	done
	printf '%4d: 00000000:0016 00000000:0000 0A%s 6100 1 0000000000000000 100 0 0 10 0\n' $n "$T"
} >100/net/tcp
{
	echo "$H"
	# [::]:8080 listening; an IPv4-mapped peer ::ffff:127.0.0.1; [::1]:443.
	printf '   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A%s 6200 1 0000000000000000 100 0 0 10 0\n' "$T"
	printf '   1: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:D431 01%s 6201 1 0000000000000000 20 4 30 10 -1\n' "$T"
	printf '   2: 00000000000000000000000001000000:01BB 00000000000000000000000001000000:A000 01%s 6202 1 0000000000000000 20 4 30 10 -1\n' "$T"
} >100/net/tcp6
{
	echo "$H"
	printf ' 100: 0100007F:0035 00000000:0000 07%s 6300 2 0000000000000000 0\n' "$T"
	printf ' 101: 0100007F:C000 0100007F:0035 01%s 6301 2 0000000000000000 0\n' "$T"
} >100/net/udp
{
	echo "$H"
	printf ' 200: 00000000000000000000000001000000:0202 00000000000000000000000000000000:0000 07%s 6400 2 0000000000000000 0\n' "$T"
} >100/net/udp6
{
	echo "$H"
	printf '  1: 00000000:0001 00000000:0000 07%s 6500 2 0000000000000000 0\n' "$T"
} >100/net/raw
{
	echo 'Num       RefCount Protocol Flags    Type St Inode Path'
	echo '0000000000000001: 00000002 00000000 00010000 0001 01 6600 /run/server.sock'
	echo '00000000000000a2: 00000003 00000000 00000000 0001 03 6601 /run/server.sock'
	echo '00000000000000b3: 00000002 00000000 00010000 0005 01 6602 @server-abstract'
	echo '00000000000000c4: 00000002 00000000 00000000 0002 01 6603 /run/with space.sock'
	echo '00000000000000d5: 00000003 00000000 00000000 0001 03 6604'
} >100/net/unix
{
	echo 'sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode'
	for eth in 0 4 9 15 16 31; do
		printf '%016x %-3d 100        00000000 0        0        0     2        0        %d\n' $((eth + 1)) $eth $((6700 + eth))
	done
} >100/net/netlink
{
	echo 'sk               RefCnt Type Proto  Iface R Rmem   User   Inode'
	echo '0000000000000001 3      3    0003   0     1 0      0      6800'
	echo '0000000000000002 3      2    0800   2     1 0      0      6801'
} >100/net/packet
# Descriptors for each kind of socket above.
n=20
for ino in 6200 6201 6202 6300 6301 6400 6500 6600 6601 6602 6603 6604 6700 6704 6709 6731 6800 6801 9999; do
	fd 100 $n "socket:[$ino]" 02 0
	printf '100/fd/%d mode=0140777 dev=0,8 ino=%d nlink=1 proto=UNKNOWN\n' $n $ino >>../basic.stat
	n=$((n + 1))
done

mkdir -p 100/task/105
for f in stat status; do cp "100/$f" "100/task/100/$f" 2>/dev/null || { mkdir -p 100/task/100; cp "100/$f" "100/task/100/$f"; }; done
# The second task, "worker", shares the process's files.
sed 's/(server)/(worker)/; s/^100 /105 /' 100/stat >100/task/105/stat
cp 100/status 100/task/105/status
cp -P 100/cwd 100/root 100/exe 100/maps 100/task/105/
cp -rP 100/ns 100/task/105/
cp -rP 100/fd 100/fdinfo 100/task/105/
# The task shares the process's stat results.
sed -n 's|^100/\([^ ]*\) |100/task/105/\1 |p' ../basic.stat >>../basic.stat.tmp
cat ../basic.stat.tmp >>../basic.stat && rm ../basic.stat.tmp
# The third, "loader", unshared its descriptor table (CLONE_FILES): it
# holds the process's first three descriptors and one file of its own.
mkdir -p 100/task/106/fd 100/task/106/fdinfo
sed 's/(server)/(loader)/; s/^100 /106 /' 100/stat >100/task/106/stat
cp 100/status 100/task/106/status
cp -P 100/cwd 100/root 100/exe 100/maps 100/task/106/
cp -rP 100/ns 100/task/106/
for n in 0 1 2; do
	cp -P "100/fd/$n" 100/task/106/fd/
	cp "100/fdinfo/$n" 100/task/106/fdinfo/
	sed -n "s|^100/fd/$n |100/task/106/fd/$n |p" ../basic.stat >>../basic.stat.tmp
done
for f in cwd root exe; do
	sed -n "s|^100/$f |100/task/106/$f |p" ../basic.stat >>../basic.stat.tmp
done
fd 100/task/106 7 /srv/loader.db 0100002 512
echo '100/task/106/fd/7 mode=0100600 dev=254,0 ino=5012 nlink=1 size=8192' >>../basic.stat.tmp
cat ../basic.stat.tmp >>../basic.stat && rm ../basic.stat.tmp
