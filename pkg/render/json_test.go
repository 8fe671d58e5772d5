//go:build linux

package render

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"golang.org/x/sys/unix"
)

// TestJSONWriter decodes the record written for each file and compares
// it, key by key, with what it should hold: the columns of lsof 4.95's
// row for the file (device, node, name) as typed fields, and what the
// table leaves out. A key not in the expected record must be absent.
func TestJSONWriter(t *testing.T) {
	const holder = `"command":"holder","pid":17830,"ppid":1,"pgid":17761,"uid":0,"user":"root"`
	const sockholder = `"command":"sockholder","pid":17832,"ppid":1,"pgid":17761,"uid":0,"user":"root"`
	task := &fdscan.Process{PID: 17832, TID: 17837, TaskCommand: "worker", Dir: "17832/task/17837", PPID: 1, PGID: 17761,
		Command: "sockholder", NetNS: 4026531840}
	for _, tc := range []struct {
		desc string
		row  func(t *testing.T) tableRow
		want string
	}{
		{"regular file", func(*testing.T) tableRow { return tableRow{p: holderProc, f: readwriteFile} },
			`{` + holder + `,"fd":"9","fd_number":9,"mode":"u","type":"REG","device":"254,0","major":254,"minor":0,
			"size":12345,"offset":4321,"inode":9983896,"node":"9983896","name":"/tmp/rt14/h/readwrite","links":1,
			"open_flags":557058,"mount_id":0}`},
		{"deleted, locked", func(*testing.T) tableRow {
			f := deletedFile
			f.Lock = 'R'
			return tableRow{p: holderProc, f: f}
		}, `{` + holder + `,"fd":"18","fd_number":18,"mode":"r","lock":"R","type":"REG","device":"254,0","major":254,"minor":0,
			"size":77,"offset":0,"inode":9983900,"node":"9983900","name":"/tmp/rt14/h/deleted (deleted)","links":0,
			"open_flags":557056,"mount_id":0,"deleted":true}`},
		{"character device", func(*testing.T) tableRow { return tableRow{p: holderProc, f: nullFile} },
			`{` + holder + `,"fd":"10","fd_number":10,"mode":"r","type":"CHR","device":"1,3","major":1,"minor":3,
			"size":0,"offset":0,"inode":3,"node":"3","name":"/dev/null","links":1,"open_flags":32768,"mount_id":0}`},
		{"cwd", func(*testing.T) tableRow { return tableRow{p: holderProc, f: cwdFile} },
			`{` + holder + `,"fd":"cwd","type":"DIR","device":"254,0","major":254,"minor":0,"size":4096,
			"inode":5310126,"node":"5310126","name":"/work/wt14r","links":8}`},
		{"deleted mapping", func(*testing.T) tableRow { return tableRow{p: holderProc, f: delFile} },
			`{` + holder + `,"fd":"DEL","type":"REG","device":"254,0","major":254,"minor":0,
			"inode":9983904,"node":"9983904","name":"/tmp/rt14/h/mapped-deleted"}`},
		{"epoll", func(*testing.T) tableRow { return tableRow{p: holderProc, f: epollFile} },
			`{` + holder + `,"fd":"6","fd_number":6,"mode":"u","type":"a_inode","device":"0,16","major":0,"minor":16,
			"size":0,"offset":0,"inode":1038,"node":"1038","name":"[eventpoll:7]","links":1,"open_flags":524290,"mount_id":0}`},
		{"readlink denied", func(*testing.T) tableRow { return tableRow{p: holderProc, f: deniedCWD} },
			`{` + holder + `,"fd":"cwd","type":"unknown","name":"/proc/17830/cwd (readlink: Permission denied)",
			"error":"readlink: Permission denied"}`},
		{"descriptors denied", func(*testing.T) tableRow { return tableRow{p: holderProc, f: deniedFDs} },
			`{` + holder + `,"fd":"NOFD","type":"","name":"/proc/17830/fd (opendir: Permission denied)",
			"error":"opendir: Permission denied"}`},
		{"TCP listener", func(t *testing.T) tableRow { return sockholderRows(t, sockProc, 5)[0] },
			`{` + sockholder + `,"fd":"5","fd_number":5,"mode":"u","type":"IPv4","device":"198957","offset":0,
			"inode":198957,"node":"TCP","name":"localhost:43749 (LISTEN)","links":1,"open_flags":526338,"mount_id":0,
			"socket":{"protocol":"TCP","family":"IPv4","local":{"address":"127.0.0.1","port":43749,"host":"localhost"},"state":"LISTEN"}}`},
		{"TCP, mapped addresses, of a task", func(t *testing.T) tableRow {
			r := sockholderRows(t, task, 18)[0]
			return r
		}, `{"command":"sockholder","pid":17832,"tid":17837,"task_command":"worker","ppid":1,"pgid":17761,"uid":0,"user":"root",
			"fd":"18","fd_number":18,"mode":"u","type":"IPv6","device":"198972","offset":0,"netns":4026531840,
			"inode":198972,"node":"TCP","name":"localhost:41597->localhost:58022 (ESTABLISHED)","links":1,"open_flags":526338,"mount_id":0,
			"socket":{"protocol":"TCP","family":"IPv6","local":{"address":"127.0.0.1","port":41597,"host":"localhost"},
			"remote":{"address":"127.0.0.1","port":58022,"host":"localhost"},"state":"ESTABLISHED"}}`},
		{"TCP with a service", func(t *testing.T) tableRow { return sockholderRows(t, sockProc, 19)[0] },
			`{` + sockholder + `,"fd":"19","fd_number":19,"mode":"u","type":"IPv4","device":"198973","offset":0,
			"inode":198973,"node":"TCP","name":"localhost:http-alt (LISTEN)","links":1,"open_flags":526338,"mount_id":0,
			"socket":{"protocol":"TCP","family":"IPv4","local":{"address":"127.0.0.1","port":8080,"host":"localhost","service":"http-alt"},"state":"LISTEN"}}`},
		{"UDP on IPv6", func(t *testing.T) tableRow { return sockholderRows(t, sockProc, 22)[0] },
			`{` + sockholder + `,"fd":"22","fd_number":22,"mode":"u","type":"IPv6","device":"198977","offset":0,
			"inode":198977,"node":"UDP","name":"[::1]:34692 ","links":1,"open_flags":526338,"mount_id":0,
			"socket":{"protocol":"UDP","family":"IPv6","local":{"address":"::1","port":34692}}}`},
		{"unix listener", func(t *testing.T) tableRow { return sockholderRows(t, sockProc, 25)[0] },
			`{` + sockholder + `,"fd":"25","fd_number":25,"mode":"u","type":"unix","device":"0x00000000e49b807a","offset":0,
			"inode":198980,"node":"198980","name":"/tmp/rt14/s/stream.sock type=STREAM (LISTEN)","links":1,"open_flags":526338,"mount_id":0,
			"socket":{"protocol":"UNIX","path":"/tmp/rt14/s/stream.sock","type":"STREAM","state":"LISTEN"}}`},
		{"unix datagram", func(t *testing.T) tableRow { return sockholderRows(t, sockProc, 28)[0] },
			`{` + sockholder + `,"fd":"28","fd_number":28,"mode":"u","type":"unix","device":"0x00000000d2108f9f","offset":0,
			"inode":198983,"node":"198983","name":"/tmp/rt14/s/dgram.sock type=DGRAM (UNCONNECTED)","links":1,"open_flags":526338,"mount_id":0,
			"socket":{"protocol":"UNIX","path":"/tmp/rt14/s/dgram.sock","type":"DGRAM","state":"UNCONNECTED"}}`},
		{"netlink", func(t *testing.T) tableRow { return sockholderRows(t, sockProc, 33)[0] },
			`{` + sockholder + `,"fd":"33","fd_number":33,"mode":"u","type":"netlink","offset":0,
			"inode":198988,"node":"198988","name":"ROUTE","links":1,"open_flags":524290,"mount_id":0,
			"socket":{"protocol":"NETLINK","type":"ROUTE"}}`},
		{"raw", func(t *testing.T) tableRow { return sockholderRows(t, sockProc, 34)[0] },
			`{` + sockholder + `,"fd":"34","fd_number":34,"mode":"u","type":"raw","offset":0,
			"inode":198989,"node":"198989","name":"00000000:0001->00000000:0000 st=07","links":1,"open_flags":524290,"mount_id":0,
			"socket":{"protocol":"RAW","family":"IPv4","local":{"address":"0.0.0.0","port":1}}}`},
		{"packet", func(t *testing.T) tableRow { return sockholderRows(t, sockProc, 36)[0] },
			`{` + sockholder + `,"fd":"36","fd_number":36,"mode":"u","type":"pack","device":"198991","offset":0,
			"inode":198991,"node":"ALL","name":"type=SOCK_RAW","links":1,"open_flags":524290,"mount_id":0,
			"socket":{"protocol":"PACKET","type":"RAW"}}`},
		// Not in our tables: a file like any other, with stat's size.
		{"socket of another namespace", func(*testing.T) tableRow {
			return tableRow{p: sockProc, f: sockFile(40, 5555), proto: "TCP"}
		}, `{` + sockholder + `,"fd":"40","fd_number":40,"mode":"u","type":"sock","device":"0,9","major":0,"minor":9,"size":0,"offset":0,
			"inode":5555,"node":"5555","name":"protocol: TCP","links":1,"open_flags":524290,"mount_id":0}`},
		// A user with no login name is named by number, as in the table.
		{"unknown user, mapped file replaced", func(*testing.T) tableRow {
			p := &fdscan.Process{PID: 5, Dir: "5", UID: 4242, Command: "x"}
			f := fdscan.File{Kind: fdscan.KindMem, FD: -1, Type: fdscan.TypeReg, Link: "/lib/a.so", Dev: rootDev, Inode: 10,
				PathDev: rootDev, PathInode: 11}
			return tableRow{p: p, f: f}
		}, `{"command":"x","pid":5,"ppid":0,"pgid":0,"uid":4242,"user":"4242","fd":"mem","type":"REG","device":"254,0",
			"major":254,"minor":0,"inode":10,"node":"10","name":"/lib/a.so (path dev=254,0, inode=11)"}`},
	} {
		r := tc.row(t)
		var out bytes.Buffer
		w := NewJSONWriter(&out)
		if err := w.Write(r.entry(fixtureNamer(t))); err != nil {
			t.Fatalf("%s: Write: %v", tc.desc, err)
		}
		if err := w.Flush(); err != nil {
			t.Fatalf("%s: Flush: %v", tc.desc, err)
		}
		line := out.String()
		if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
			t.Errorf("%s: want one line, got %q", tc.desc, line)
		}
		var got, want map[string]any
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatalf("%s: output %q does not decode: %v", tc.desc, line, err)
		}
		if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
			t.Fatalf("%s: bad expected record: %v", tc.desc, err)
		}
		if !reflect.DeepEqual(got, want) {
			for k, v := range want {
				if !reflect.DeepEqual(got[k], v) {
					t.Errorf("%s: %q = %v, want %v", tc.desc, k, got[k], v)
				}
			}
			for k, v := range got {
				if _, ok := want[k]; !ok {
					t.Errorf("%s: unexpected %q = %v", tc.desc, k, v)
				}
			}
		}
	}
}

