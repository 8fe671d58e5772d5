package socktab

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestParseInetLine(t *testing.T) {
	for _, tc := range []struct {
		line string
		v6   bool
		want Inet
	}{
		{"   0: 0100007F:1F90 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 6000 1 0 20 4 30 10 -1", false,
			Inet{netip.MustParseAddrPort("127.0.0.1:8080"), netip.MustParseAddrPort("127.0.0.1:40000"), 6000}},
		{"   1: 00000000000000000000000001000000:0050 0000000000000000FFFF00000100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 77 1", true,
			Inet{netip.MustParseAddrPort("[::1]:80"), netip.MustParseAddrPort("[::ffff:127.0.0.1]:54321"), 77}},
	} {
		got, err := ParseInetLine([]byte(tc.line), tc.v6)
		if err != nil || got != tc.want {
			t.Errorf("ParseInetLine(%q) = %v, %v, want %v", tc.line, got, err, tc.want)
		}
	}
	for _, bad := range []string{
		"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
		"   0: 0100007F:1F90 0100007F:9C40 01",
		"   0: 0100007F:1F90 0100007F 01 00000000:00000000 00:00000000 00000000  1000        0 6000",
		"   0: 0100007F:1F90 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 x",
	} {
		if _, err := ParseInetLine([]byte(bad), false); err == nil {
			t.Errorf("ParseInetLine(%q) accepted a bad line", bad)
		}
	}
}

func TestReadUnix(t *testing.T) {
	path := filepath.Join(t.TempDir(), "unix")
	table := "Num       RefCount Protocol Flags    Type St Inode Path\n" +
		"0000000000000000: 00000002 00000000 00010000 0001 01 100 /run/a b.sock\n" +
		"0000000000000000: 00000002 00000000 00000000 0001 03 101\n" +
		"0000000000000000: 00000002 00000000 00010000 0001 01 102 @abstract\n"
	if err := os.WriteFile(path, []byte(table), 0o644); err != nil {
		t.Fatal(err)
	}
	var got []Unix
	if err := ReadUnix(path, func(u Unix) { got = append(got, u) }); err != nil {
		t.Fatal(err)
	}
	want := []Unix{{100, "/run/a b.sock"}, {102, "@abstract"}}
	if !slices.Equal(got, want) {
		t.Errorf("ReadUnix = %v, want %v", got, want)
	}
	if err := ReadUnix(path+"-missing", func(Unix) {}); err == nil {
		t.Error("ReadUnix of a missing table succeeded")
	}
}
