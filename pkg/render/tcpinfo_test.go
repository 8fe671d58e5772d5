//go:build linux

package render

import "testing"

// TestNameWith builds NAME for each -T choice, as lsof 4.95 shows it.
func TestNameWith(t *testing.T) {
	tcp := Socket{Addr: "a:1->b:2", State: "ESTABLISHED", Inet: true, RxQueue: 5, TxQueue: 7}
	udp := Socket{Addr: "a:1", Inet: true, RxQueue: 832}
	unix := Socket{Addr: "type=STREAM", State: "LISTEN"}
	raw := Socket{Addr: "00000000:0001->00000000:0000 st=07"}
	for _, c := range []struct {
		s    Socket
		info TCPInfo
		want string
	}{
		{tcp, 0, "a:1->b:2 (ESTABLISHED)"},
		{tcp, TCPInfoState, "a:1->b:2 (ESTABLISHED)"},
		{tcp, TCPInfoNone, "a:1->b:2"},
		{tcp, TCPInfoQueues, "a:1->b:2 (QR=5 QS=7)"},
		{tcp, TCPInfoQueues | TCPInfoState, "a:1->b:2 (ESTABLISHED QR=5 QS=7)"},
		{tcp, TCPInfoFlags, "a:1->b:2 "},
		{udp, 0, "a:1 "},
		{udp, TCPInfoNone, "a:1"},
		{udp, TCPInfoQueues | TCPInfoState, "a:1 (QR=832 QS=0)"},
		{unix, 0, "type=STREAM (LISTEN)"},
		{unix, TCPInfoQueues, "type=STREAM "},
		{unix, TCPInfoNone, "type=STREAM"},
		{raw, TCPInfoQueues | TCPInfoState, raw.Addr},
	} {
		if got := c.s.NameWith(c.info); got != c.want {
			t.Errorf("%+v with %b: %q, want %q", c.s, c.info, got, c.want)
		}
	}
}
