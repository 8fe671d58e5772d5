//go:build linux

package render

import "testing"

// TestLocaleEscaper: the locale comes from LC_ALL, then LC_CTYPE, then
// LANG, as setlocale chooses it. Under LANG=C.UTF-8 lsof printed
// holder's "non-ascii-äöü" as it is, under LC_ALL=C as \xc3\xa4...
func TestLocaleEscaper(t *testing.T) {
	for _, tc := range []struct {
		lcAll, lcCtype, lang string
		utf8                 bool
	}{
		{"", "", "C.UTF-8", true},
		{"C", "", "C.UTF-8", false},
		{"", "en_US.utf8", "C", true},
		{"", "POSIX", "en_US.UTF-8", false},
		{"", "", "", false},
	} {
		t.Setenv("LC_ALL", tc.lcAll)
		t.Setenv("LC_CTYPE", tc.lcCtype)
		t.Setenv("LANG", tc.lang)
		if got := LocaleEscaper().UTF8; got != tc.utf8 {
			t.Errorf("LC_ALL=%q LC_CTYPE=%q LANG=%q: UTF8 = %v, want %v", tc.lcAll, tc.lcCtype, tc.lang, got, tc.utf8)
		}
	}
}
