//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/internal/livetest"
)

// startWithFiles starts argv with files as its descriptors 3 and up (and
// stdout, when set), waits until it runs the program named comm, and
// kills it by its PID when the test ends.
func startWithFiles(t *testing.T, comm string, stdout *os.File, files []*os.File, argv ...string) int {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.ExtraFiles, cmd.Stdout = files, stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	pid := cmd.Process.Pid
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
		if strings.TrimSpace(string(b)) == comm {
			return pid
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v did not start %s: comm %q", argv, comm, b)
		}
	}
}

// TestLiveEndpoints starts processes sharing the ends of one pipe (two
// reading ends in one process, writers in others, one of another user
// and one with a long command name) and a pipe with no other end, and
// requires lsof's -E and +E listings of them.
func TestLiveEndpoints(t *testing.T) {
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatal(err)
	}
	long := filepath.Join(t.TempDir(), "verylongsleepname")
	if err := os.Symlink(sleep, long); err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	lone, loneW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	loneW.Close()
	reader := startWithFiles(t, "sleep", nil, []*os.File{r, r}, sleep, "3600")
	writer := startWithFiles(t, "verylongsleepna", nil, []*os.File{w}, long, "3600")
	other := startWithFiles(t, "sleep", w, nil, append(livetest.AsNobody(t), sleep, "3600")...)
	alone := startWithFiles(t, "sleep", nil, []*os.File{lone}, sleep, "3600")
	// The test itself holds no end: only the processes it started.
	r.Close()
	w.Close()
	lone.Close()
	rp, wp, op, ap := strconv.Itoa(reader), strconv.Itoa(writer), strconv.Itoa(other), strconv.Itoa(alone)
	for _, args := range [][]string{
		{"-E", "-a", "-p", rp, "-d", "3-9"},
		{"+E", "-a", "-p", rp, "-d", "3-9"},
		{"-E", "-a", "-p", wp + "," + op, "-d", "1-9"},
		{"+E", "-a", "-p", op, "-d", "1"},
		{"-E", "-a", "-p", ap, "-d", "3"},
		{"+E", "-a", "-p", ap, "-d", "3"},
		{"+E", "-a", "-p", rp, "-d", "3", "-F", "pcfn"},
		{"-E", "+c", "15", "-a", "-p", rp, "-d", "3"},
	} {
		out := compare(t, ours, ref, args...).Stdout
		if !strings.Contains(out, "pipe") {
			t.Errorf("lsof %v lists no pipe:\n%s", args, out)
		}
	}
	// The ends compared are all there.
	out := livetest.Run(t, nil, ours, "-E", "-a", "-p", rp, "-d", "3").Stdout
	for _, want := range []string{rp + ",sleep,4r", wp + ",verylongs,3w", op + ",sleep,1w"} {
		if !strings.Contains(out, want) {
			t.Errorf("lsof -E of the reader has no end %q:\n%s", want, out)
		}
	}
	out = livetest.Run(t, nil, ours, "+E", "-a", "-p", rp, "-d", "3").Stdout
	if !strings.Contains(out, "\nverylongs "+wp+" ") || !strings.Contains(out, " nobody ") {
		t.Errorf("lsof +E of the reader lists not the writers' rows:\n%s", out)
	}
}

// socketFile makes an os.File of a new socket of type typ, bound to path
// when it is not "".
func socketFile(t *testing.T, typ int, path string) *os.File {
	t.Helper()
	fd, err := unix.Socket(unix.AF_UNIX, typ|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if path != "" {
		if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
			t.Fatal(err)
		}
	}
	return os.NewFile(uintptr(fd), "socket")
}

// TestLiveUnixEndpoints starts processes holding unix sockets: a pair
// whose one end two processes share, a connection never accepted, and a
// datagram socket two others send to, and requires lsof's -E and +E
// listings of them: the peer's inode and the descriptors that are it.
func TestLiveUnixEndpoints(t *testing.T) {
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	left, right := os.NewFile(uintptr(pair[0]), "left"), os.NewFile(uintptr(pair[1]), "right")
	listener := socketFile(t, unix.SOCK_STREAM, filepath.Join(dir, "listen.sock"))
	if err := unix.Listen(int(listener.Fd()), 5); err != nil {
		t.Fatal(err)
	}
	client := socketFile(t, unix.SOCK_STREAM, "")
	if err := unix.Connect(int(client.Fd()), &unix.SockaddrUnix{Name: filepath.Join(dir, "listen.sock")}); err != nil {
		t.Fatal(err)
	}
	recv := socketFile(t, unix.SOCK_DGRAM, filepath.Join(dir, "dgram.sock"))
	var senders []*os.File
	for range 2 {
		s := socketFile(t, unix.SOCK_DGRAM, "")
		if err := unix.Connect(int(s.Fd()), &unix.SockaddrUnix{Name: filepath.Join(dir, "dgram.sock")}); err != nil {
			t.Fatal(err)
		}
		senders = append(senders, s)
	}
	a := startWithFiles(t, "sleep", nil, []*os.File{left, listener, client, recv}, sleep, "3600")
	b := startWithFiles(t, "sleep", nil, []*os.File{right, senders[0]}, sleep, "3600")
	c := startWithFiles(t, "sleep", nil, []*os.File{right, right, senders[1]}, sleep, "3600")
	for _, f := range append([]*os.File{left, right, listener, client, recv}, senders...) {
		f.Close()
	}
	ap, bp, cp := strconv.Itoa(a), strconv.Itoa(b), strconv.Itoa(c)
	for _, args := range [][]string{
		{"-E", "-a", "-U", "-p", ap},
		{"+E", "-a", "-U", "-p", ap},
		{"-E", "-a", "-U", "-p", bp + "," + cp},
		{"+E", "-a", "-U", "-p", bp},
		{"+E", "-a", "-U", "-p", ap, "-F", "pfn"},
		{"-E", "-a", "-p", ap, "-d", "3"},
	} {
		out := compare(t, ours, ref, args...).Stdout
		if !strings.Contains(out, "->INO=") {
			t.Errorf("lsof %v shows no peer:\n%s", args, out)
		}
	}
	// The shared end's two processes and three descriptors are named.
	out := livetest.Run(t, nil, ours, "-E", "-a", "-p", ap, "-d", "3").Stdout
	for _, want := range []string{cp + ",sleep,4u " + cp + ",sleep,3u " + bp + ",sleep,3u"} {
		if !strings.Contains(out, want) {
			t.Errorf("lsof -E of the pair's end has no %q:\n%s", want, out)
		}
	}
}

