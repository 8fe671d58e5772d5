//go:build linux

package main

import "strings"

// valueLetters are the option letters that may take a value, in lsof
// 4.95's Linux option rules; noValueLetters take none. Any other letter
// is illegal.
const (
	valueLetters   = "cdDefFgiKLmoprsSTuxZ"
	noValueLetters = "?abEhlMnNOPQRtUvVwX"
)

// argReader walks a command line as lsof's GetOpt does. An option letter
// that may take a value gets the rest of its word, or else the next word
// whatever it looks like; the option then decides how much of that value
// is its own, and puts back the rest (unread), which is read again as
// option letters: "-oo2" is -o then -o2, "+L FILE" is +L then the name
// FILE, "-o -s" is -o then -s.
type argReader struct {
	args      []string
	word, pos int  // the next letter: args[word][pos]; pos 0 at a word's start
	sign      byte // '-' or '+', of the word being read
	// Where the last value started, for unread.
	valWord, valPos int
}

// optValue is what follows an option letter that may take a value.
type optValue struct {
	s  string
	ok bool // a value follows, s (possibly empty)
	r  *argReader
}

// unread gives back the value from its byte n on, to be read as option
// letters; with n 0 and the value a word of its own, that word is read
// again from its start, as an option word or as the first name.
func (v *optValue) unread(n int) {
	v.r.word, v.r.pos = v.r.valWord, v.r.valPos+n
}

// missing reports whether no value follows the option, lsof's test
// (!GOv || *GOv == '-' || *GOv == '+'): a value that starts with - or +
// is put back to be read as options.
func (v *optValue) missing() bool {
	if !v.ok {
		return true
	}
	if v.s != "" && (v.s[0] == '-' || v.s[0] == '+') {
		v.unread(0)
		return true
	}
	return false
}

// digits returns the number the value starts with and how many digits it
// has.
func (v *optValue) digits() (n, count int) {
	for count < len(v.s) && v.s[count] >= '0' && v.s[count] <= '9' {
		if n < 1<<30 {
			n = n*10 + int(v.s[count]-'0')
		}
		count++
	}
	return n, count
}

// next returns the next option letter and its word's sign, with its value
// when the letter may take one. done is true at the end of the options:
// a word that is not an option, or "--" (consumed). long is set instead
// for a long option word of ours (--json).
func (r *argReader) next() (c, sign byte, v optValue, long string, done bool) {
	v.r = r
	if r.pos == 0 {
		if r.word >= len(r.args) {
			return 0, 0, v, "", true
		}
		a := r.args[r.word]
		if a == "--" || a == "++" {
			r.word++
			return 0, 0, v, "", true
		}
		if strings.HasPrefix(a, "--") && len(a) > 2 {
			r.word++
			return 0, 0, v, a, false
		}
		if len(a) < 2 || (a[0] != '-' && a[0] != '+') {
			return 0, 0, v, "", true
		}
		r.sign, r.pos = a[0], 1
	}
	a := r.args[r.word]
	c = a[r.pos]
	if strings.IndexByte(valueLetters, c) < 0 {
		r.pos++
		if r.pos >= len(a) {
			r.word, r.pos = r.word+1, 0
		}
		return c, r.sign, v, "", false
	}
	switch {
	case r.pos+1 < len(a):
		r.valWord, r.valPos = r.word, r.pos+1
		v.s, v.ok = a[r.pos+1:], true
		r.word++
	case r.word+1 >= len(r.args):
		r.word++
	default:
		r.word++
		r.valWord, r.valPos = r.word, 0
		if r.args[r.word] != "--" {
			v.s, v.ok = r.args[r.word], true
			r.word++
		}
	}
	r.pos = 0
	return c, r.sign, v, "", false
}

// rest returns the words after the options: the names.
func (r *argReader) rest() []string {
	if r.word >= len(r.args) {
		return nil
	}
	return r.args[r.word:]
}
