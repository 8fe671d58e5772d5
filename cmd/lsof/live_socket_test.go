//go:build linux

package main

import (
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/openfiles/openfiles/internal/livetest"
)

// compare runs our lsof and /usr/bin/lsof with the same arguments and
// requires the same stdout, stderr and exit status. The processes under
// test are Go programs, whose runtime starts threads when it likes (-K
// lists them), so lsof runs before and after ours: ours is compared with
// a state the processes held across our run, and the comparison is
// tried again, up to five times, where lsof's two runs differ.
func compare(t *testing.T, ours, ref string, args ...string) livetest.Result {
	t.Helper()
	env := []string{"LC_ALL=C.UTF-8"}
	for range 5 {
		want := livetest.Run(t, env, ref, args...)
		got := livetest.Run(t, env, ours, args...)
		if again := livetest.Run(t, env, ref, args...); again != want {
			continue
		}
		if got.Code != want.Code {
			t.Errorf("lsof %v: exit status %d, lsof's %d", args, got.Code, want.Code)
		}
		if got.Stderr != want.Stderr {
			t.Errorf("lsof %v: stderr\n%s\nlsof's:\n%s", args, got.Stderr, want.Stderr)
		}
		if got.Stdout != want.Stdout {
			t.Errorf("lsof %v: stdout\n%s\nlsof's:\n%s", args, got.Stdout, want.Stdout)
		}
		return got
	}
	t.Fatalf("lsof %v: lsof's output changed between its runs before and after ours, five times over", args)
	return livetest.Result{}
}

// TestLiveSockets lists a process holding every kind of socket with
// socket selections, with and without -n -P, and requires output
// identical to /usr/bin/lsof's.
func TestLiveSockets(t *testing.T) {
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	h, ports := livetest.StartSockHolder(t)
	pid := strconv.Itoa(h.PID)
	port := ports["tcp4lo"]
	for _, args := range [][]string{
		{"-p", pid},
		{"-a", "-p", pid, "-i"},
		{"-i", ":" + port},
		{"-i", "TCP@127.0.0.1:" + port},
		{"-a", "-p", pid, "-i", "6"},
		{"-a", "-p", pid, "-i", "4"},
		{"-a", "-p", pid, "-iTCP", "-sTCP:LISTEN"},
		{"-a", "-p", pid, "-i", "-sTCP:^LISTEN"},
		{"-a", "-p", pid, "-U"},
		{"-a", "-p", pid, "-iUDP"},
		{"-a", "-p", pid, "-i", "@[::1]"},
		{"-i", "6TCP:" + ports["dual"]},
		{"-i", "4TCP:" + ports["dual"]},
		{"-i", ":" + ports["udp4"] + "," + ports["tcp6lo"]},
		{"-i", "TCP:" + port + "-" + port},
	} {
		for _, np := range [][]string{nil, {"-n", "-P"}} {
			out := compare(t, ours, ref, append(np, args...)...).Stdout
			if !strings.Contains(out, " "+pid+" ") {
				t.Errorf("lsof %v %v lists nothing of the holder:\n%s", np, args, out)
			}
		}
	}
	// Make sure the holder's kinds all showed up in the full comparison.
	out := livetest.Fold(livetest.Run(t, nil, ours, "-p", pid).Stdout)
	for _, want := range []string{
		"(LISTEN)", "(ESTABLISHED)", "IPv6", " UDP ", "type=STREAM (LISTEN)",
		"type=DGRAM", "type=SEQPACKET", "@sockholder-", "netlink", "ROUTE",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("listing of the holder has no %q", want)
		}
	}
	if os.Geteuid() == 0 {
		for _, want := range []string{" raw ", " raw6 ", " pack "} {
			if !strings.Contains(out, want) {
				t.Errorf("listing of the holder has no %q", want)
			}
		}
	}
}

// TestLiveBadSpecs gives malformed -i and -s arguments: the message and
// exit status must be lsof's (the usage text that follows is our own).
func TestLiveBadSpecs(t *testing.T) {
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	for _, arg := range []string{
		"-i@", "-i:", "-iTCP@", "-i:99999x", "-iXYZ", "-i7", "-i46", "-i@[::1",
		"-i@[::]", "-i:nosuchservice", "-itcp:nosuch", "-iTCP:1-", "-i:5-3",
		"-i:1-2-3", "-i:,80", "-i4@[::1]", "-i6@127.0.0.1",
		"-sXYZ:LISTEN", "-sTCP:BOGUS", "-sUDP:Idle", "-sTCP:,LISTEN",
		"-sTCP:LISTEN,LISTEN", "-sTCP:LISTEN,^LISTEN",
	} {
		want := livetest.Run(t, nil, ref, arg)
		got := livetest.Run(t, nil, ours, arg)
		first := func(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }
		if got.Code != want.Code || first(got.Stderr) != first(want.Stderr) {
			t.Errorf("lsof %s: %d %q, lsof's %d %q", arg, got.Code, first(got.Stderr), want.Code, first(want.Stderr))
		}
		if want.Code == 0 {
			t.Errorf("lsof %s: the reference accepted it; the case proves nothing", arg)
		}
	}
}

