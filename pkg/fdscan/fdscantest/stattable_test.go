//go:build linux

package fdscantest

import (
	"strings"
	"testing"
)

func TestLoadStatTableErrors(t *testing.T) {
	for _, line := range []string{"k mode=9", "k dev=1", "k err=ENOPE", "k what=1", "k size"} {
		e := StatEntry{}
		k, v, _ := strings.Cut(line[2:], "=")
		if err := e.set(k, v); err == nil {
			t.Errorf("set(%q) accepted a bad field", line)
		}
	}
}
