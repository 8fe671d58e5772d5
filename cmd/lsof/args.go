//go:build linux

package main

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/openfiles/openfiles/pkg/netsock"
	"github.com/openfiles/openfiles/pkg/render"
	"github.com/openfiles/openfiles/pkg/selector"
)

// options are the parsed command line.
type options struct {
	help, version bool
	and           bool // -a: AND the selections instead of ORing them
	noHosts       bool // -n
	noPorts       bool // -P
	unix          bool // -U
	terse         bool // -t
	noWarn        bool // -w
	quiet         bool // -Q: a search that finds nothing is no failure
	numericUser   bool // -l
	ppid          bool // -R
	pgidColumn    bool // -g
	json          bool // --json
	strict        bool // --strict: exit status 2 when something could not be inspected
	sizeAndOffset bool // --size-offset: SIZE and OFFSET columns both
	summary       bool // --summary[=N]: totals for people, not the listing
	summaryTop    int  // --summary=N: processes shown by each table; 0 for all
	netns         bool // --netns: the NETNS column and w field
	container     bool // --container: the CONTAINER column, j field and JSON
	offset        bool // -o: always an offset
	sizeOnly      bool // -s: always a size
	offsetDigits  int  // -o N
	cmdWidth      int  // +c W
	linkColumn    bool // +L
	linkSelect    bool // +L N: select files with fewer than maxLinks links
	maxLinks      int
	warnings      []string         // said on stderr before the listing
	skipInet      bool             // -X: TCP, UDP and UDPLITE (and raw IPv6) sockets are not identified
	nfs           bool             // -N: select files on NFS
	verbose       bool             // -V: say which search items were not found
	listMounts    bool             // +m: list the mount points and their devices, and exit
	pidOrder      []int            // -p as given, for -V
	tcpInfo       render.TCPInfo   // -T
	flags         render.FlagStyle // +f g, +f G, and -F's G field
	fileSys       fileSysMode      // -f, +f: what a name means
	exempt        []exemptFS       // -e, +e: file systems whose files are not stat'ed
	endpoints     endpointMode     // -E, +E: the other ends of pipes, sockets, ptys, ...
	tasks         taskMode

	pids, notPIDs   []int
	pgids, notPGIDs []int
	users, notUsers []uint32
	commands        []commandSel
	notCommands     []string
	fds             *selector.FDSet
	inet            []*selector.InetSpec
	inetAddrs       int // entries the -i options made, for lsof's limit
	states          selector.StateFilter
	names           []string // file arguments
	dirs            []dirArg // +d and +D
	crossFS         bool     // -x

	fields   *fieldSet // -F
	repeat   *repeatSpec
	statWait int // -S seconds, 0 for the default
}

// fileSysMode is what a file name argument means.
type fileSysMode uint8

const (
	fileSysAuto  fileSysMode = iota // a mount point, or a mounted block device, is its file system
	fileSysFiles                    // -f: always the file
	fileSysOnly                     // +f: only file systems; any other name is an error
)

type taskMode uint8

const (
	tasksDefault taskMode = iota // only in a listing with no selection
	tasksSelect                  // -K: list tasks, and select them
	tasksIgnore                  // -K i
)

type commandSel struct {
	prefix string
	re     *regexp.Regexp
	text   string // as given, for messages
	found  bool
}

type dirArg struct {
	path    string
	recurse bool
}

// usageError is a command-line mistake: lsof prints it, then a short usage.
type usageError string

func (e usageError) Error() string { return string(e) }

// commLen is the longest command name Linux keeps.
const commLen = 15

// parseArgs reads lsof's command line as lsof's GetOpt does (see
// argReader): options may be grouped (-nPp 1); the first word that is not
// an option, or "--", ends them, and the rest are file names.
func parseArgs(args []string, e env) (options, error) {
	o := options{offsetDigits: 8, cmdWidth: 9}
	r := &argReader{args: args}
	for {
		c, sign, v, long, done := r.next()
		if done {
			break
		}
		if long != "" {
			switch long {
			case "--json":
				o.json = true
			case "--strict":
				o.strict = true
			case "--size-offset":
				o.sizeAndOffset = true
			case "--summary":
				o.summary, o.summaryTop = true, defaultSummaryTop
			case "--netns":
				o.netns = true
			case "--container":
				o.container = true
			default:
				v, ok := strings.CutPrefix(long, "--summary=")
				if !ok {
					return o, usageError("illegal option character: -")
				}
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 {
					return o, usageError("--summary= not followed by a number of processes: " + v)
				}
				o.summary, o.summaryTop = true, n
			}
			continue
		}
		if err := o.option(c, sign, &v, e); err != nil {
			return o, err
		}
	}
	o.names = append(o.names, r.rest()...)
	return o, o.check()
}

