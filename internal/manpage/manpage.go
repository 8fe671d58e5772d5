// Package manpage checks our manual pages in tests: that they render
// without a warning from man-db (groff) and mandoc, and that they, and
// the README, mention every option a command's help names.
package manpage

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// need returns the path of a program the lint needs. Without it the test
// fails in CI (.ci/run installs it) and is skipped elsewhere.
func need(t testing.TB, prog string) string {
	t.Helper()
	path, err := exec.LookPath(prog)
	if err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed: .ci/run installs it (apt-get install mandoc man-db)", prog)
	}
	t.Skipf("%s is not installed (apt-get install mandoc man-db)", prog)
	return ""
}

// Lint fails t when man --warnings or mandoc -T lint has anything to
// say about the page at path.
func Lint(t testing.TB, path string) {
	t.Helper()
	man := need(t, "man")
	cmd := exec.Command(man, "--warnings=all", "-l", path)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "MANWIDTH=80", "MANPAGER=cat", "PAGER=cat")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 || len(out) == 0 {
		t.Errorf("man --warnings -l %s: want no warnings and a page, got error %v, %d bytes, warnings:\n%s", path, err, len(out), stderr.String())
	}
	mandoc := need(t, "mandoc")
	// -W style also reports what is legal but poor: long lines, a
	// missing date, a section out of order.
	out, err = exec.Command(mandoc, "-T", "lint", "-W", "style", path).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("mandoc -T lint -W style %s: want nothing, got %v:\n%s", path, err, out)
	}
}

// Text returns the page at path as man renders it in the C locale, on
// lines wide enough that nothing is hyphenated.
func Text(t testing.TB, path string) string {
	t.Helper()
	man := need(t, "man")
	cmd := exec.Command(man, "-l", path)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "MANWIDTH=2000", "MANPAGER=cat", "PAGER=cat")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("man -l %s: %v", path, err)
	}
	return string(out)
}

// optionRE finds options in a usage text: -x, +x, +|-x, a group of
// letters after one dash, --long, -WORD.
var optionRE = regexp.MustCompile(`(?:^|[\s\[|(,])(\+\|-|[-+])([A-Za-z?0-9]+)|(?:^|[\s\[|(,])--([a-z][a-z0-9-]*)`)

var capitalWord = regexp.MustCompile(`^[A-Z]{2,}$`)

// Options returns the options a usage text names, each once: a group
// such as [-abc] gives -a, -b and -c; +|-x gives +x and -x; a word in
// capitals after a dash (-SIGNAL) stays whole.
func Options(usage string) []string {
	seen := map[string]bool{}
	var opts []string
	add := func(o string) {
		if !seen[o] {
			seen[o] = true
			opts = append(opts, o)
		}
	}
	for _, m := range optionRE.FindAllStringSubmatch(usage, -1) {
		if m[3] != "" {
			add("--" + m[3])
			continue
		}
		sign, letters := m[1], m[2]
		if capitalWord.MatchString(letters) {
			add(sign + letters) // -SIGNAL
			continue
		}
		if c := letters[0]; c >= '0' && c <= '9' && len(letters) > 1 {
			continue // a number such as -15 is no option
		}
		if len(letters) > 1 && sign != "-" {
			letters = letters[:1] // +L1: +L with a value
		}
		for i := 0; i < len(letters); i++ {
			c := letters[i]
			if i > 0 && (c == '?' || (c >= '0' && c <= '9')) && sign == "-" && len(letters) == 2 {
				break // -F? or -F0: -F with a value
			}
			switch sign {
			case "+|-":
				add("+" + string(c))
				add("-" + string(c))
			default:
				add(sign + string(c))
			}
		}
	}
	return opts
}

// Mentions reports whether text names option opt as a word of its own
// (-a, not --all nor -abc), or as part of +|-x for +x and -x, or with
// a value attached that is not a letter (-F0, +L1).
func Mentions(text, opt string) bool {
	forms := []string{opt}
	if len(opt) == 2 && (opt[0] == '+' || opt[0] == '-') {
		forms = append(forms, "+|-"+opt[1:])
	}
	for _, form := range forms {
		for i := 0; ; {
			j := strings.Index(text[i:], form)
			if j < 0 {
				break
			}
			j += i
			end := j + len(form)
			before := j == 0 || !isWordByte(text[j-1])
			after := end == len(text) || !isLetter(text[end]) && text[end] != '-'
			if before && after {
				return true
			}
			i = j + 1
		}
	}
	return false
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isWordByte(c byte) bool {
	return isLetter(c) || c >= '0' && c <= '9' || c == '-' || c == '+' || c == '|'
}

// Documented fails t for each option the usage text names that the man
// page at page or the README at readme does not mention; help names the
// command and its help option in the messages ("lsof -h"). Fewer than
// least options found in the usage fails t too: the usage parser would
// have broken.
func Documented(t *testing.T, help, usage, page, readme string, least int) {
	t.Helper()
	opts := Options(usage)
	if len(opts) < least {
		t.Fatalf("found %d options in the usage, want at least %d: %q", len(opts), least, opts)
	}
	text := Text(t, page)
	md, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range opts {
		if !Mentions(text, o) {
			t.Errorf("%s names %s; the man page does not", help, o)
		}
		if !Mentions(string(md), o) {
			t.Errorf("%s names %s; %s does not", help, o, filepath.Base(readme))
		}
	}
}
