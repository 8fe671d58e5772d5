//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/fdscan/fdscantest"
	"github.com/openfiles/openfiles/pkg/pathlookup"
)

// countingKernel is a fixture kernel that counts the reads of each
// process's ns/net link, by the process directory they were made in.
type countingKernel struct {
	fdscan.Kernel
	mu    sync.Mutex
	netns map[string]int
}

func (k *countingKernel) ReadlinkAt(dirfd int, name string, buf []byte) (int, error) {
	if name == "ns/net" || strings.HasSuffix(name, "/ns/net") {
		path := name
		if dirfd != unix.AT_FDCWD {
			dir, _ := os.Readlink("/proc/self/fd/" + strconv.Itoa(dirfd))
			path = filepath.Join(dir, name)
		}
		k.mu.Lock()
		k.netns[filepath.Dir(filepath.Dir(path))]++
		k.mu.Unlock()
	}
	return k.Kernel.ReadlinkAt(dirfd, name, buf)
}

// netnsProc is one process of the tree netnsTree makes: in network
// namespace netns, holding sockets of the inodes given; with noNet its
// net directory is missing, as when it cannot be read.
type netnsProc struct {
	pid     int
	netns   uint64
	sockets []uint64
	noNet   bool
}

// netnsTree makes a proc tree of processes in several network
// namespaces, each namespace's tables listing a TCP listener on port
// 8080 of inode listen[ns] and a connection of port 9000 of the inode
// after it. It returns the tree and the directory of our own
// namespace's tables, those of own.
func netnsTree(t testing.TB, own uint64, procs []netnsProc, listen map[uint64]uint64) (string, string, fdscantest.StatTable) {
	t.Helper()
	root := t.TempDir()
	stats := fdscantest.StatTable{}
	write := func(path, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, path string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, path); err != nil {
			t.Fatal(err)
		}
	}
	tables := func(dir string, ns uint64) {
		ino := listen[ns]
		write(filepath.Join(dir, "tcp"), "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"+
			fmt.Sprintf("   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 %d 1 0000000000000000 100 0 0 10 0\n", ino)+
			fmt.Sprintf("   1: 0100007F:2328 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 %d 1 0000000000000000 20 4 30 10 -1\n", ino+1))
		for _, name := range []string{"tcp6", "udp", "udp6"} {
			write(filepath.Join(dir, name), "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n")
		}
	}
	for _, p := range procs {
		dir := filepath.Join(root, strconv.Itoa(p.pid))
		write(filepath.Join(dir, "stat"), fmt.Sprintf("%d (srv%d) S 1 %d 0 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0\n", p.pid, p.pid, p.pid))
		write(filepath.Join(dir, "status"), fmt.Sprintf("Name:\tsrv%d\nUmask:\t0022\nState:\tS\nTgid:\t%d\nPid:\t%d\nPPid:\t1\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n", p.pid, p.pid, p.pid))
		write(filepath.Join(dir, "maps"), "")
		link(fmt.Sprintf("net:[%d]", p.netns), filepath.Join(dir, "ns", "net"))
		link("/", filepath.Join(dir, "cwd"))
		link("/", filepath.Join(dir, "root"))
		link("/usr/bin/srv", filepath.Join(dir, "exe"))
		link("/dev/null", filepath.Join(dir, "fd", "0"))
		for _, name := range []string{"cwd", "root"} {
			stats[strconv.Itoa(p.pid)+"/"+name] = fdscantest.StatEntry{Stat: unix.Stat_t{Mode: unix.S_IFDIR | 0o755, Dev: unix.Mkdev(254, 0), Ino: 2, Nlink: 18}}
		}
		stats[strconv.Itoa(p.pid)+"/fd/0"] = fdscantest.StatEntry{Stat: unix.Stat_t{Mode: unix.S_IFCHR | 0o666, Dev: unix.Mkdev(0, 5), Rdev: unix.Mkdev(1, 3), Ino: 4, Nlink: 1}}
		write(filepath.Join(dir, "fdinfo", "0"), "pos:\t0\nflags:\t02\nmnt_id:\t1\nino:\t4\n")
		for i, ino := range p.sockets {
			fd := strconv.Itoa(3 + i)
			link(fmt.Sprintf("socket:[%d]", ino), filepath.Join(dir, "fd", fd))
			write(filepath.Join(dir, "fdinfo", fd), fmt.Sprintf("pos:\t0\nflags:\t02\nmnt_id:\t9\nino:\t%d\n", ino))
			stats[strconv.Itoa(p.pid)+"/fd/"+fd] = fdscantest.StatEntry{Stat: unix.Stat_t{Mode: unix.S_IFSOCK | 0o777, Dev: unix.Mkdev(0, 8), Ino: ino, Nlink: 1}, Proto: "TCP"}
		}
		if !p.noNet {
			tables(filepath.Join(dir, "net"), p.netns)
		}
	}
	netDir := filepath.Join(root, "own-net")
	tables(netDir, own)
	return root, netDir, stats
}