// TestLiveInetEndpoints lists the socket holder's TCP and UDP sockets
// connected on this host with -E and +E, and requires lsof's listings:
// the descriptors at the other end after the addresses.
func TestLiveInetEndpoints(t *testing.T) {
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	h, ports := livetest.StartSockHolder(t)
	pid := strconv.Itoa(h.PID)
	for _, args := range [][]string{
		{"-E", "-a", "-i", "-p", pid},
		{"+E", "-a", "-i", "-p", pid},
		{"-E", "-a", "-i", "-p", pid, "-n", "-P"},
		{"+E", "-a", "-i", "-p", pid, "-F", "pfn"},
		{"+E", "-i", "TCP:" + ports["tcp4lo"]},
	} {
		out := compare(t, ours, ref, args...).Stdout
		if !strings.Contains(out, ","+"sockholde,") {
			t.Errorf("lsof %v shows no end:\n%s", args, out)
		}
	}
	// A datagram socket sent to is not established: no end, as in lsof.
	compare(t, ours, ref, "-E", "-i", "UDP:"+ports["udp4"])
}

// openPty opens a new pty's master and its slave, and returns them with
// the slave's number.
func openPty(t *testing.T) (master, slave *os.File, index int) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("pty number: %v", err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return m, s, n
}

// TestLivePtyEventfdEndpoints starts processes sharing a pty (the master
// twice in one process with a slave read-only, slaves in others, one of
// another user), a pty whose slave nobody holds, an eventfd two share and
// one no other holds, and requires lsof's -E and +E listings of them: a
// master names its slave and the slave's holders, a slave the masters,
// an eventfd its other holders; and none of slaves -e exempts.
func TestLivePtyEventfdEndpoints(t *testing.T) {
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatal(err)
	}
	master, slave, n := openPty(t)
	slaveRO, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDONLY|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	lone, loneSlave, _ := openPty(t)
	loneSlave.Close()
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	event := os.NewFile(uintptr(efd), "eventfd")
	efd, err = unix.Eventfd(0, unix.EFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	loneEvent := os.NewFile(uintptr(efd), "eventfd")
	a := startWithFiles(t, "sleep", nil, []*os.File{master, master, slaveRO, event}, sleep, "3600")
	b := startWithFiles(t, "sleep", nil, []*os.File{slave, event}, sleep, "3600")
	c := startWithFiles(t, "sleep", slave, nil, append(livetest.AsNobody(t), sleep, "3600")...)
	d := startWithFiles(t, "sleep", nil, []*os.File{lone, loneEvent}, sleep, "3600")
	// The test itself holds no end: only the processes it started.
	for _, f := range []*os.File{master, slave, slaveRO, lone, event, loneEvent} {
		f.Close()
	}
	ap, bp, cp, dp := strconv.Itoa(a), strconv.Itoa(b), strconv.Itoa(c), strconv.Itoa(d)
	for _, args := range [][]string{
		{"-E", "-a", "-p", ap, "-d", "3-9"},
		{"+E", "-a", "-p", ap, "-d", "3"},
		{"+E", "-a", "-p", ap, "-d", "5"},
		{"+E", "-a", "-p", ap, "-d", "6"},
		{"-E", "-a", "-p", bp + "," + cp, "-d", "1-9"},
		{"+E", "-a", "-p", cp, "-d", "1"},
		{"+E", "-a", "-p", bp, "-d", "4"},
		{"-E", "-a", "-p", dp, "-d", "3-4"},
		{"+E", "-a", "-p", dp, "-d", "3-4"},
		{"+E", "-a", "-p", ap, "-d", "3,6", "-F", "pcfn"},
		// Slaves on an exempt file system are not stat'ed: no ends.
		{"+E", "-e", "/dev/pts", "-a", "-p", ap, "-d", "3-9"},
	} {
		out := compare(t, ours, ref, args...).Stdout
		if !strings.Contains(out, "/dev/p") && !strings.Contains(out, "eventfd") {
			t.Errorf("lsof %v lists no pty nor eventfd:\n%s", args, out)
		}
	}
	// The ends compared are all there.
	pts := "->/dev/pts/" + strconv.Itoa(n) + " "
	for _, tc := range []struct {
		pid, fd string
		want    []string
	}{
		{ap, "3", []string{"/dev/ptmx " + pts + ap + ",sleep,5r " + bp + ",sleep,3u " + cp + ",sleep,1u"}},
		{bp, "3", []string{ap + ",sleep,3u " + ap + ",sleep,4u"}},
		{ap, "6", []string{"] " + bp + ",sleep,4u"}},
	} {
		out := livetest.Run(t, nil, ours, "-E", "-a", "-p", tc.pid, "-d", tc.fd).Stdout
		for _, want := range tc.want {
			if !strings.Contains(out, want) {
				t.Errorf("lsof -E of PID %s FD %s has no %q:\n%s", tc.pid, tc.fd, want, out)
			}
		}
	}
}

