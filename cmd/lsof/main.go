// Command lsof lists the open files of processes, as lsof(8) does, read
// from /proc.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/netsock"
	"github.com/openfiles/openfiles/pkg/render"
)

// env is what a run reads from outside its arguments: where /proc and the
// passwd file are, and how to escape names. Tests point it at fixtures.
type env struct {
	procRoot string
	stats    fdscan.StatTable
	passwd   string
	esc      render.Escaper
}

func main() {
	e := env{procRoot: "/proc", passwd: "/etc/passwd", esc: render.LocaleEscaper()}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, e))
}

// options are the parsed command line.
type options struct {
	help    bool
	pids    []int // -p; nil when absent
	noHosts bool  // -n: no host names
	noPorts bool  // -P: no port names
}

// usageError is a command-line mistake: lsof prints it, then a short usage.
type usageError string

func (e usageError) Error() string { return string(e) }

func run(args []string, stdout, stderr io.Writer, e env) int {
	opts, err := parseArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "lsof: %v\n", err)
		fmt.Fprint(stderr, shortUsage)
		return 1
	}
	if opts.help {
		fmt.Fprint(stderr, longUsage)
		return 0
	}
	// As lsof, a listing with no selection shows every task too.
	all := opts.pids == nil
	sc, err := fdscan.New(fdscan.Options{Root: e.procRoot, Stats: e.stats, Tasks: all})
	if err != nil {
		fmt.Fprintf(stderr, "lsof: can't open %s: %v\n", e.procRoot, err)
		return 1
	}
	pids := opts.pids
	if pids == nil {
		if pids, err = sc.PIDs(); err != nil {
			fmt.Fprintf(stderr, "lsof: can't read %s: %v\n", e.procRoot, err)
			return 1
		}
	}
	names := netsock.NewNamer(opts.noHosts, opts.noPorts)
	table := render.NewTable(e.esc, e.procRoot, fdscan.LoadUsers(e.passwd), names)
	sockets := netsock.NewResolver(e.procRoot)
	found := map[int]bool{}
	err = sc.Scan(pids, func(p *fdscan.Process) error {
		found[p.PID] = true
		for i := range p.Files {
			f := &p.Files[i]
			var sock *netsock.Socket
			if f.Type == fdscan.TypeSock && f.Err == nil && p.NetNS != 0 {
				if s, ok := sockets.Lookup(p.NetNS, p.PID, f.Inode); ok {
					sock = &s
				}
			}
			table.Add(p, f, sock)
		}
		return nil
	})
	if err == nil {
		_, err = table.WriteTo(stdout)
	}
	if err != nil {
		if errors.Is(err, syscall.EPIPE) {
			return 1
		}
		fmt.Fprintf(stderr, "lsof: %v\n", err)
		return 1
	}
	// As lsof: every PID asked for must have been found.
	for _, pid := range opts.pids {
		if !found[pid] {
			return 1
		}
	}
	if table.Len() == 0 {
		return 1
	}
	return 0
}

// parseArgs reads lsof's command line. Options may be grouped (-hp 1) and
// an option's value may be attached (-p1,2) or follow as the next word.
func parseArgs(args []string) (options, error) {
	var o options
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			if i+1 < len(args) {
				return o, usageError("file name arguments are not supported yet: " + args[i+1])
			}
			break
		}
		if len(a) < 2 || (a[0] != '-' && a[0] != '+') {
			return o, usageError("file name arguments are not supported yet: " + a)
		}
		if a[0] == '+' {
			return o, usageError("option " + a[:2] + " is not supported yet")
		}
		for j := 1; j < len(a); j++ {
			switch c := a[j]; c {
			case 'h', '?':
				o.help = true
			case 'n':
				o.noHosts = true
			case 'P':
				o.noPorts = true
			case 'p':
				v := a[j+1:]
				if v == "" {
					if i+1 >= len(args) || strings.HasPrefix(args[i+1], "-") {
						return o, usageError("no process ID specified")
					}
					i++
					v = args[i]
				}
				pids, err := parsePIDs(v)
				if err != nil {
					return o, err
				}
				o.pids = append(o.pids, pids...)
				j = len(a)
			default:
				if c < 0x20 || c > 0x7e || !strings.ContainsRune(knownOptions, rune(c)) {
					return o, usageError("illegal option character: " + string(c))
				}
				return o, usageError("option -" + string(c) + " is not supported yet")
			}
		}
	}
	if o.pids != nil {
		slices.Sort(o.pids)
		o.pids = slices.Compact(o.pids)
	}
	return o, nil
}

// knownOptions are lsof's option letters; those this lsof does not
// implement yet are refused by name rather than silently ignored.
const knownOptions = "abcdDeEfFgiKlLmMnNoOPQrRsStTuUvVwxXZ"

func parsePIDs(v string) ([]int, error) {
	var pids []int
	for _, s := range strings.Split(v, ",") {
		if s == "" {
			continue
		}
		if s[0] == '^' {
			return nil, usageError("PID exclusion (^) is not supported yet")
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return nil, usageError("illegal process ID: " + s)
		}
		pids = append(pids, n)
	}
	return pids, nil
}

const shortUsage = `usage: lsof [-?hnP] [-p s]
Use the "-h" option to get more help information.
`

const longUsage = `usage: lsof [-?hnP] [-p s]
List open files of processes, read from /proc.
  -?|-h   print this help
  -n      no host names (socket addresses as numbers)
  -P      no port names (port numbers as numbers)
  -p s    select processes by PID: a comma-separated list (1,2,3)
With no option, every process is listed. Exit status: 0 when something was
listed, 1 when nothing was or a selected process was not found.
`
