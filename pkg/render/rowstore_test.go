//go:build linux

package render

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// plainRow is a row as added to a rowStore, kept plainly to check what
// comes back.
type plainRow struct {
	proc       uint32
	mode, lock byte
	cols       [nCols]string
}

// addPlain adds r to s as Table.Add does: its columns concatenated.
func addPlain(s *rowStore, r plainRow) {
	var text []byte
	var ends [nCols]int
	for i, c := range r.cols {
		text = append(text, c...)
		ends[i] = len(text)
	}
	s.add(r.proc, r.mode, r.lock, text, &ends)
}

// checkRows requires s to give back the rows of want, in order.
func checkRows(t *testing.T, s *rowStore, want []plainRow) {
	t.Helper()
	i := 0
	err := s.each(func(r *storedRow) error {
		if i >= len(want) {
			return fmt.Errorf("row %d back, of %d added", i, len(want))
		}
		got := plainRow{proc: r.proc, mode: r.mode, lock: r.lock}
		for c := range r.cols {
			got.cols[c] = string(r.cols[c])
		}
		if got != want[i] {
			return fmt.Errorf("row %d is\n%+v\nwant\n%+v", i, got, want[i])
		}
		i++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if i != len(want) {
		t.Fatalf("%d rows back, want %d", i, len(want))
	}
}

// storeSize is the bytes a store's chunks hold.
func storeSize(s *rowStore) int {
	n := 0
	for _, c := range s.chunks {
		n += len(c)
	}
	return n
}

// TestRowStore adds rows that repeat, rows that differ in one column,
// rows with empty and long columns, names too short to share and a name
// longer than a chunk, and checks that each comes back as added.
func TestRowStore(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(options ...string) string { return options[rng.IntN(len(options))] }
	var want []plainRow
	for i := range 60000 {
		r := plainRow{proc: uint32(i / 37), mode: pick("r", "w", "u", " ")[0], lock: pick(" ", " ", "W")[0]}
		r.cols[colFD] = pick("cwd", "rtd", "txt", "mem", fmt.Sprint(rng.IntN(300)))
		r.cols[colType] = pick("REG", "DIR", "unix", "FIFO")
		r.cols[colFlags] = pick("", "", "RW,LG")
		r.cols[colDevice] = pick("8,1", "0,14", fmt.Sprintf("0x%016x", rng.Uint64()))
		r.cols[colSizeOff] = pick("0t0", "4096", fmt.Sprint(rng.IntN(1<<20)))
		r.cols[colNLink] = pick("", "1", strings.Repeat("9", 254), strings.Repeat("9", 300)) // columns of longLen and over
		r.cols[colNode] = fmt.Sprint(rng.IntN(5000))
		r.cols[colName] = pick("", "/", "pipe", "/dev/null", "/usr/lib/x86_64-linux-gnu/libc.so.6",
			"type=STREAM (CONNECTED)", fmt.Sprintf("/tmp/f%d", rng.IntN(20000)))
		switch i {
		case 100:
			r.cols[colName] = strings.Repeat("n", 3*chunkSize/2) // longer than a chunk
		case 101:
			r.cols = want[99].cols // a repeat after it
		}
		if i%5 == 0 && i > 0 {
			r.cols = want[rng.IntN(i)].cols // a repeat of any earlier row
		}
		want = append(want, r)
	}
	var s rowStore
	for _, r := range want {
		addPlain(&s, r)
	}
	if s.n != len(want) {
		t.Fatalf("n = %d, want %d", s.n, len(want))
	}
	checkRows(t, &s, want)
}

// TestRowStoreShares checks that repeated rows and names take a few
// bytes each: what the store is for.
func TestRowStoreShares(t *testing.T) {
	row := plainRow{mode: 'r', lock: ' '}
	row.cols[colFD], row.cols[colType], row.cols[colDevice], row.cols[colSizeOff], row.cols[colNode] = "mem", "REG", "8,1", "1922136", "1573154"
	row.cols[colName] = "/usr/lib/x86_64-linux-gnu/libc.so.6"
	const n = 10000
	var s rowStore
	for i := range n {
		row.proc = uint32(i)
		addPlain(&s, row)
	}
	if size := storeSize(&s); size > n*9+100 {
		t.Errorf("%d identical rows of different processes take %d bytes, want at most 9 each: a flag, the process and the reference", n, size)
	}
	var s2 rowStore
	for i := range n {
		row.cols[colNode] = fmt.Sprint(i) // every row differs, the name is the same
		addPlain(&s2, row)
	}
	short := 0
	for _, c := range row.cols[:colName] {
		short += len(c)
	}
	// Each row: its columns' text, and 16 bytes for the rest (the name
	// alone is 35).
	if size := storeSize(&s2); size > n*(short+16) {
		t.Errorf("%d rows of one name take %d bytes, want the name held once", n, size)
	}
	var back bytes.Buffer
	s2.each(func(r *storedRow) error { back.Write(r.cols[colName]); return nil })
	if want := strings.Repeat(row.cols[colName], n); back.String() != want {
		t.Errorf("the shared name came back as %.80q...", back.String())
	}
}

// FuzzRowStore adds rows made of data, each column a piece of it, many
// repeating others, and checks that each comes back as added.
func FuzzRowStore(f *testing.F) {
	f.Add([]byte("cwd\x00DIR\x00\x008,1\x004096\x00\x00\x002\x00/\x01mem\x00REG\x00\x008,1\x00100\x00\x00\x0012\x00/lib/x"), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, every uint8) {
		var want []plainRow
		var s rowStore
		for i, line := range bytes.Split(data, []byte{1}) {
			r := plainRow{proc: uint32(i) / (uint32(every) + 1), mode: 'u', lock: ' '}
			for c, col := range bytes.SplitN(line, []byte{0}, nCols) {
				r.cols[c] = string(col)
			}
			if c := r.cols[colFD]; c != "" && c[0]%2 == 0 {
				r.cols[colFD] = strings.Repeat(c, 300/len(c)+1) // a long column
			}
			for range 3 { // and its repeats
				want = append(want, r)
				addPlain(&s, r)
			}
		}
		checkRows(t, &s, want)
	})
}