// openMQueue opens a new POSIX message queue name, removed when the test
// ends.
func openMQueue(t *testing.T, name string) *os.File {
	t.Helper()
	p, err := unix.BytePtrFromString(name)
	if err != nil {
		t.Fatal(err)
	}
	fd, _, errno := unix.Syscall6(unix.SYS_MQ_OPEN, uintptr(unsafe.Pointer(p)), unix.O_CREAT|unix.O_RDWR|unix.O_CLOEXEC, 0o600, 0, 0, 0)
	if errno != 0 {
		t.Fatalf("mq_open %s: %v", name, errno)
	}
	t.Cleanup(func() { _, _, _ = unix.Syscall(unix.SYS_MQ_UNLINK, uintptr(unsafe.Pointer(p)), 0, 0) })
	return os.NewFile(fd, name)
}

// TestLiveMQueueEndpoints starts processes sharing a POSIX message queue
// (one holding it twice) and one holding a queue of its own, and
// requires lsof's -E and +E listings of them with an mqueue file system
// mounted, in a mount namespace of the run's own: the other holders of
// the same queue.
func TestLiveMQueueEndpoints(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting an mqueue file system needs root")
	}
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatal(err)
	}
	prefix := "openfiles-ends-" + strconv.Itoa(os.Getpid())
	shared, own := openMQueue(t, prefix+"-shared"), openMQueue(t, prefix+"-own")
	a := startWithFiles(t, "sleep", nil, []*os.File{shared, own}, sleep, "3600")
	b := startWithFiles(t, "sleep", nil, []*os.File{shared, shared}, sleep, "3600")
	c := startWithFiles(t, "sleep", shared, nil, append(livetest.AsNobody(t), sleep, "3600")...)
	shared.Close()
	own.Close()
	ap, bp, cp := strconv.Itoa(a), strconv.Itoa(b), strconv.Itoa(c)
	mnt := t.TempDir()
	run := func(bin string, args ...string) livetest.Result {
		script := `mount -t mqueue none "$1" && shift && exec "$@"`
		return livetest.RunCmd(t, exec.Command("unshare", append([]string{"-m", "sh", "-c", script, "sh", mnt, bin}, args...)...))
	}
	for _, args := range [][]string{
		{"-E", "-a", "-p", ap, "-d", "3-4"},
		{"+E", "-a", "-p", ap, "-d", "3"},
		{"-E", "-a", "-p", bp + "," + cp, "-d", "1-9"},
		{"+E", "-a", "-p", cp, "-d", "1"},
		{"+E", "-a", "-p", ap, "-d", "4"},
		{"+E", "-a", "-p", bp, "-d", "4", "-F", "pcfn"},
	} {
		want, got := run(ref, args...), run(ours, args...)
		if got != want {
			t.Errorf("lsof %v with mqueue mounted:\n%s%s(%d)\nlsof's:\n%s%s(%d)", args, got.Stdout, got.Stderr, got.Code, want.Stdout, want.Stderr, want.Code)
		}
		if !strings.Contains(want.Stdout, "PSXMQ") && !strings.Contains(want.Stdout, prefix) {
			t.Errorf("lsof %v: lsof shows no message queue; the case proves nothing:\n%s", args, want.Stdout)
		}
	}
	// The ends compared are all there.
	out := run(ours, "-E", "-a", "-p", ap, "-d", "3").Stdout
	if want := ap + ",sleep,"; strings.Contains(out, want) {
		t.Errorf("lsof -E of the shared queue names itself, %q:\n%s", want, out)
	}
	if want := " " + bp + ",sleep,3u " + bp + ",sleep,4u " + cp + ",sleep,1u"; !strings.Contains(out, want) {
		t.Errorf("lsof -E of the shared queue has no %q:\n%s", want, out)
	}
}
