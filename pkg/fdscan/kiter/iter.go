//go:build linux

package kiter

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"sync"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/internal/rawread"
)

// Iter is a loaded iterator program, attached and ready to walk the
// kernel's tables. Files may be called any number of times, also from
// several goroutines (one walk runs at a time); Close releases the
// program.
type Iter struct {
	prog *ebpf.Program
	link *link.Iter
	maps []*ebpf.Map
	// The mappings' program, when it loaded: nil where the kernel has
	// no task_vma iterators or refuses the program.
	vmaProg *ebpf.Program
	vmaLink *link.Iter
	vmaMu   sync.Mutex // the program's last_vma map serves one walk at a time
	filesMu sync.Mutex // and the files' program's names map
	// The processes' program, when it loaded: nil where the kernel
	// refuses it.
	taskProg *ebpf.Program
	taskLink *link.Iter
}

// FileID names a file by what stat returns for it: st_dev and st_ino.
type FileID struct {
	Dev, Ino uint64
}

// Error is why an iterator could not be loaded or run. It wraps the cause:
// errors.Is(err, os.ErrPermission) tells that privileges are missing
// (neither root nor CAP_BPF with CAP_PERFMON, or lockdown), and
// errors.Is(err, errors.ErrUnsupported) that this kernel cannot run the
// program (no BTF, no task_file iterators, no bpf_d_path in iterators,
// the verifier refused it).
type Error struct {
	Op  string // what failed: "load", "verify", "attach", "read"...
	Err error
}