// option applies one option letter, given with sign '-' or '+'; v is
// what follows it, for a letter that may take a value. As in lsof, the
// sign matters only where lsof gives it a meaning (+c, +d, -n and +n, ...).
func (o *options) option(c, sign byte, v *optValue, e env) error {
	plus := sign == '+'
	switch c {
	case ':':
		return usageError("colon is an illegal option character.")
	case 'h', '?':
		o.help = true
	case 'v':
		o.version = true
	case 'a':
		o.and = true
	case 'b':
		// Avoid kernel blocks: this lsof never blocks on a stat, see -S.
	case 'O':
		// No overhead: nothing here costs what lsof's -O avoids.
	case 'n':
		o.noHosts = !plus
	case 'P':
		o.noPorts = !plus
	case 'U':
		o.unix = true
	case 't':
		o.terse, o.noWarn = true, true
	case 'w':
		o.noWarn = !plus
	case 'Q':
		o.quiet = true
	case 'l':
		o.numericUser = true
	case 'R':
		o.ppid = true
	case 'c':
		if plus {
			n, digits := v.digits()
			if v.missing() || digits == 0 {
				return usageError("+c not followed by width number")
			}
			if n > commLen {
				return usageError("+c " + strconv.Itoa(n) + " > what system provides (" + strconv.Itoa(commLen) + ")")
			}
			if n == 0 {
				n = commLen
			}
			// lsof never cuts a name shorter than its column's title.
			o.cmdWidth = max(n, len("COMMAND"))
			return nil
		}
		if !v.ok || v.s != "" && (v.s[0] == '-' || v.s[0] == '+') {
			return usageError("missing -c option value")
		}
		return o.parseCommand(v.s)
	case 'd', 'D':
		switch {
		case !plus && c == 'D':
			return usageError("unsupported option: -D")
		case !plus:
			if !v.ok {
				return usageError("no file descriptor specified")
			}
			if o.fds == nil {
				o.fds = &selector.FDSet{}
			}
			return o.fds.Parse(v.s)
		case !v.ok || v.s != "" && (v.s[0] == '-' || v.s[0] == '+'):
			return usageError("+d not followed by a directory path")
		}
		o.dirs = append(o.dirs, dirArg{v.s, c == 'D'})
	case 'L':
		o.linkColumn = plus
		if v.missing() {
			o.maxLinks, o.linkSelect = 0, false
			return nil
		}
		n, digits := v.digits()
		switch {
		case digits > 0 && !plus:
			return usageError("no number may follow -L")
		case digits > 0:
			o.maxLinks, o.linkSelect = n, true
		default:
			o.maxLinks, o.linkSelect = 0, false
		}
		if digits < len(v.s) {
			v.unread(digits)
		}
	case 'K':
		switch {
		case v.missing():
			o.tasks = tasksSelect
		case strings.EqualFold(v.s, "i"):
			o.tasks = tasksIgnore
		default:
			return usageError("-K not followed by i (but by " + v.s + ")")
		}
	case 'p':
		if !v.ok {
			return usageError("no process ID specified")
		}
		return parseIDs(v.s, "process ID", &o.pids, &o.notPIDs)
	case 'g':
		o.pgidColumn = true
		if !v.missing() {
			return parseIDs(v.s, "process group ID", &o.pgids, &o.notPGIDs)
		}
	case 'u':
		if !v.ok {
			return usageError("no UIDs specified")
		}
		return o.parseUsers(v.s, e)
	case 'i':
		arg := ""
		if !v.missing() {
			arg = v.s
		}
		spec, err := selector.ParseInet(arg, e.lookupService, netsock.HostTimeout)
		if err != nil {
			return err
		}
		o.inet = append(o.inet, spec)
		return o.countInet(spec, arg)
	case 's':
		if v.missing() {
			o.sizeOnly = true
			return nil
		}
		return o.states.Parse(v.s)
	case 'o':
		if v.missing() {
			o.offset = true
			return nil
		}
		n, digits := v.digits()
		if digits > 0 {
			o.offsetDigits = n
		} else {
			o.offset = true
		}
		if digits < len(v.s) {
			v.unread(digits)
		}
	case 'S':
		// A bare -S means the default, as in lsof (whose default is 15
		// s): pathlookup.DefaultTimeout.
		o.statWait = 0
		if v.missing() {
			return nil
		}
		if n, digits := v.digits(); digits > 0 {
			o.statWait = n
			if digits < len(v.s) {
				v.unread(digits)
			}
		} else {
			v.unread(0)
		}
		if o.statWait < minStatWait {
			o.warnings = append(o.warnings, "WARNING: -S time ("+strconv.Itoa(o.statWait)+") changed to "+strconv.Itoa(minStatWait))
			o.statWait = minStatWait
		}
	case 'x':
		if v.missing() {
			o.crossFS = true
			return nil
		}
		for i := 0; i < len(v.s); i++ {
			if v.s[i] != 'f' && v.s[i] != 'l' {
				return usageError("unknown cross-over option: " + v.s[i:i+1])
			}
		}
		o.crossFS = true
	case 'F':
		if v.missing() {
			v.s = ""
		}
		f, err := parseFields(v.s)
		if err != nil {
			return err
		}
		o.fields = f
		if strings.IndexByte(f.letters, 'G') >= 0 {
			o.flags = render.FlagsHex // as lsof: -F G shows them in hexadecimal
		}
	case 'r':
		r, err := parseRepeat(v, plus)
		if err != nil {
			return err
		}
		o.repeat = r
	default:
		return o.otherOption(c, sign, v)
	}
	return nil
}