// netnsEnv runs fuser on a tree of netnsTree, counting its ns/net reads.
func netnsEnv(t testing.TB, root, netDir string, stats fdscantest.StatTable, own uint64) (env, *countingKernel) {
	t.Helper()
	k, err := fdscantest.NewKernel(root, stats)
	if err != nil {
		t.Fatal(err)
	}
	ck := &countingKernel{Kernel: k, netns: map[string]int{}}
	return env{
		procRoot: k.Root(), netDir: netDir,
		mounts: filepath.Join(testdata, "proc", "fuser-basic.mountinfo"),
		swaps:  filepath.Join(root, "no-swaps"), exports: filepath.Join(root, "no-exports"),
		passwd: filepath.Join(testdata, "proc", "basic.passwd"), services: filepath.Join(testdata, "proc", "basic.services"),
		argv0: "fuser", lookup: &pathlookup.Lookup{FS: fdscantest.StatTable{"/": {Stat: unix.Stat_t{Mode: unix.S_IFDIR | 0o755, Dev: unix.Mkdev(254, 0), Ino: 2}}}.Names("/", nil)},
		kernel: ck, netDev: unix.Mkdev(0, 8), netNS: own, self: -1,
		trace: &trace{},
	}, ck
}

// TestNetNSReadOnce looks for a port held in our own network namespace
// and in two others: the holders in each are listed, with the others'
// namespaces under -v, and each process's ns/net link is read once,
// each other namespace's tables once.
func TestNetNSReadOnce(t *testing.T) {
	const own, nsA, nsB = 4026531840, 4026532001, 4026532002
	listen := map[uint64]uint64{own: 7000, nsA: 7100, nsB: 7200}
	procs := []netnsProc{
		{200, own, []uint64{7000}, false},
		{201, own, []uint64{7001}, false},
		{202, nsA, nil, true}, // its namespace's tables are read from the next
		{203, nsA, []uint64{7100}, false},
		{204, nsA, []uint64{7101, 7100}, false},
		{205, nsB, []uint64{7201}, false},
		{206, nsB, []uint64{7200}, false},
		{207, own, nil, false},
	}
	root, netDir, stats := netnsTree(t, own, procs, listen)
	for _, tc := range []struct {
		args           []string
		stdout, stderr string
	}{
		{[]string{"-v", "8080/tcp"}, "   200   203   204   206",
			"                     USER        PID ACCESS COMMAND\n" +
				"8080/tcp:            root      F.... srv200\n" +
				"                     root      F.... srv203 (netns 4026532001)\n" +
				"                     root      F.... srv204 (netns 4026532001)\n" +
				"                     root      F.... srv206 (netns 4026532002)\n"},
		{[]string{"9000/tcp"}, "   201   204   205", "9000/tcp:           \n"},
		{[]string{"-k", "--dry-run", "8080/tcp"}, "   200   203   204   206", "8080/tcp:           \n" +
			"Spared process 203 (srv203): its socket is in network namespace 4026532001, not ours; --all-netns signals it\n" +
			"Spared process 204 (srv204): its socket is in network namespace 4026532001, not ours; --all-netns signals it\n" +
			"Spared process 206 (srv206): its socket is in network namespace 4026532002, not ours; --all-netns signals it\n" +
			"Plan (--dry-run, nothing was signalled): SIGKILL to 1 process, 3 processes left alone\n" +
			" NAME      PID  USER  COMMAND  SIGNAL\n" +
			" 8080/tcp  200  root  srv200   SIGKILL\n" +
			" 8080/tcp  203  root  srv203   none: its socket is in network namespace 4026532001 (--all-netns)\n" +
			" 8080/tcp  204  root  srv204   none: its socket is in network namespace 4026532001 (--all-netns)\n" +
			" 8080/tcp  206  root  srv206   none: its socket is in network namespace 4026532002 (--all-netns)\n"},
		{[]string{"-4", "8080/tcp", "/"}, "   200   203   204   206   200   201   202   203   204   205   206   207",
			"8080/tcp:           \n/:                  rcrcrcrcrcrcrcrc\n"},
		{[]string{"-k", "--all-netns", "--dry-run", "9000/tcp"}, "   201   204   205", "9000/tcp:           \n" +
			"Plan (--dry-run, nothing was signalled): SIGKILL to 3 processes\n" +
			" NAME      PID  USER  COMMAND  SIGNAL\n" +
			" 9000/tcp  201  root  srv201   SIGKILL\n" +
			" 9000/tcp  204  root  srv204   SIGKILL\n" +
			" 9000/tcp  205  root  srv205   SIGKILL\n"},
		// No table has the port: no process is read beyond its ns/net.
		{[]string{"8081/tcp"}, "", ""},
	} {
		e, ck := netnsEnv(t, root, netDir, stats, own)
		var stdout, stderr bytes.Buffer
		run(tc.args, &stdout, &stderr, e)
		if got := stdout.String(); got != tc.stdout {
			t.Errorf("fuser %v: stdout %q, want %q", tc.args, got, tc.stdout)
		}
		if got := stderr.String(); got != tc.stderr {
			t.Errorf("fuser %v: stderr\n%s\nwant\n%s", tc.args, got, tc.stderr)
		}
		total := 0
		for dir, n := range ck.netns {
			total += n
			if n > 1 {
				t.Errorf("fuser %v: %s/ns/net read %d times, want once", tc.args, dir, n)
			}
		}
		t.Logf("fuser %v: %d ns/net reads of %d processes; %d namespaces' tables read, %d table files",
			tc.args, total, len(procs), e.trace.netnsTables, e.trace.tableFiles)
		// Each of the three namespaces once: its tcp and tcp6.
		if e.trace.netnsTables != 3 || e.trace.tableFiles != 6 {
			t.Errorf("fuser %v: the tables of %d namespaces read, %d files; want 3, once each, and 6 files", tc.args, e.trace.netnsTables, e.trace.tableFiles)
		}
		if scanned := e.trace.linkSearch || e.trace.fullScan; scanned != (tc.stdout != "") {
			t.Errorf("fuser %v: processes scanned: %v, want %v", tc.args, scanned, tc.stdout != "")
		}
	}
}

