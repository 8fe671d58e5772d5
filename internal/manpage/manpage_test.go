package manpage

import (
	"slices"
	"testing"
)

func TestOptions(t *testing.T) {
	tests := []struct {
		usage string
		want  []string
	}{
		{"usage: x [-?ab] [+|-c c]", []string{"-?", "-a", "-b", "+c", "-c"}},
		{"  -F [f]  fields; -F? lists them; -F0 ends", []string{"-F"}},
		{"  +L [l]  NLINK; +L1 selects", []string{"+L"}},
		{"  -a,--all   all\n  -SIGNAL  send it", []string{"-a", "--all", "-SIGNAL"}},
		{"ranges 0-3,cwd and e-mail, -15 is a number", nil},
	}
	for _, tt := range tests {
		if got := Options(tt.usage); !slices.Equal(got, tt.want) {
			t.Errorf("Options(%q): want %q, got %q", tt.usage, tt.want, got)
		}
	}
}

func TestMentions(t *testing.T) {
	tests := []struct {
		text, opt string
		want      bool
	}{
		{"use -a to AND", "-a", true},
		{"use --all", "-a", false},
		{"use -abc", "-a", false},
		{"[+|-c c]", "+c", true},
		{"[+|-c c]", "-c", true},
		{"-F0 ends", "-F", true},
		{"+L1 selects", "+L", true},
		{"-Ka", "-K", false},
		{"x-a", "-a", false},
	}
	for _, tt := range tests {
		if got := Mentions(tt.text, tt.opt); got != tt.want {
			t.Errorf("Mentions(%q, %q): want %v, got %v", tt.text, tt.opt, tt.want, got)
		}
	}
}
