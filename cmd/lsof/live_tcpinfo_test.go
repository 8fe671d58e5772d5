//go:build linux

package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/openfiles/openfiles/internal/livetest"
)

// TestLiveTCPInfo lists sockets of every kind, and sockets with data in
// their queues, with -T's forms, and requires lsof's output: the state,
// the queue sizes or nothing after the addresses, and the same -F T
// fields whatever -T says.
func TestLiveTCPInfo(t *testing.T) {
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	all, _ := livetest.StartSockHolder(t)
	queued, _ := livetest.Start(t, livetest.Build(t, "./internal/sockholder"), t.TempDir(), nil, "-queued")
	for _, h := range []*livetest.Holder{all, queued} {
		pid := strconv.Itoa(h.PID)
		for _, tf := range [][]string{
			{"-T"}, {"-Ts"}, {"-Tq"}, {"-Tqs"}, {"-Tsq"}, {"-Tf"}, {"-Tfqs"}, {"-T", "s"}, {"-T", "q"},
			{"-Tq", "-F", "pfnT"}, {"-T", "-F", "pfnT"}, {"-nPTqs"},
		} {
			out := compare(t, ours, ref, append(tf, "-p", pid)...).Stdout
			if !strings.Contains(out, pid) {
				t.Errorf("lsof %v -p %s lists nothing of the holder:\n%s", tf, pid, out)
			}
		}
		// -T alone before another option asks for nothing.
		compare(t, ours, ref, "-a", "-i", "-T", "-p", pid)
	}
	// The queued holder's queues are not all empty, so the sizes shown
	// were compared, not only zeros.
	out := livetest.Run(t, nil, ours, "-a", "-p", strconv.Itoa(queued.PID), "-i", "-Tq").Stdout
	for _, want := range []string{`\(QR=100 QS=0\)`, `\(QR=0 QS=[1-9][0-9]*\)`, `\(QR=[1-9][0-9]* QS=0\)`, `UDP localhost:[0-9]+ \(QR=[1-9]`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("lsof -Tq of the queued holder has nothing matching %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "(ESTABLISHED") {
		t.Errorf("lsof -Tq shows the state:\n%s", out)
	}
	for _, args := range [][]string{{"-Tx"}, {"-TS"}, {"-T-"}, {"-T+"}, {"-Tqz"}} {
		compareUsage(t, ours, ref, args...)
	}
}