// TestLiveNetNamespace starts a listener in a network namespace of its
// own, where lsof 4.95 cannot see it, and requires our lsof -i to show
// its address and state.
func TestLiveNetNamespace(t *testing.T) {
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Fatalf("unshare is needed to make a network namespace: %v", err)
	}
	if os.Geteuid() != 0 {
		t.Skip("making a network namespace needs root")
	}
	ours := livetest.Build(t, "./cmd/lsof")
	h, ports := livetest.Start(t, livetest.Build(t, "./internal/sockholder"), t.TempDir(), []string{unshare, "--net", "--"}, "-listen")
	port := ports["listen"]
	got := livetest.Run(t, nil, ours, "-n", "-P", "-i", "TCP:"+port)
	want := "*:" + port + " (LISTEN)"
	var row string
	for _, l := range livetest.Lines(got.Stdout) {
		if strings.Contains(l, " "+strconv.Itoa(h.PID)+" ") {
			row = l
		}
	}
	if got.Code != 0 || !strings.Contains(row, want) || !strings.Contains(row, "IPv4") {
		t.Errorf("lsof -i TCP:%s: exit %d, holder row %q, want IPv4 ... %q\n%s%s", port, got.Code, row, want, got.Stdout, got.Stderr)
	}
	// The listener really is elsewhere: the machine's own table lacks it.
	b, err := os.ReadFile("/proc/self/net/tcp")
	if err != nil {
		t.Fatal(err)
	}
	hexPort := strings.ToUpper(strconv.FormatInt(int64(mustAtoi(t, port)), 16))
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) > 3 && f[1] == "00000000:"+zeroPad4(hexPort) && f[3] == "0A" {
			t.Errorf("the test's listener is in this namespace's table too: %s", l)
		}
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func zeroPad4(s string) string { return strings.Repeat("0", 4-len(s)) + s }

// TestLiveTablesOncePerNamespace starts many processes sharing one TCP
// socket and looks its port up: every one is listed, and the socket
// tables are read once per network namespace, not once per process.
func TestLiveTablesOncePerNamespace(t *testing.T) {
	const holders = 300
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	conn, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sock, err := conn.(*net.TCPConn).File()
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	ours := map[string]bool{}
	for range holders {
		cmd := exec.Command("sleep", "600")
		cmd.Stdin = sock
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		ours[strconv.Itoa(cmd.Process.Pid)] = true
		t.Cleanup(func() {
			_ = cmd.Process.Kill() // only the PID this test started
			_ = cmd.Wait()
		})
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	var stdout, stderr strings.Builder
	tr := &trace{}
	e := env{trace: tr, procRoot: "/proc", passwd: "/etc/passwd", hosts: "/etc/hosts", services: "/etc/services"}
	if code := run([]string{"-n", "-P", "-i", ":" + port}, &stdout, &stderr, e); code != 0 {
		t.Fatalf("exit status %d: %s", code, stderr.String())
	}
	// Other processes may hold sockets on the same port number (another
	// protocol's): count the rows of ours.
	rows := 0
	for _, line := range strings.Split(stdout.String(), "\n") {
		if f := strings.Fields(line); len(f) > 1 && ours[f[1]] {
			rows++
		}
	}
	if rows != holders {
		t.Errorf("listed %d rows of the %d processes holding the socket", rows, holders)
	}
	// Count the network namespaces on the machine: reads may not exceed it.
	namespaces := map[string]bool{}
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		if link, err := os.Readlink("/proc/" + d.Name() + "/ns/net"); err == nil {
			namespaces[link] = true
		}
	}
	if tr.netnsReads < 1 || tr.netnsReads > len(namespaces) {
		t.Errorf("read the tables of %d namespaces for %d processes; the machine has %d namespaces",
			tr.netnsReads, holders, len(namespaces))
	}
	t.Logf("%d processes: tables of %d namespace(s) read, %d files", holders, tr.netnsReads, tr.tableFiles)
}

// TestLiveForgedUnixLine binds an abstract unix socket whose name adds a
// line of its owner's making to /proc/net/unix, claiming that another
// process's unbound socket is bound to /etc/passwd. Our listing of that
// process must not change, and the forger's name shows whole.
func TestLiveForgedUnixLine(t *testing.T) {
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	bin := livetest.Build(t, "./internal/sockholder")
	victim, words := livetest.Start(t, bin, t.TempDir(), nil, "-unbound")
	pid := strconv.Itoa(victim.PID)
	before := compare(t, ours, ref, "-a", "-p", pid, "-U").Stdout
	if !strings.Contains(before, "type=STREAM") {
		t.Fatalf("the victim's socket is not listed:\n%s", before)
	}
	forger, _ := livetest.Start(t, bin, t.TempDir(), nil, "-forge", words["inode"], "/etc/passwd")
	for _, args := range [][]string{{"-a", "-p", pid, "-U"}, {"-a", "-p", pid, "-U", "-Fn"}} {
		after := livetest.Run(t, nil, ours, args...)
		if args[len(args)-1] == "-U" && after.Stdout != before {
			t.Errorf("lsof %v changed with the forgery:\n%s\nbefore:\n%s", args, after.Stdout, before)
		}
		if strings.Contains(after.Stdout, "/etc/passwd") {
			t.Errorf("lsof %v believes the forged line:\n%s", args, after.Stdout)
		}
	}
	got := livetest.Run(t, nil, ours, "-a", "-p", strconv.Itoa(forger.PID), "-U", "-Fn").Stdout
	if want := `n@x\n0: 00000002 00000000 00000000 0001 03 ` + words["inode"] + " /etc/passwd"; !strings.Contains(got, want) {
		t.Errorf("the forger's name: got\n%s\nwant a line %q", got, want)
	}
}