// TestJSONNames: a name that is not UTF-8 is shown escaped, with its
// bytes in base64; DEL and the C1 controls, which encoding/json leaves
// as they are, are escaped so that a terminal does not obey them.
func TestJSONNames(t *testing.T) {
	for _, tc := range []struct {
		link, wantText, wantName, wantB64 string
	}{
		{"/tmp/caf\xe9", `"name":"/tmp/caf\\xe9"`, `/tmp/caf\xe9`, "L3RtcC9jYWbp"},
		{"/tmp/del\x7f", `"name":"/tmp/del\u007f"`, "/tmp/del\x7f", ""},
		{"/tmp/c1\u0085<&>", `"name":"/tmp/c1\u0085<&>"`, "/tmp/c1\u0085<&>", ""},
		{"/tmp/bell\a", `"name":"/tmp/bell\u0007"`, "/tmp/bell\a", ""},
	} {
		f := fdFile(3, fdscan.ModeRead, fdscan.TypeReg, tc.link)
		var out bytes.Buffer
		w := NewJSONWriter(&out)
		if err := w.Write(entryOf(holderProc, &f, nil, numericNamer())); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), tc.wantText) {
			t.Errorf("name %q: output %q does not hold %s", tc.link, out.String(), tc.wantText)
		}
		for _, c := range out.Bytes() {
			if c == 0x7f || c < 0x20 && c != '\n' {
				t.Errorf("name %q: output %q holds control byte %#x", tc.link, out.String(), c)
			}
		}
		var r JSONFile
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatalf("name %q: %v", tc.link, err)
		}
		if r.Name != tc.wantName || r.NameB64 != tc.wantB64 {
			t.Errorf("name %q: decoded name %q, base64 %q; want %q, %q", tc.link, r.Name, r.NameB64, tc.wantName, tc.wantB64)
		}
	}
}

// TestJSONOffsetsAndFlags: HasPos and HasFlags say whether fdinfo gave
// an offset and flags; without them the keys are absent, not zero.
func TestJSONOffsetsAndFlags(t *testing.T) {
	f := fdscan.File{Kind: fdscan.KindFD, FD: 4, Type: fdscan.TypeReg, Link: "/x", Dev: unix.Mkdev(8, 1), Inode: 2, NLink: 1}
	var out bytes.Buffer
	w := NewJSONWriter(&out)
	if err := w.Write(entryOf(holderProc, &f, nil, numericNamer())); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"offset", "open_flags", "mount_id", "mode", "lock", "error", "socket", "deleted"} {
		if v, ok := r[k]; ok {
			t.Errorf("%q = %v, want it absent", k, v)
		}
	}
	if r["device"] != "8,1" || r["major"] != 8.0 || r["minor"] != 1.0 {
		t.Errorf("device %v, major %v, minor %v; want 8,1, 8, 1", r["device"], r["major"], r["minor"])
	}
}
