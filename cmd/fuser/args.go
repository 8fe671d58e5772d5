//go:build linux

package main

import (
	"fmt"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/render"
	"github.com/openfiles/openfiles/pkg/selector"
)

// fuser is one run: the options, the names, what was found for them and
// where output goes.
type fuser struct {
	e   env
	out *streams

	verbose, all, mounts, kill, interactive bool
	silent, user, isMountPoint, writeOnly   bool
	ipv4, ipv6                              bool
	sig                                     int

	// Our own options, which psmisc does not have: --json, --dry-run
	// and --widen.
	json, dryRun, widen bool
	// allNetNS is --all-netns: -k signals the holders of sockets in
	// other network namespaces too, not only ours.
	allNetNS bool
	space    nameSpace // for names without /tcp, /udp or /file

	names []*name
	conns [4][]conn // by table: see tableTCP and the like
	// files are the file names by device and inode, and with -m by the
	// file system they are on (a block device's, the one it holds):
	// each key keeps every name added under it.
	files selector.Files[*name]
	// sockets are the inodes of the sockets the PORT/tcp and PORT/udp
	// names match, in any network namespace.
	sockets map[uint64][]*name
	// needUnix says a name is a unix socket's path, so sockets must be
	// told apart by the path they are bound to.
	needUnix bool

	// uninspected are the processes some of whose descriptors could not
	// be read, when they are summed up rather than listed.
	uninspected render.Gaps

	// spared are the processes fuser runs under, which -k leaves alone;
	// told, those it said so of.
	spared, told map[int]bool
	// plan is what -k --dry-run would do, for each name and process.
	plan     []planStep
	mountTab *fdscan.Mounts // our mount namespace's, read on first use
	// scanner read the processes; -k checks with it that a process to
	// signal is still the one read.
	scanner      *fdscan.Scanner
	ownNetNS     uint64 // the inode of our network namespace, 0 when unknown
	signalFailed bool   // a process -k was to signal could not be
}

// longOptions maps psmisc's long options to its short ones.
var longOptions = map[string]byte{
	"all": 'a', "kill": 'k', "interactive": 'i', "inode": 'I',
	"list-signals": 'l', "mount": 'm', "ismountpoint": 'M', "namespace": 'n',
	"silent": 's', "user": 'u', "verbose": 'v', "writeonly": 'w',
	"version": 'V', "ipv4": '4', "ipv6": '6',
}

// parseArgs reads the command line as psmisc does, in one pass: options
// take effect from where they stand, and each name is resolved when it
// is met, with the options seen so far, its messages printed at once.
// It reports true when the run is over, with its exit status.
func (f *fuser) parseArgs(args []string) (int, bool) {
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "" || arg[0] != '-' {
			if code, done := f.addName(arg); done {
				return code, true
			}
			continue
		}
		opt := arg
		if len(arg) > 1 && arg[1] == '-' {
			if len(arg) == 2 {
				break // "--" ends the command line: what follows is ignored
			}
			switch arg[2:] {
			case "json":
				f.json = true
				continue
			case "dry-run":
				f.dryRun = true
				continue
			case "widen":
				f.widen = true
				continue
			case "all-netns":
				f.allNetNS = true
				continue
			case "help":
				f.out.out().WriteString(usageText + extensionsText)
				return 0, true
			}
			c, ok := longOptions[arg[2:]]
			if !ok {
				f.out.errorf("%s: Invalid option %s\n", f.e.argv0, arg)
				return f.usage("")
			}
			opt = "-" + string(c)
		}
		skip := false
		for j := 1; j < len(opt) && !skip; j++ {
			switch c := opt[j]; c {
			case '4':
				f.ipv4 = true
			case '6':
				f.ipv6 = true
			case 'a':
				f.all = true
			case 'c', 'm':
				f.mounts = true
			case 'f', 'I':
				// -f is ignored; -I only changes how psmisc calls statx.
			case 'h':
				return f.usage("")
			case 'i':
				f.interactive = true
			case 'k':
				f.kill = true
			case 'l':
				f.out.out().WriteString(listSignals())
				return 0, true
			case 'M':
				f.isMountPoint = true
			case 'n':
				i++
				if i >= len(args) {
					return f.usage("Namespace option requires an argument.")
				}
				skip = true
				switch args[i] {
				case "tcp":
					f.space = spaceTCP
				case "udp":
					f.space = spaceUDP
				case "file":
					f.space = spaceFile
				default:
					return f.usage("Invalid namespace name")
				}
			case 's':
				f.silent = true
			case 'u':
				f.user = true
			case 'v':
				f.verbose = true
			case 'w':
				f.writeOnly = true
			case 'V':
				f.out.err().WriteString(version)
				return 0, true
			default:
				if isUpper(c) || isDigit(c) {
					// The whole word after the dash names the signal,
					// whatever letters came before this one.
					sig, name, ok := parseSignal(arg[1:])
					if !ok {
						f.out.errorf("%s: unknown signal; %s -l lists signals.\n", name, f.e.argv0)
						return 1, true
					}
					f.sig = sig
					skip = true
					break
				}
				f.out.errorf("%s: Invalid option %s\n", f.e.argv0, string([]byte{c}))
				return f.usage("")
			}
		}
	}
	if len(f.names) == 0 {
		return f.usage("No process specification given")
	}
	if f.isMountPoint {
		f.checkMountPoints()
	}
	if f.silent {
		f.verbose, f.user = false, false
		if f.all {
			return f.usage("all option cannot be used with silent option.")
		}
	}
	if f.ipv4 && f.ipv6 {
		return f.usage("You cannot search for only IPv4 and only IPv6 sockets at the same time")
	}
	return 0, false
}

