//go:build linux

package main

import (
	"io"
	"strings"
	"testing"
)

// FuzzParseInetName parses PORT[,HOST[,PORT]]/tcp and /udp names as
// psmisc does: no input may crash the parser, and every pattern it makes
// belongs to the name. Host names are left out, as they would go to DNS.
func FuzzParseInetName(f *testing.F) {
	for _, s := range []string{"80", "8080,127.0.0.1,22", ",127.0.0.1", ",,443", "ssh", "99999", "0x50", "1,::1,2",
		"80,", ",", "*", "-1", "80,127.1", "80,[::1],2"} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, spec string, tcp bool) {
		if strings.ContainsAny(spec, "/\x00") || strings.IndexFunc(spec, func(r rune) bool {
			return (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') && !strings.ContainsRune("xXabcdefABCDEF", r)
		}) >= 0 && !strings.Contains(spec, "ssh") {
			return
		}
		e := env{services: "../../testdata/proc/basic.services"}
		fu := &fuser{e: e, out: newStreams(io.Discard, io.Discard)}
		n := &name{text: spec + "/udp", space: spaceUDP}
		if tcp {
			n.text, n.space = spec+"/tcp", spaceTCP
		}
		fu.parseInet(n)
		for _, list := range fu.conns {
			for _, c := range list {
				if c.name != n {
					t.Errorf("%q: a pattern of another name", spec)
				}
			}
		}
	})
}
