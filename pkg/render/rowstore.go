//go:build linux

package render

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
)

// rowStore holds a table's rows, in order, until they are written: a
// full listing holds every row for the columns' widths, and the rows are
// most of its memory. Rows repeat: the processes of one program have the
// same cwd, rtd, txt and mem rows, and many rows name the same file
// ("pipe", /dev/null, a library). So a row whose file columns equal
// those of a recent row refers to that row's, and a name seen recently
// refers to its first copy. At 1000 processes x 160 files this holds
// 190,000 rows in about 5 MB, where text and a fixed record per row
// took 14.5.
//
// "Recent" is a direct-mapped cache of cacheSlots rows and as many
// names: its memory is bounded, and a listing of unique rows (every
// name a socket's addresses) costs little more than storing them
// plainly.
//
// Rows are records in chunks of chunkSize bytes, never copied once
// written; a record never spans chunks. A position, chunk<<chunkBits
// | offset, names a record or a name; one that does not fit in 31 bits
// is never referred to. A record is:
//
//	byte        recRef if it refers to an earlier row's body, and
//	            recProc if its process is not the previous row's
//	uint32      the process's index (recProc)
//	uint32      the position of the earlier row's body (recRef)
//	body        (not recRef)
//
// and a body, its fields of fixed size to be quick to read:
//
//	mode, lock  one byte each
//	lens        a byte for each column but the name: its length, or
//	            longLen for one of 255 bytes or more
//	uint32      len<<1, the name being inline after the columns; or
//	            position<<1 | 1 of an earlier row's body, whose name
//	            is inline
//	uint32      the length of each column of longLen, in order
//	bytes       the columns' texts but the name's, in order
//	bytes       the name, if inline
//
// Integers are little-endian.
type rowStore struct {
	chunks [][]byte
	n      int
	proc   uint32 // the last row's process index, plus 1
	// rows and names hold, in a slot chosen by hash, the position plus
	// 1 of a body, and of one with its name inline, in the low 32 bits,
	// and the hash's high 32 bits above them: a slot taken by another
	// row is told apart without reading its body. 0 is an empty slot.
	rows, names *[cacheSlots]uint64
	seed        maphash.Seed
}

const (
	chunkBits  = 20
	chunkSize  = 1 << chunkBits
	cacheSlots = 4096
	// maxRef is the largest position a record refers to.
	maxRef = 1<<31 - 1

	recRef  = 1
	recProc = 2

	bodyHead = 2 + colName + 4 // mode, lock, lens and the name's word
	longLen  = 255
)

// A body's lengths are read as one uint64.
var _ [colName - 8]struct{}

// storedRow is a row as the store gives it back; its texts point into
// the store.
type storedRow struct {
	proc       uint32
	mode, lock byte
	cols       [nCols][]byte
}

// add adds a row of process proc: its columns are consecutive in text,
// column i ending at ends[i], the name last.
func (s *rowStore) add(proc uint32, mode, lock byte, text []byte, ends *[nCols]int) {
	if s.rows == nil {
		s.rows, s.names = new([cacheSlots]uint64), new([cacheSlots]uint64)
		s.seed = maphash.MakeSeed()
	}
	s.n++
	// head is the body's fixed fields but the name's word, then the
	// lengths of long columns, which lsof's never are.
	var headBuf [bodyHead + 4*colName]byte
	head := append(headBuf[:0], mode, lock)
	var long []int
	prev := 0
	for _, e := range ends[:colName] {
		n := e - prev
		if n >= longLen {
			long, n = append(long, n), longLen
		}
		head, prev = append(head, byte(n)), e
	}
	for _, n := range long {
		head = binary.LittleEndian.AppendUint32(head, uint32(n))
	}
	short, name := text[:prev], text[prev:]

	flags, procWord := byte(0), uint32(0)
	if proc+1 != s.proc {
		flags, procWord, s.proc = recProc, proc, proc+1
	}
	putHeader := func(b []byte) []byte {
		b = append(b, flags)
		if flags&recProc != 0 {
			b = binary.LittleEndian.AppendUint32(b, procWord)
		}
		return b
	}

	// A row like a recent one: refer to its body.
	h := maphash.Bytes(s.seed, text) ^ binary.LittleEndian.Uint64(head[2:])<<16 ^ uint64(mode)<<8 ^ uint64(lock)
	slot, tag := &s.rows[h%cacheSlots], h&^(1<<32-1)
	if p, ok := cached(*slot, tag); ok && s.sameBody(p, head, short, name) {
		flags |= recRef
		b := putHeader(s.room(9))
		s.commit(binary.LittleEndian.AppendUint32(b, uint32(p)))
		return
	}

	b := putHeader(s.room(5 + len(head) + 4 + len(text)))
	p := s.pos(len(b))
	if p <= maxRef {
		*slot = tag | (p + 1)
	}
	word := uint32(len(name)) << 1
	if len(name) > 0 {
		nh := maphash.Bytes(s.seed, name)
		nslot, ntag := &s.names[nh%cacheSlots], nh&^(1<<32-1)
		if np, ok := cached(*nslot, ntag); ok && bytes.Equal(s.nameOf(s.at(np)), name) {
			word = uint32(np)<<1 | 1
		} else if p <= maxRef {
			*nslot = ntag | (p + 1)
		}
	}
	b = append(b, head[:2+colName]...)
	b = binary.LittleEndian.AppendUint32(b, word)
	b = append(b, head[2+colName:]...)
	b = append(b, short...)
	if word&1 == 0 {
		b = append(b, name...)
	}
	s.commit(b)
}

