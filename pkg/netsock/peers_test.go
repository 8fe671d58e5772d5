//go:build linux

package netsock

import (
	"encoding/binary"
	"maps"
	"testing"
)

// TestUnixPeers pairs sockets as lsof 4.95 does: both ways, the first
// pairing kept, only sockets in the table, a listener's first pending
// client in the table.
func TestUnixPeers(t *testing.T) {
	icons := func(inos ...uint32) []byte {
		b := make([]byte, 0, 4*len(inos))
		for _, i := range inos {
			b = binary.NativeEndian.AppendUint32(b, i)
		}
		return b
	}
	dump := &unixDump{list: []unixEntry{
		{1, unixDiag{peer: 2}}, {2, unixDiag{peer: 1}}, // a connected pair
		{3, unixDiag{peer: 5}}, {4, unixDiag{peer: 5}}, {5, unixDiag{}}, // two senders to one receiver
		{6, unixDiag{peer: 99}},                  // a peer not in the table
		{7, unixDiag{icons: icons(0, 98, 8, 9)}}, // a listener
		{8, unixDiag{}}, {9, unixDiag{}},
	}}
	table := map[uint64]bool{1: true, 2: true, 3: true, 4: true, 5: true, 6: true, 7: true, 8: true, 9: true}
	peer, pending := unixPeers(dump, func(i uint64) bool { return table[i] })
	wantPeer := map[uint64]uint64{1: 2, 2: 1, 3: 5, 5: 3, 4: 5}
	wantPending := map[uint64]uint64{7: 8}
	if !maps.Equal(peer, wantPeer) || !maps.Equal(pending, wantPending) {
		t.Errorf("peers %v, pending %v; want %v, %v", peer, pending, wantPeer, wantPending)
	}
}