func (e *Error) Error() string {
	if e.Op != "read" && errors.Is(e.Err, os.ErrPermission) {
		// The cause often names locked memory, which kernels with BPF
		// iterators no longer count: say what is really missing.
		return "kiter: " + e.Op + ": needs root, or CAP_BPF with CAP_PERFMON: " + e.Err.Error()
	}
	return "kiter: " + e.Op + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Is reports every failure to load that is not one of permission as
// errors.ErrUnsupported: the caller falls back either way, and a
// permission problem is the one a user can fix.
func (e *Error) Is(target error) bool {
	return target == errors.ErrUnsupported && e.Op != "read" && !errors.Is(e.Err, os.ErrPermission)
}

// Rejection is the verifier's refusal of the program, with its log. The
// kernel says EACCES, which is no missing privilege: Rejection does not
// unwrap to it.
type Rejection struct {
	Log []string // the verifier's output, line by line
	msg string
}

func (r *Rejection) Error() string { return r.msg }

// loadError classifies a failure to load: cilium/ebpf reports the
// verifier's refusal (EACCES, EINVAL, E2BIG with a log) and a missing
// privilege (EPERM, maybe with a log) alike as a VerifierError.
func loadError(op string, err error) *Error {
	var ve *ebpf.VerifierError
	if errors.As(err, &ve) && !errors.Is(ve.Cause, unix.EPERM) {
		return &Error{"verify", &Rejection{Log: ve.Log, msg: err.Error()}}
	}
	return &Error{op, err}
}

// Open loads the program that reports every open file of every process
// of the caller's PID namespace. It needs root, or CAP_BPF with
// CAP_PERFMON, and a kernel with BTF (Linux 5.12 or later); otherwise it
// returns an *Error and has changed nothing.
func Open() (*Iter, error) {
	return open(nil)
}

// A FileSystem is a kind of file system, by the name mountinfo gives it
// and the magic number statfs(2) does.
type FileSystem struct {
	Type  string
	Magic uint32
}

// Plain are the file systems whose inodes hold what stat reports of
// their files, and whose stat of an open file cannot fail: the disk and
// memory file systems, and the kernel's own ones for sockets, pipes,
// anonymous inodes and pidfds, which no mount table lists. Any other
// may report something else: overlayfs a layer's device, btrfs a
// subvolume's, proc and sysfs made-up sizes, a network or FUSE file
// system what its server says, or an error.
var Plain = []FileSystem{
	{"ext2", 0xef53}, {"ext3", 0xef53}, {"ext4", 0xef53},
	{"xfs", 0x58465342}, {"vfat", 0x4d44},
	{"tmpfs", 0x01021994}, {"devtmpfs", 0x01021994}, {"ramfs", 0x858458f6},
	{"devpts", 0x1cd1}, {"mqueue", 0x19800202}, {"hugetlbfs", 0x958458f6},
	{"sockfs", 0x534f434b}, {"pipefs", 0x50495045}, {"anon_inodefs", 0x09041934}, {"pidfs", 0x50494446},
}

// IsPlain reports whether file systems of type fsType, as mountinfo
// names it, are in Plain.
func IsPlain(fsType string) bool {
	return slices.ContainsFunc(Plain, func(fs FileSystem) bool { return fs.Type == fsType })
}

// Search is what OpenWanted reports: the files named by device and
// inode, and every file of the file systems named by device (st_dev of
// their files).
type Search struct {
	Files []FileID
	Devs  []uint64
}

// OpenWanted loads the program that reports only the open files s names,
// deciding in the kernel: a search costs one walk of the tables, not a
// record per descriptor. It reports, too, every file of a file system
// not in Plain, whose stat may show another device or inode than the
// kernel's inode holds, or fail: the caller stats them. It fails as Open
// does.
func OpenWanted(s Search) (*Iter, error) {
	return open(&s)
}

func open(search *Search) (it *Iter, err error) {
	spec, err := loadKiter()
	if err != nil {
		return nil, &Error{"load", err}
	}
	var specs kiterSpecs
	if err := spec.Assign(&specs); err != nil {
		return nil, &Error{"load", err}
	}

	it = &Iter{}
	defer func() {
		if err != nil {
			it.Close()
			it = nil
		}
	}()
	// The kernel's BTF is parsed once, for both programs: it is most of
	// what loading costs.
	opts := &ebpf.CollectionOptions{Cache: btf.NewCache()}
	specs.Names.MaxEntries = namesSize
	if search == nil {
		var objs struct {
			Prog      *ebpf.Program `ebpf:"dump_files"`
			Buf       *ebpf.Map     `ebpf:"scratch"`
			Names     *ebpf.Map     `ebpf:"names"`
			NameState *ebpf.Map     `ebpf:"name_state"`
		}
		if err := spec.LoadAndAssign(&objs, opts); err != nil {
			return it, loadError("load", err)
		}
		it.prog, it.maps = objs.Prog, []*ebpf.Map{objs.Buf, objs.Names, objs.NameState}
	} else {
		specs.Wanted.MaxEntries = uint32(max(1, len(search.Files)))
		specs.WantedDev.MaxEntries = uint32(max(1, len(search.Devs)))
		specs.Plain.MaxEntries = uint32(len(Plain))
		var objs struct {
			Prog      *ebpf.Program `ebpf:"dump_wanted"`
			Buf       *ebpf.Map     `ebpf:"scratch"`
			Wanted    *ebpf.Map     `ebpf:"wanted"`
			WantedDev *ebpf.Map     `ebpf:"wanted_dev"`
			Plain     *ebpf.Map     `ebpf:"plain"`
			Names     *ebpf.Map     `ebpf:"names"`
			NameState *ebpf.Map     `ebpf:"name_state"`
		}
		if err := spec.LoadAndAssign(&objs, opts); err != nil {
			return it, loadError("load", err)
		}
		it.prog = objs.Prog
		it.maps = []*ebpf.Map{objs.Buf, objs.Wanted, objs.WantedDev, objs.Plain, objs.Names, objs.NameState}
		for _, fs := range Plain {
			if err := objs.Plain.Update(&fs.Magic, uint8(1), ebpf.UpdateAny); err != nil {
				return it, &Error{"fill plain", err}
			}
		}
		for _, id := range search.Files {
			dev, ok := kernelDev(id.Dev)
			if !ok {
				continue // on no device the kernel can number
			}
			key := kiterFileId{Dev: dev, Ino: id.Ino}
			if err := objs.Wanted.Update(&key, uint8(1), ebpf.UpdateAny); err != nil {
				return it, &Error{"fill wanted", err}
			}
		}
		for _, d := range search.Devs {
			dev, ok := kernelDev(d)
			if !ok {
				continue
			}
			if err := objs.WantedDev.Update(&dev, uint8(1), ebpf.UpdateAny); err != nil {
				return it, &Error{"fill wanted", err}
			}
		}
	}
	if it.link, err = link.AttachIter(link.IterOptions{Program: it.prog}); err != nil {
		return it, &Error{"attach", err}
	}
	it.openMaps(spec, opts)
	it.openTasks(spec, opts)
	return it, nil
}

// openMaps loads and attaches the program that reports the mappings,
// when the kernel takes it; Maps fails otherwise. It shares the kernel's
// BTF, parsed once a process, with the descriptors' program.
func (it *Iter) openMaps(spec *ebpf.CollectionSpec, opts *ebpf.CollectionOptions) {
	var objs struct {
		Prog *ebpf.Program `ebpf:"dump_maps"`
		Last *ebpf.Map     `ebpf:"last_vma"`
	}
	if err := spec.LoadAndAssign(&objs, opts); err != nil {
		return
	}
	l, err := link.AttachIter(link.IterOptions{Program: objs.Prog})
	if err != nil {
		objs.Prog.Close()
		objs.Last.Close()
		return
	}
	it.vmaProg, it.vmaLink = objs.Prog, l
	it.maps = append(it.maps, objs.Last)
}

// openTasks loads and attaches the program that reports the processes,
// when the kernel takes it; Tasks fails otherwise.
func (it *Iter) openTasks(spec *ebpf.CollectionSpec, opts *ebpf.CollectionOptions) {
	var objs struct {
		Prog *ebpf.Program `ebpf:"dump_tasks"`
	}
	if err := spec.LoadAndAssign(&objs, opts); err != nil {
		return
	}
	l, err := link.AttachIter(link.IterOptions{Program: objs.Prog})
	if err != nil {
		objs.Prog.Close()
		return
	}
	it.taskProg, it.taskLink = objs.Prog, l
}

// Close releases the program and its maps.
func (it *Iter) Close() error {
	var errs []error
	for _, l := range []*link.Iter{it.link, it.vmaLink, it.taskLink} {
		if l != nil {
			errs = append(errs, l.Close())
		}
	}
	for _, p := range []*ebpf.Program{it.prog, it.vmaProg, it.taskProg} {
		if p != nil {
			errs = append(errs, p.Close())
		}
	}
	for _, m := range it.maps {
		if m != nil {
			errs = append(errs, m.Close())
		}
	}
	return errors.Join(errs...)
}

// namesSize is how many paths a walk numbers at most at a time (the
// program's names map): files whose path is another's cost no bpf_d_path
// and no copy of the path. Beyond it the least recently used are
// forgotten and come in full again.
const namesSize = 16384

// readSize is how much one read asks of the iterator. The kernel fills at
// most its seq buffer (eight pages) per read; asking for more saves
// nothing, asking for less splits records across reads.
const readSize = 64 << 10

// Files walks the kernel's tables once and calls fn with each open file,
// table by table in TID order and descriptor by descriptor in order,
// until fn returns an error, which Files then returns: a process's table
// comes at its PID, and a thread's, where it has one of its own (the
// kernel skips threads sharing their process's), at its TID, with the
// process's PID. A process that exits during the walk is simply not, or
// partly, reported.
func (it *Iter) Files(fn func(Record) error) error {
	it.filesMu.Lock()
	defer it.filesMu.Unlock()
	rc, err := it.link.Open()
	if err != nil {
		return &Error{"open iterator", err}
	}
	defer rc.Close()
	return scan(filesReader(rc), fn)
}

// filesReader returns the reader of an iterator's file of open files. A
// read of this walk never sleeps (the kernel takes only RCU and
// spinlocks to step through the tables and make paths), so it is a raw
// one (package rawread). A walk of the mappings can wait for a process's
// mmap_lock, and is read as usual.
func filesReader(rc io.Reader) io.Reader {
	if f, ok := rc.(*os.File); ok {
		if r, err := rawread.New(f); err == nil {
			return r
		}
	}
	return rc
}

// ErrNoMaps is Maps's error where the mappings' program did not load.
var ErrNoMaps = errors.New("kiter: this kernel does not report mappings")

// Maps walks the kernel's tables of mappings once and calls fn with each
// file mapped into each process, process by process in PID order and in
// address order, once for each run of consecutive mappings of one file
// (a process maps a library several times over, and more than one run
// of a file may come), until fn returns an error, which Maps then
// returns. Only one walk of the mappings runs at a time.
func (it *Iter) Maps(fn func(Mapping) error) error {
	if it.vmaLink == nil {
		return ErrNoMaps
	}
	it.vmaMu.Lock()
	defer it.vmaMu.Unlock()
	rc, err := it.vmaLink.Open()
	if err != nil {
		return &Error{"open iterator", err}
	}
	defer rc.Close()
	var m Mapping
	return decodeStream(rc, vmaRecordSize, func(b []byte) int { return decodeVMA(b, &m) },
		func([]byte) error { return fn(m) })
}

// scan decodes the iterator's stream of records from rd.
func scan(rd io.Reader, fn func(Record) error) error {
	var r Record
	var n name
	var paths []string // the walk's numbered paths
	var text [32]byte  // where a socket's or pipe's name is made
	return decodeStream(rd, recordSize, func(b []byte) int { return decode(b, &r, &n) },
		func(path []byte) error {
			switch n.kind {
			case nameNew:
				r.Path = string(path)
				if int(n.id) >= len(paths) {
					paths = slices.Grow(paths, int(n.id)+1-len(paths))[:n.id+1]
				}
				paths[n.id] = r.Path
			case nameSame:
				if int(n.id) >= len(paths) || paths[n.id] == "" {
					return &Error{"read", fmt.Errorf("path %d comes before its record", n.id)}
				}
				r.Path = paths[n.id]
			case nameSocket:
				r.Path = inodeName(&text, "socket:[", r.Ino)
			case namePipe:
				r.Path = inodeName(&text, "pipe:[", r.Ino)
			default:
				r.Path = string(path)
			}
			return fn(r)
		})
}

// inodeName returns kind followed by inode ino and "]", as sockfs and
// pipefs name their files, made in buf: one allocation where
// concatenation takes two.
func inodeName(buf *[32]byte, kind string, ino uint64) string {
	b := append(buf[:0], kind...)
	b = strconv.AppendUint(b, ino, 10)
	return string(append(b, ']'))
}

// decodeStream decodes a stream of records of headers of size header,
// each followed by a path: decode reads a header and returns the length
// of the path, which emit then gets with the record.
func decodeStream(rd io.Reader, header int, decode func([]byte) int, emit func(path []byte) error) error {
	// Twice a read: what is left of a record after decoding is shorter
	// than any record can be (a header and 64 KiB of path at most).
	buf := make([]byte, 2*readSize)
	have := 0 // bytes in buf not yet decoded
	for {
		n, err := rd.Read(buf[have:])
		have += n
		off := 0
		for have-off >= header {
			plen := decode(buf[off:])
			end := off + header + plen
			if end > have {
				break // the rest of this record comes in the next read
			}
			if ferr := emit(buf[off+header : end]); ferr != nil {
				return ferr
			}
			off = end
		}
		have = copy(buf, buf[off:have])
		if err == io.EOF || n == 0 && err == nil {
			if have != 0 {
				return &Error{"read", fmt.Errorf("stream ends %d bytes into a record", have)}
			}
			return nil
		}
		if err != nil {
			return &Error{"read", err}
		}
	}
}
