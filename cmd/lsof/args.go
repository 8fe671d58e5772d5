package main

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
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
	maxLinks      int  // +L N: select files with fewer links; 0 for none
	tasks         taskMode

	pids, notPIDs   []int
	pgids, notPGIDs []int
	users, notUsers []uint32
	commands        []commandSel
	notCommands     []string
	fds             *fdSet
	inet            []*inetSpec
	states          stateFilter
	names           []string // file arguments
	dirs            []dirArg // +d and +D
	crossFS         bool     // -x

	fields   *fieldSet // -F
	repeat   *repeatSpec
	statWait int // -S seconds, 0 for the default
}

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

// valueOptions take a value, attached or as the next word unless that
// word starts with - or + (lsof's rule).
const valueOptions = "cdDFgKLoprsSTuxi"

// parseArgs reads lsof's command line. Options may be grouped (-nPp 1);
// the first word that is not an option, or "--", ends them, and the
// rest are file names.
func parseArgs(args []string, e env) (options, error) {
	o := options{offsetDigits: 8, cmdWidth: 9}
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			i++
			break
		}
		switch a {
		case "--json":
			o.json = true
			continue
		case "--strict":
			o.strict = true
			continue
		case "--size-offset":
			o.sizeAndOffset = true
			continue
		case "--summary":
			o.summary, o.summaryTop = true, defaultSummaryTop
			continue
		case "--netns":
			o.netns = true
			continue
		case "--container":
			o.container = true
			continue
		}
		if v, ok := strings.CutPrefix(a, "--summary="); ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return o, usageError("--summary= not followed by a number of processes: " + v)
			}
			o.summary, o.summaryTop = true, n
			continue
		}
		if len(a) < 2 || (a[0] != '-' && a[0] != '+') {
			break
		}
		plus := a[0] == '+'
		for j := 1; j < len(a); j++ {
			c := a[j]
			var v string
			var hasV bool
			if strings.IndexByte(valueOptions, c) >= 0 {
				if v = a[j+1:]; v != "" {
					hasV = true
				} else if i+1 < len(args) && args[i+1] != "" && args[i+1][0] != '-' && args[i+1][0] != '+' {
					i++
					v, hasV = args[i], true
				}
				j = len(a)
			}
			if err := o.option(c, plus, v, hasV, e); err != nil {
				return o, err
			}
		}
	}
	o.names = append(o.names, args[i:]...)
	return o, o.check()
}

// option applies one option letter; v is its value when hasV.
func (o *options) option(c byte, plus bool, v string, hasV bool, e env) error {
	if plus {
		switch c {
		case 'c':
			n, err := strconv.Atoi(v)
			if !hasV || err != nil || n < 0 {
				return usageError("+c not followed by width number")
			}
			if n > commLen {
				return usageError("+c " + v + " > what system provides (" + strconv.Itoa(commLen) + ")")
			}
			if n == 0 {
				n = commLen
			}
			o.cmdWidth = n
		case 'd', 'D':
			if !hasV {
				return usageError("no directory specified for +" + string(c))
			}
			o.dirs = append(o.dirs, dirArg{v, c == 'D'})
		case 'L':
			o.linkColumn = true
			if hasV {
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 {
					return usageError("+L not followed by a number: " + v)
				}
				o.maxLinks = n
			}
		case 'r':
			r, err := parseRepeat(v, hasV, true)
			if err != nil {
				return err
			}
			o.repeat = r
		case 'w':
			o.noWarn = false
		default:
			return unsupported('+', c)
		}
		return nil
	}
	switch c {
	case 'h', '?':
		o.help = true
	case 'v':
		o.version = true
	case 'a':
		o.and = true
	case 'n':
		o.noHosts = true
	case 'P':
		o.noPorts = true
	case 'U':
		o.unix = true
	case 't':
		o.terse, o.noWarn = true, true
	case 'w':
		o.noWarn = true
	case 'Q':
		o.quiet = true
	case 'l':
		o.numericUser = true
	case 'R':
		o.ppid = true
	case 'O', 'b':
		// -O (no overhead) changes nothing visible here. -b (avoid
		// kernel blocks): this lsof never blocks on a stat, see -S.
	case 'L':
		if hasV {
			return usageError("no number may follow -L")
		}
		o.linkColumn = false
	case 'K':
		switch {
		case !hasV:
			o.tasks = tasksSelect
		case v == "i":
			o.tasks = tasksIgnore
		default:
			return usageError("-K not followed by i (but by " + v[:1] + ")")
		}
	case 'p':
		if !hasV {
			return usageError("no process ID specified")
		}
		return parseIDs(v, "process ID", &o.pids, &o.notPIDs)
	case 'g':
		o.pgidColumn = true
		if hasV {
			return parseIDs(v, "process group ID", &o.pgids, &o.notPGIDs)
		}
	case 'u':
		if !hasV {
			return usageError("no UIDs specified")
		}
		return o.parseUsers(v, e)
	case 'c':
		if !hasV {
			return usageError("missing -c option value")
		}
		return o.parseCommand(v)
	case 'd':
		if !hasV {
			return usageError("no file descriptor specified")
		}
		if o.fds == nil {
			o.fds = &fdSet{}
		}
		return o.fds.parse(v)
	case 'i':
		spec, err := parseInet(v, e.lookupService, hostTimeout)
		if err != nil {
			return err
		}
		o.inet = append(o.inet, spec)
	case 's':
		if hasV && strings.Contains(v, ":") {
			return o.states.parse(v)
		}
		if hasV {
			return specError("unknown -s protocol: \"" + v + "\"")
		}
		o.sizeOnly = true
	case 'o':
		if !hasV {
			o.offset = true
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return usageError("-o not followed by a number of digits: " + v)
		}
		o.offsetDigits = n
	case 'S':
		// A bare -S means the default, as in lsof (whose default is 15
		// s): fdscan.DefaultLookupTimeout.
		o.statWait = 0
		if hasV {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return usageError("-S not followed by a number of seconds: " + v)
			}
			o.statWait = n
		}
	case 'x':
		if hasV && strings.Trim(v, "fl") != "" {
			return usageError("unknown cross-over option: " + v[:1])
		}
		o.crossFS = true
	case 'F':
		f, err := parseFields(v)
		if err != nil {
			return err
		}
		o.fields = f
	case 'r':
		r, err := parseRepeat(v, hasV, false)
		if err != nil {
			return err
		}
		o.repeat = r
	default:
		return unsupported('-', c)
	}
	return nil
}

// check rejects combinations lsof rejects, and drops duplicate IDs.
func (o *options) check() error {
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
	return o.pids != nil || o.pgids != nil || o.users != nil || o.commands != nil ||
		o.fds != nil || o.inet != nil || o.unix || o.names != nil || o.dirs != nil ||
		o.maxLinks > 0 || o.tasks == tasksSelect
}

func unsupported(sign, c byte) error {
	if c < 0x20 || c > 0x7e || strings.IndexByte("abcdDeEfFgiKlLmMnNoOPQrRsStTuUvVwxXZ", c) < 0 {
		return usageError("illegal option character: " + string(c))
	}
	return usageError("option " + string(sign) + string(c) + " is not supported yet")
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
