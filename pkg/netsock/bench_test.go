//go:build linux

package netsock

import (
	"os"
	"strconv"
	"testing"
)

func BenchmarkParseTCPLine(b *testing.B) {
	line := []byte("   0: 0100007F:1F90 0100007F:9C40 0A 00000000:00000000 00:00000000 00000000  1000        0 6000 1 0000000000000000 20 4 30 10 -1")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseInetLine(line, ProtoTCP, false); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseTCP6Line(b *testing.B) {
	line := []byte("   1: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 6201 1 0000000000000000 20 4 30 10 -1")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseInetLine(line, ProtoTCP, true); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseUnixLine(b *testing.B) {
	line := []byte("00000000000000a2: 00000003 00000000 00000000 0001 03 6601 /run/server.sock")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseUnixLine(line); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseNetlinkLine(b *testing.B) {
	line := []byte("0000000000000001 0   100        00000000 0        0        0     2        0        6700")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseNetlinkLine(line); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParsePacketLine(b *testing.B) {
	line := []byte("0000000000000001 3      3    0003   0     1 0      0      6800")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parsePacketLine(line); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadTables(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := readTables(fixtureNet, false, false, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadUDP reads this machine's UDP tables (in our own network
// namespace) from /proc and through sock_diag: the second is what a
// listing does. Run it with many UDP sockets open (bench/workload) to
// see the difference that matters.
func BenchmarkReadUDP(b *testing.B) {
	dir := "/proc/" + strconv.Itoa(os.Getpid()) + "/net"
	for _, c := range []struct {
		name string
		own  bool
	}{{"proc", false}, {"sock_diag", true}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := readTables(dir, c.own, false, []Proto{ProtoUDP}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