// usage prints msg, when there is one, and psmisc's usage, and ends the
// run with status 1.
func (f *fuser) usage(msg string) (int, bool) {
	w := f.out.err()
	if msg != "" {
		fmt.Fprintln(w, msg)
	}
	w.WriteString(usageText)
	return 1, true
}

const usageText = `Usage: fuser [-fIMuvw] [-a|-s] [-4|-6] [-c|-m|-n SPACE]
             [-k [-i] [-SIGNAL]] NAME...
       fuser -l
       fuser -V
Show which processes use the named files, sockets, or filesystems.

  -a,--all              display unused files too
  -i,--interactive      ask before killing (ignored without -k)
  -I,--inode            use always inodes to compare files
  -k,--kill             kill processes accessing the named file
  -l,--list-signals     list available signal names
  -m,--mount            show all processes using the named filesystems or
                        block device
  -M,--ismountpoint     fulfill request only if NAME is a mount point
  -n,--namespace SPACE  search in this name space (file, udp, or tcp)
  -s,--silent           silent operation
  -SIGNAL               send this signal instead of SIGKILL
  -u,--user             display user IDs
  -v,--verbose          verbose output
  -w,--writeonly        kill only processes with write access
  -V,--version          display version information
  -4,--ipv4             search IPv4 sockets only
  -6,--ipv6             search IPv6 sockets only
  udp/tcp names: [local_port][,[rmt_host][,[rmt_port]]]

`

// extensionsText is --help's addition to psmisc's usage: the options
// psmisc does not have.
const extensionsText = `Options of this fuser that psmisc's does not have:
      --help            display this help on standard output
      --json            print the processes found for each NAME as JSON on
                        standard output, and only messages on standard error
      --dry-run         with -k, signal nothing: print on standard error a
                        table of each NAME's processes and the signal each
                        would get, or why none
      --widen           with -k and -m (or -c), accept a NAME that is not a
                        mount point and signal every process using the whole
                        file system that holds it, as psmisc does unasked
      --all-netns       with -k, also signal the processes whose socket a
                        PORT/tcp or PORT/udp name found in another network
                        namespace (a container's); without it they are listed
                        and spared
  With -k, fuser never signals itself or the processes it runs under (its
  parent shell and theirs), and says on standard error which it spared.

`

const version = `fuser (PSmisc) 23.6
Copyright (C) 1993-2022 Werner Almesberger and Craig Small

PSmisc comes with ABSOLUTELY NO WARRANTY.
This is free software, and you are welcome to redistribute it under
the terms of the GNU General Public License.
For more information about these matters, see the files named COPYING.
`