// minStatWait is the shortest -S lsof accepts, in seconds.
const minStatWait = 2

// check rejects combinations lsof rejects, and drops duplicate IDs.
func (o *options) check() error {
	o.pidOrder = slices.Clone(o.pids)
	for _, ids := range []*[]int{&o.pids, &o.pgids} {
		if *ids != nil {
			slices.Sort(*ids)
			*ids = slices.Compact(*ids)
		}
	}
	switch {
	case o.fields != nil && o.terse:
		return usageError("-F and -t are mutually exclusive")
	case o.summary && (o.fields != nil || o.terse || o.json):
		return usageError("--summary and -F, -t or --json are mutually exclusive")
	case o.offset && o.sizeOnly:
		return usageError("-o and -s are mutually exclusive")
	case o.crossFS && o.dirs == nil:
		return usageError("-x must accompany +d or +D")
	case o.and && !o.selects():
		return usageError("no select options to AND via -a")
	}
	for _, id := range o.pids {
		if slices.Contains(o.notPIDs, id) {
			return usageError("PID " + strconv.Itoa(id) + " has been included and excluded.")
		}
	}
	for _, id := range o.users {
		if slices.Contains(o.notUsers, id) {
			return usageError("UID " + strconv.Itoa(int(id)) + " has been included and excluded.")
		}
	}
	return nil
}

// selects reports whether any inclusive selection is given.
func (o *options) selects() bool {
	return o.pids != nil || o.pgids != nil || o.users != nil || o.commands != nil || o.nfs ||
		o.fds != nil || o.inet != nil || o.unix || o.names != nil || o.dirs != nil ||
		o.linkSelect || o.tasks == tasksSelect
}

// maxInetAddrs is lsof's limit on the -i addresses and ports of a command
// line, over all its -i options.
const maxInetAddrs = 100

// countInet counts what -i spec enters into lsof's table of network
// addresses (one entry per port or range for each address), failing as
// lsof does past its limit.
func (o *options) countInet(spec *selector.InetSpec, arg string) error {
	if arg == "" || arg == "4" || arg == "6" {
		return nil // every Internet file, or a family's: no entry
	}
	addrs, ports := max(len(spec.Addrs), 1), max(len(spec.Ports), 1)
	for i := 0; i < addrs*ports; i++ {
		if o.inetAddrs >= maxInetAddrs {
			return selector.SpecError("network address limit (" + strconv.Itoa(maxInetAddrs) + ") exceeded: -i " + arg)
		}
		o.inetAddrs++
	}
	return nil
}

// parseIDs parses a list of numbers, ^ excluding, into in and out.
func parseIDs(v, what string, in, out *[]int) error {
	for _, s := range strings.Split(v, ",") {
		if s == "" {
			continue
		}
		dst := in
		if s[0] == '^' {
			dst, s = out, s[1:]
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return usageError("illegal " + what + ": " + s)
		}
		*dst = append(*dst, n)
	}
	return nil
}

func (o *options) parseUsers(v string, e env) error {
	for _, s := range strings.Split(v, ",") {
		if s == "" {
			continue
		}
		excl := s[0] == '^'
		s = strings.TrimPrefix(s, "^")
		uid, ok := e.uid(s)
		if !ok {
			return usageError("can't get UID for " + s)
		}
		if excl {
			o.notUsers = append(o.notUsers, uid)
		} else {
			o.users = append(o.users, uid)
		}
	}
	return nil
}

func (o *options) parseCommand(v string) error {
	excl := strings.HasPrefix(v, "^")
	v = strings.TrimPrefix(v, "^")
	if !strings.HasPrefix(v, "/") {
		if len(v) > commLen {
			return usageError("\"-c " + v + "\" length (" + strconv.Itoa(len(v)) + ") > what system provides (" + strconv.Itoa(commLen) + ")")
		}
		if excl {
			o.notCommands = append(o.notCommands, v)
		} else {
			o.commands = append(o.commands, commandSel{prefix: v, text: v})
		}
		return nil
	}
	end := strings.LastIndexByte(v, '/')
	if end == 0 {
		return usageError("regexp doesn't end with '/': " + v)
	}
	expr, mods := v[1:end], v[end+1:]
	ignoreCase := false
	for _, m := range mods {
		switch m {
		case 'i':
			ignoreCase = true
		case 'b', 'x':
		default:
			return usageError("invalid regexp modifier: " + string(m))
		}
	}
	if strings.Contains(mods, "b") && strings.Contains(mods, "x") {
		return usageError("b and x regexp modifiers conflict: " + v)
	}
	if ignoreCase {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return usageError("regexp error: " + v + ": " + err.Error())
	}
	o.commands = append(o.commands, commandSel{re: re, text: v})
	return nil
}
