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
	"time"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/netsock"
	"github.com/openfiles/openfiles/pkg/render"
)

// env is what a run reads from outside its arguments: where /proc and the
// passwd file are, and how to escape names. Tests point it at fixtures.
type env struct {
	trace    *trace // when set, receives counts of the work done
	procRoot string
	stats    fdscan.StatTable
	passwd   string
	hosts    string
	services string
	dns      bool
	esc      render.Escaper
}

// trace records how much work a run did, for tests.
type trace struct {
	netnsReads, tableFiles int
}

// lookupService returns the port of a service name from the env's
// services file.
func (e env) lookupService(name, proto string) (int, bool) {
	return netsock.ServicePort(e.services, name, proto)
}

func main() {
	e := env{
		procRoot: "/proc", passwd: "/etc/passwd",
		hosts: "/etc/hosts", services: "/etc/services", dns: true,
		esc: render.LocaleEscaper(),
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, e))
}

// options are the parsed command line.
type options struct {
	help    bool
	pids    []int // -p; nil when absent
	noHosts bool  // -n: no host names
	noPorts bool  // -P: no port names
	and     bool  // -a: AND the selections instead of ORing them
	unix    bool  // -U: unix sockets
	inet    []*inetSpec
	states  stateFilter // -s PROTO:STATE
	json    bool        // --json: one JSON object per file
}

// usageError is a command-line mistake: lsof prints it, then a short usage.
type usageError string

func (e usageError) Error() string { return string(e) }

func run(args []string, stdout, stderr io.Writer, e env) int {
	opts, err := parseArgs(args, e)
	if err != nil {
		fmt.Fprintf(stderr, "lsof: %v\n", err)
		fmt.Fprint(stderr, shortUsage)
		return 1
	}
	if opts.help {
		fmt.Fprint(stderr, longUsage)
		return 0
	}
	sel := newSelection(&opts)
	sc, err := fdscan.New(fdscan.Options{
		Root: e.procRoot, Stats: e.stats,
		Tasks:       sel.all, // as lsof, a listing with no selection shows every task
		SocketsOnly: sel.socketsOnly(),
	})
	if err != nil {
		fmt.Fprintf(stderr, "lsof: can't open %s: %v\n", e.procRoot, err)
		return 1
	}
	pids := sel.scanPIDs()
	if pids == nil {
		if pids, err = sc.PIDs(); err != nil {
			fmt.Fprintf(stderr, "lsof: can't read %s: %v\n", e.procRoot, err)
			return 1
		}
	}
	names := netsock.NewNamer(opts.noHosts, opts.noPorts)
	names.HostsFile, names.ServicesFile = e.hosts, e.services
	if !e.dns {
		names.Timeout = 0
	}
	users := fdscan.LoadUsers(e.passwd)
	var out output = &tableOutput{render.NewTable(e.esc, e.procRoot, users, names), stdout}
	if opts.json {
		out = &jsonOutput{j: render.NewJSONWriter(stdout, e.procRoot, users, names)}
	}
	sockets := netsock.NewResolver(e.procRoot)
	err = sc.Scan(pids, func(p *fdscan.Process) error {
		sel.process(p)
		for i := range p.Files {
			f := &p.Files[i]
			var sock *netsock.Socket
			if f.Type == fdscan.TypeSock && f.Err == nil && p.NetNS != 0 {
				if s, ok := sockets.Lookup(p.NetNS, p.PID, f.Inode); ok {
					sock = &s
				}
			}
			if sel.file(p, sock) {
				if err := out.add(p, f, sock); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if e.trace != nil {
		e.trace.netnsReads, e.trace.tableFiles = sockets.Reads, sockets.Files
	}
	listed, ferr := out.finish()
	if err == nil {
		err = ferr
	}
	if err != nil {
		if errors.Is(err, syscall.EPIPE) {
			return 1
		}
		fmt.Fprintf(stderr, "lsof: %v\n", err)
		return 1
	}
	if listed == 0 || sel.missed() {
		return 1
	}
	return 0
}

// parseArgs reads lsof's command line. Options may be grouped (-nPp 1);
// an option's value may be attached (-p1,2, -iTCP) or follow as the next
// word, which -i and -s take only when it does not start with - or +.
func parseArgs(args []string, e env) (options, error) {
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
		if a == "--json" {
			o.json = true
			continue
		}
		if a[0] == '+' {
			return o, usageError("option " + a[:2] + " is not supported yet")
		}
		// value returns the option's attached value, or takes the next
		// word when optional is false or the word is not an option.
		value := func(j int, optional bool) (string, bool) {
			if v := a[j+1:]; v != "" {
				return v, true
			}
			if i+1 < len(args) && (!optional || (args[i+1] != "" && args[i+1][0] != '-' && args[i+1][0] != '+')) {
				i++
				return args[i], true
			}
			return "", false
		}
		for j := 1; j < len(a); j++ {
			switch c := a[j]; c {
			case 'h', '?':
				o.help = true
			case 'n':
				o.noHosts = true
			case 'P':
				o.noPorts = true
			case 'a':
				o.and = true
			case 'U':
				o.unix = true
			case 'p':
				v, ok := value(j, true)
				if !ok {
					return o, usageError("no process ID specified")
				}
				pids, err := parsePIDs(v)
				if err != nil {
					return o, err
				}
				o.pids = append(o.pids, pids...)
				j = len(a)
			case 'i':
				v, _ := value(j, true)
				spec, err := parseInet(v, e.lookupService, hostTimeout)
				if err != nil {
					return o, err
				}
				o.inet = append(o.inet, spec)
				j = len(a)
			case 's':
				v, ok := value(j, true)
				if !ok || !strings.Contains(v, ":") {
					return o, usageError("option -s without PROTO:STATE (file sizes) is not supported yet")
				}
				if err := o.states.parse(v); err != nil {
					return o, err
				}
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

// hostTimeout bounds the lookup of a host name given to -i.
const hostTimeout = 2 * time.Second

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

const shortUsage = `usage: lsof [-?ahnPU] [-i [i]] [-p s] [-s p:s]
Use the "-h" option to get more help information.
`

const longUsage = `usage: lsof [-?ahnPU] [-i [i]] [-p s] [-s p:s]
List open files of processes, read from /proc.
  -?|-h   print this help
  -a      AND the selections (the default is OR)
  -i i    select Internet files: [46][TCP|UDP|UDPLITE][@host|@[v6addr]][:port,...]
          (ports, ranges N-M and service names; sockets of every network namespace)
  -s p:s  keep only TCP (and, as lsof does, UDP) sockets in states s: TCP:LISTEN,^CLOSE
  -U      select unix sockets
  -n      no host names (socket addresses as numbers)
  -P      no port names (port numbers as numbers)
  -p s    select processes by PID: a comma-separated list (1,2,3)
With no selection, every process and task is listed. Exit status: 0 when something was
listed, 1 when nothing was or a selected process was not found.
`