// cached returns the position in slot, if it holds one under tag.
func cached(slot, tag uint64) (uint64, bool) {
	if slot == 0 || slot&^(1<<32-1) != tag {
		return 0, false
	}
	return slot&(1<<32-1) - 1, true
}

// room returns the last chunk, as a slice to append to, with room for
// need more bytes; commit stores what was appended. A record starts at
// an offset below chunkSize, so that its position names its chunk.
func (s *rowStore) room(need int) []byte {
	if len(s.chunks) > 0 {
		last := s.chunks[len(s.chunks)-1]
		if len(last) < chunkSize && len(last)+need <= cap(last) {
			return last
		}
	}
	s.chunks = append(s.chunks, make([]byte, 0, max(chunkSize, need)))
	return s.chunks[len(s.chunks)-1]
}

func (s *rowStore) commit(b []byte) { s.chunks[len(s.chunks)-1] = b }

// pos returns the position of offset off in the last chunk.
func (s *rowStore) pos(off int) uint64 {
	return uint64(len(s.chunks)-1)<<chunkBits | uint64(off)
}

// at returns the store's bytes from position p on, to the end of its
// chunk.
func (s *rowStore) at(p uint64) []byte {
	return s.chunks[p>>chunkBits][p&(chunkSize-1):]
}

// body decodes the body at the start of b into r, and returns its
// length.
func (s *rowStore) body(b []byte, r *storedRow) int {
	r.mode, r.lock = b[0], b[1]
	lens := b[2 : 2+colName]
	long := b[bodyHead:]
	i := bodyHead + 4*longCols(lens)
	for c, n := range lens {
		l := int(n)
		if n == longLen {
			l, long = int(binary.LittleEndian.Uint32(long)), long[4:]
		}
		r.cols[c], i = b[i:i+l:i+l], i+l
	}
	word := binary.LittleEndian.Uint32(b[2+colName:])
	if word&1 != 0 {
		r.cols[colName] = s.nameOf(s.at(uint64(word >> 1)))
		return i
	}
	n := int(word >> 1)
	r.cols[colName] = b[i : i+n : i+n]
	return i + n
}

// longCols returns how many of lens say longLen.
func longCols(lens []byte) int {
	// No byte of lens is 0xff, as in all but a row in billions: no
	// byte of its complement is 0.
	if v := ^binary.LittleEndian.Uint64(lens); (v-0x0101010101010101)&^v&0x8080808080808080 == 0 {
		return 0
	}
	return bytes.Count(lens, []byte{longLen})
}

// shortLen returns where, in the body at the start of b, the name
// starts if it is inline.
func shortLen(b []byte) int {
	lens := b[2 : 2+colName]
	long := b[bodyHead:]
	i := bodyHead + 4*longCols(lens)
	for _, n := range lens {
		if n == longLen {
			i += int(binary.LittleEndian.Uint32(long))
			long = long[4:]
		} else {
			i += int(n)
		}
	}
	return i
}

// nameOf returns the name of the body at the start of b, which has it
// inline.
func (s *rowStore) nameOf(b []byte) []byte {
	i := shortLen(b)
	return b[i : i+int(binary.LittleEndian.Uint32(b[2+colName:])>>1)]
}

// sameBody reports whether the body at position p has the fields of
// head (mode, lock, and the columns' lengths) and the texts short and
// name.
func (s *rowStore) sameBody(p uint64, head, short, name []byte) bool {
	b := s.at(p)
	extra := len(head) - (2 + colName) // long columns' lengths
	if !bytes.Equal(b[:2+colName], head[:2+colName]) || !bytes.Equal(b[bodyHead:bodyHead+extra], head[2+colName:]) {
		return false
	}
	i := bodyHead + extra
	if !bytes.Equal(b[i:i+len(short)], short) {
		return false
	}
	i += len(short)
	word := binary.LittleEndian.Uint32(b[2+colName:])
	if word&1 != 0 {
		return bytes.Equal(s.nameOf(s.at(uint64(word>>1))), name)
	}
	return bytes.Equal(b[i:i+int(word>>1)], name)
}

// each calls fn with every row, in the order they were added, until fn
// returns an error, which each then returns. The row is fn's only for
// the call.
func (s *rowStore) each(fn func(*storedRow) error) error {
	var r storedRow
	for _, chunk := range s.chunks {
		for i := 0; i < len(chunk); {
			flags := chunk[i]
			i++
			if flags&recProc != 0 {
				r.proc = binary.LittleEndian.Uint32(chunk[i:])
				i += 4
			}
			if flags&recRef != 0 {
				s.body(s.at(uint64(binary.LittleEndian.Uint32(chunk[i:]))), &r)
				i += 4
			} else {
				i += s.body(chunk[i:], &r)
			}
			if err := fn(&r); err != nil {
				return err
			}
		}
	}
	return nil
}
