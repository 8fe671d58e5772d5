//go:build linux

// Command compare runs our lsof and fuser side by side with the installed
// reference tools on a workload it starts (bench/workload), alternating
// them run by run, and prints the median wall time, CPU time and peak RSS
// of each, with the ratio of ours to the reference, as a Markdown table.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

type sample struct {
	wall, cpu time.Duration
	rss       int64 // KiB
}

type pair struct {
	name      string
	ours, ref []string
}

func main() {
	procs := flag.Int("procs", 1000, "workload processes")
	files := flag.Int("files", 160, "open files per workload process")
	runs := flag.Int("runs", 5, "runs of each command")
	bin := flag.String("bin", "bin", "directory holding our lsof, fuser and workload")
	flag.Parse()
	if err := run(*procs, *files, *runs, *bin); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

func run(procs, files, runs int, bin string) error {
	wl := exec.Command(filepath.Join(bin, "workload"), "-procs", fmt.Sprint(procs), "-files", fmt.Sprint(files))
	in, err := wl.StdinPipe()
	if err != nil {
		return err
	}
	out, err := wl.StdoutPipe()
	if err != nil {
		return err
	}
	wl.Stderr = os.Stderr
	if err := wl.Start(); err != nil {
		return err
	}
	defer func() { in.Close(); _ = wl.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "ready\n" {
		return fmt.Errorf("workload not ready: %q %v", line, err)
	}
	port, file, err := target(wl.Process.Pid)
	if err != nil {
		return err
	}
	lsof, fuser := filepath.Join(bin, "lsof"), filepath.Join(bin, "fuser")
	pairs := []pair{
		{"lsof -n -P", []string{lsof, "-n", "-P"}, []string{"/usr/bin/lsof", "-n", "-P"}},
		{"lsof -n -P -i :PORT", []string{lsof, "-n", "-P", "-i", ":" + port}, []string{"/usr/bin/lsof", "-n", "-P", "-i", ":" + port}},
		{"lsof -p PID", []string{lsof, "-p", fmt.Sprint(wl.Process.Pid)}, []string{"/usr/bin/lsof", "-p", fmt.Sprint(wl.Process.Pid)}},
	}
	if fileExists(fuser) {
		pairs = append(pairs,
			pair{"fuser FILE", []string{fuser, file}, []string{"/usr/bin/fuser", file}},
			pair{"fuser PORT/tcp", []string{fuser, port + "/tcp"}, []string{"/usr/bin/fuser", port + "/tcp"}},
		)
	}
	if floor := filepath.Join(bin, "floor"); fileExists(floor) {
		// Not ours against theirs: the system calls alone, on every
		// core, against psmisc, for the lowest ratio any fuser can have.
		pairs = append(pairs,
			pair{"floor: a stat per descriptor vs fuser FILE", []string{floor, "-mode", "stats"}, []string{"/usr/bin/fuser", file}},
			pair{"floor: a readlink per descriptor vs fuser PORT/tcp", []string{floor, "-mode", "links"}, []string{"/usr/bin/fuser", port + "/tcp"}},
		)
	}
	if kdump := filepath.Join(bin, "kdump"); fileExists(kdump) {
		// The kernel iterator (pkg/fdscan/kiter), not yet behind our
		// commands: its whole listing beside lsof's, ours and the floor,
		// and its in-kernel search beside psmisc's. It loads only as
		// root (or with CAP_BPF and CAP_PERFMON).
		if err := exec.Command(kdump, "-wanted", "/").Run(); err != nil {
			fmt.Fprintf(os.Stderr, "compare: no kernel iterator rows: %s cannot load (%v)\n", kdump, err)
		} else {
			floor := filepath.Join(bin, "floor")
			pairs = append(pairs,
				pair{"kiter: every descriptor vs lsof -n -P", []string{kdump}, []string{"/usr/bin/lsof", "-n", "-P"}},
				pair{"kiter: every descriptor vs our lsof -n -P", []string{kdump}, []string{lsof, "-n", "-P"}},
				pair{"kiter: every descriptor vs floor -mode stats", []string{kdump}, []string{floor, "-mode", "stats"}},
				pair{"kiter: FILE filtered in the kernel vs fuser FILE", []string{kdump, "-wanted", file}, []string{"/usr/bin/fuser", file}},
			)
		}
	}
	if _, err := exec.LookPath("lsfd"); err == nil {
		pairs = append(pairs, pair{"lsof -n -P vs lsfd", []string{lsof, "-n", "-P"}, []string{"lsfd"}})
	}
	fmt.Printf("Workload: %d processes x %d open files; %d runs each, alternating; medians.\n\n", procs, files, runs)
	fmt.Println("| command | ours wall | reference wall | ratio | ours CPU | reference CPU | ours RSS | reference RSS | ratio |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	if err := table(pairs, runs); err != nil {
		return err
	}
	// lsof 4.95 closes every descriptor up to the open-file limit at
	// start-up: a one-process query costs more the higher the limit.
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	pid := fmt.Sprint(wl.Process.Pid)
	return table([]pair{{fmt.Sprintf("lsof -p PID, ulimit -n %d", lim.Max),
		[]string{lsof, "-p", pid}, []string{"/usr/bin/lsof", "-p", pid}}}, runs)
}

// table measures each pair runs times, alternating, and prints a row.
func table(pairs []pair, runs int) error {
	for _, p := range pairs {
		var ours, ref []sample
		for range runs {
			s, err := measure(p.ours)
			if err != nil {
				return err
			}
			ours = append(ours, s)
			if s, err = measure(p.ref); err != nil {
				return err
			}
			ref = append(ref, s)
		}
		o, r := median(ours), median(ref)
		fmt.Printf("| `%s` | %.2f s | %.2f s | %.2f | %.2f s | %.2f s | %d MiB | %d MiB | %.2f |\n", p.name,
			o.wall.Seconds(), r.wall.Seconds(), o.wall.Seconds()/r.wall.Seconds(),
			o.cpu.Seconds(), r.cpu.Seconds(), o.rss/1024, r.rss/1024, float64(o.rss)/float64(r.rss))
	}
	return nil
}

// target finds a TCP port a workload process listens on, and a file the
// workload holds open.
func target(pid int) (port, file string, err error) {
	out, err := exec.Command("/usr/bin/lsof", "-n", "-P", "-a", "-iTCP", "-sTCP:LISTEN", "-R", "-Fpn").Output()
	if err != nil {
		return "", "", fmt.Errorf("finding a port: %w", err)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "n127.0.0.1:") {
			port = strings.TrimPrefix(l, "n127.0.0.1:")
			break
		}
	}
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), "workload-*", "f1"))
	if port == "" || len(matches) == 0 {
		return "", "", fmt.Errorf("no listening port or held file found")
	}
	return port, matches[0], nil
}

func measure(argv []string) (sample, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if cmd.ProcessState == nil {
		return sample{}, fmt.Errorf("%v: %w", argv, err)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return sample{wall: wall, cpu: cpu, rss: int64(ru.Maxrss)}, nil
}

func median(s []sample) sample {
	pick := func(get func(sample) int64) int64 {
		v := make([]int64, len(s))
		for i, x := range s {
			v[i] = get(x)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	return sample{
		wall: time.Duration(pick(func(x sample) int64 { return int64(x.wall) })),
		cpu:  time.Duration(pick(func(x sample) int64 { return int64(x.cpu) })),
		rss:  pick(func(x sample) int64 { return x.rss }),
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