// TestProtocolFileMissing runs fuser where our own namespace's tables
// cannot be read: as psmisc does, it says so of each IPv4 table a name
// needs (not with -6), and the other namespaces' holders are still
// found.
func TestProtocolFileMissing(t *testing.T) {
	const own, other = 4026531840, 4026532001
	root, _, stats := netnsTree(t, own, []netnsProc{{200, own, []uint64{7000}, false}, {201, other, []uint64{7100}, false}},
		map[uint64]uint64{own: 7000, other: 7100})
	netDir := filepath.Join(root, "no-net")
	for _, tc := range []struct {
		args           []string
		stdout, stderr string
	}{
		{[]string{"8080/tcp"}, "   201", "Cannot open protocol file \"" + netDir + "/tcp\": No such file or directory\n8080/tcp:           \n"},
		{[]string{"53/udp", "8080/tcp"}, "   201",
			"Cannot open protocol file \"" + netDir + "/tcp\": No such file or directory\n" +
				"Cannot open protocol file \"" + netDir + "/udp\": No such file or directory\n8080/tcp:           \n"},
		{[]string{"-6", "8080/tcp"}, "", ""},
	} {
		e, _ := netnsEnv(t, root, netDir, stats, own)
		var stdout, stderr bytes.Buffer
		run(tc.args, &stdout, &stderr, e)
		if stdout.String() != tc.stdout || stderr.String() != tc.stderr {
			t.Errorf("fuser %v: stdout %q, stderr\n%s\nwant stdout %q, stderr\n%s", tc.args, stdout.String(), stderr.String(), tc.stdout, tc.stderr)
		}
	}
}

// BenchmarkPortSearchNetNS looks for a port on 1000 processes of 160
// sockets each, in 10 network namespaces, and reports the ns/net links
// and namespaces' tables read per search.
func BenchmarkPortSearchNetNS(b *testing.B) {
	const own = 4026531840
	listen := map[uint64]uint64{}
	var procs []netnsProc
	for i := range 1000 {
		ns := uint64(own)
		if i%10 != 0 {
			ns = own + 1000 + uint64(i%10)
		}
		if _, ok := listen[ns]; !ok {
			listen[ns] = 100000 + uint64(len(listen))*10
		}
		socks := make([]uint64, 160)
		for k := range socks {
			socks[k] = 1000000 + uint64(i)*1000 + uint64(k)
		}
		if i < 20 {
			socks[0] = listen[ns]
		}
		procs = append(procs, netnsProc{pid: 1000 + i, netns: ns, sockets: socks})
	}
	root, netDir, stats := netnsTree(b, own, procs, listen)
	var reads, tables int
	for b.Loop() {
		e, ck := netnsEnv(b, root, netDir, stats, own)
		var stdout, stderr bytes.Buffer
		if code := run([]string{"8080/tcp"}, &stdout, &stderr, e); code != 0 {
			b.Fatalf("exit %d, stderr %s", code, stderr.String())
		}
		reads, tables = 0, e.trace.netnsTables
		for _, n := range ck.netns {
			reads += n
		}
	}
	b.ReportMetric(float64(reads), "ns/net-reads/op")
	b.ReportMetric(float64(tables), "netns-tables/op")
}
