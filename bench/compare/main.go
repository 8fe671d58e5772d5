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
	env       []string // added to ours's environment
	src       string   // the source ours reads descriptors from, when forced
}

// bothSources makes two pairs of each: ours reading descriptors from
// proc, and from the kernel's iterators (fdscan's two sources).
func bothSources(pairs ...pair) []pair {
	var out []pair
	for _, p := range pairs {
		for _, src := range []string{"proc", "kernel"} {
			q := p
			q.src = src
			q.env = []string{"OPENFILES_SOURCE=" + src}
			out = append(out, q)
		}
	}
	return out
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
	pairs := bothSources(
		pair{name: "lsof -n -P", ours: []string{lsof, "-n", "-P"}, ref: []string{"/usr/bin/lsof", "-n", "-P"}},
		pair{name: "lsof -n -P -i :PORT", ours: []string{lsof, "-n", "-P", "-i", ":" + port}, ref: []string{"/usr/bin/lsof", "-n", "-P", "-i", ":" + port}},
		pair{name: "lsof FILE", ours: []string{lsof, file}, ref: []string{"/usr/bin/lsof", file}},
	)
	pairs = append(pairs, pair{name: "lsof -p PID", ours: []string{lsof, "-p", fmt.Sprint(wl.Process.Pid)}, ref: []string{"/usr/bin/lsof", "-p", fmt.Sprint(wl.Process.Pid)}})
	if fileExists(fuser) {
		pairs = append(pairs, bothSources(
			pair{name: "fuser FILE", ours: []string{fuser, file}, ref: []string{"/usr/bin/fuser", file}},
			pair{name: "fuser -m DIR", ours: []string{fuser, "-m", filepath.Dir(file)}, ref: []string{"/usr/bin/fuser", "-m", filepath.Dir(file)}},
			pair{name: "fuser PORT/tcp", ours: []string{fuser, port + "/tcp"}, ref: []string{"/usr/bin/fuser", port + "/tcp"}},
		)...)
	}
	if floor := filepath.Join(bin, "floor"); fileExists(floor) {
		// Not ours against theirs: the system calls alone, on every
		// core, against psmisc, for the lowest ratio any fuser can have.
		pairs = append(pairs,
			pair{name: "floor: a stat per descriptor vs fuser FILE", ours: []string{floor, "-mode", "stats"}, ref: []string{"/usr/bin/fuser", file}},
			pair{name: "floor: a readlink per descriptor vs fuser PORT/tcp", ours: []string{floor, "-mode", "links"}, ref: []string{"/usr/bin/fuser", port + "/tcp"}},
		)
	}
	if kdump := filepath.Join(bin, "kdump"); fileExists(kdump) {
		// The kernel iterator (pkg/fdscan/kiter) alone: its whole
		// listing beside lsof's, ours and the floor, and its in-kernel
		// search beside psmisc's. It loads only as root (or with CAP_BPF
		// and CAP_PERFMON).
		if err := exec.Command(kdump, "-wanted", "/").Run(); err != nil {
			fmt.Fprintf(os.Stderr, "compare: no kernel iterator rows: %s cannot load (%v)\n", kdump, err)
		} else {
			floor := filepath.Join(bin, "floor")
			pairs = append(pairs,
				pair{name: "kiter: every descriptor vs lsof -n -P", ours: []string{kdump}, ref: []string{"/usr/bin/lsof", "-n", "-P"}},
				pair{name: "kiter: every descriptor vs floor -mode stats", ours: []string{kdump}, ref: []string{floor, "-mode", "stats"}},
				pair{name: "kiter: FILE filtered in the kernel vs fuser FILE", ours: []string{kdump, "-wanted", file}, ref: []string{"/usr/bin/fuser", file}},
			)
		}
	}
	if _, err := exec.LookPath("lsfd"); err == nil {
		pairs = append(pairs, pair{name: "lsof -n -P vs lsfd", ours: []string{lsof, "-n", "-P"}, ref: []string{"lsfd"}})
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
	return table([]pair{{name: fmt.Sprintf("lsof -p PID, ulimit -n %d", lim.Max),
		ours: []string{lsof, "-p", pid}, ref: []string{"/usr/bin/lsof", "-p", pid}}}, runs)
}

// table measures each pair runs times, alternating, and prints a row.
func table(pairs []pair, runs int) error {
	for _, p := range pairs {
		var ours, ref []sample
		for range runs {
			s, err := measure(p.ours, p.env)
			if err != nil {
				return err
			}
			ours = append(ours, s)
			if s, err = measure(p.ref, nil); err != nil {
				return err
			}
			ref = append(ref, s)
		}
		o, r := median(ours), median(ref)
		label := "`" + p.name + "`"
		if p.src != "" {
			label += ", " + p.src
		}
		fmt.Printf("| %s | %.2f s | %.2f s | %.2f | %.2f s | %.2f s | %d MiB | %d MiB | %.2f |\n", label,
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

func measure(argv, env []string) (sample, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
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
