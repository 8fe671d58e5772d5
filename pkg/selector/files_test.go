//go:build linux

package selector

import (
	"slices"
	"testing"
)

func TestFiles(t *testing.T) {
	// The set every case looks into: two names for one file, a file
	// system named twice, and a file on it named once.
	var s Files[string]
	s.Add(8, 100, "a")
	s.AddFS(9, "fs9")
	s.Add(8, 100, "a-again")
	s.Add(9, 5, "on9")
	s.Add(8, 101, "b")
	s.AddFS(9, "fs9-again")
	for _, tc := range []struct {
		dev, ino uint64
		match    []string
		file, fs []string
		has      bool
	}{
		{8, 100, []string{"a", "a-again"}, []string{"a", "a-again"}, nil, true},
		{8, 101, []string{"b"}, []string{"b"}, nil, true},
		{9, 5, []string{"on9", "fs9", "fs9-again"}, []string{"on9"}, []string{"fs9", "fs9-again"}, true},
		{9, 6, []string{"fs9", "fs9-again"}, nil, []string{"fs9", "fs9-again"}, true},
		{8, 102, nil, nil, nil, false},
		{7, 100, nil, nil, nil, false},
	} {
		if got := slices.Collect(s.Match(tc.dev, tc.ino)); !slices.Equal(got, tc.match) {
			t.Errorf("Match(%d, %d) yields %q, want %q", tc.dev, tc.ino, got, tc.match)
		}
		if got := s.File(tc.dev, tc.ino); !slices.Equal(got, tc.file) {
			t.Errorf("File(%d, %d) = %q, want %q", tc.dev, tc.ino, got, tc.file)
		}
		if got := s.FS(tc.dev); !slices.Equal(got, tc.fs) {
			t.Errorf("FS(%d) = %q, want %q", tc.dev, got, tc.fs)
		}
		if got := s.Has(tc.dev, tc.ino); got != tc.has {
			t.Errorf("Has(%d, %d) = %v, want %v", tc.dev, tc.ino, got, tc.has)
		}
	}
	if want := []FileID{{Dev: 8, Ino: 100}, {Dev: 9, Ino: 5}, {Dev: 8, Ino: 101}}; !slices.Equal(s.IDs(), want) {
		t.Errorf("IDs() = %v, want %v", s.IDs(), want)
	}
	s.AddFS(3, "fs3")
	if want := []uint64{3, 9}; !slices.Equal(s.Devs(), want) {
		t.Errorf("Devs() = %v, want %v", s.Devs(), want)
	}
	if s.Empty() || !s.WholeFS() {
		t.Errorf("Empty() = %v, WholeFS() = %v; want false, true", s.Empty(), s.WholeFS())
	}
	// Stopping early yields no more.
	for v := range s.Match(9, 5) {
		if v != "on9" {
			t.Errorf("Match(9, 5) went on after a break: %q", v)
		}
		break
	}
}

func TestFilesEmpty(t *testing.T) {
	for _, tc := range []struct {
		name           string
		build          func(*Files[int])
		empty, wholeFS bool
		ids            []FileID
	}{
		{"zero", func(*Files[int]) {}, true, false, nil},
		{"a file", func(s *Files[int]) { s.Add(1, 2, 0) }, false, false, []FileID{{Dev: 1, Ino: 2}}},
		{"a file system", func(s *Files[int]) { s.AddFS(1, 0) }, false, true, nil},
	} {
		var s Files[int]
		tc.build(&s)
		if s.Empty() != tc.empty || s.WholeFS() != tc.wholeFS || !slices.Equal(s.IDs(), tc.ids) {
			t.Errorf("%s: Empty() = %v, WholeFS() = %v, IDs() = %v; want %v, %v, %v", tc.name, s.Empty(), s.WholeFS(), s.IDs(), tc.empty, tc.wholeFS, tc.ids)
		}
		if s.Has(2, 3) || len(slices.Collect(s.Match(2, 3))) != 0 {
			t.Errorf("%s: a file on no device added matches", tc.name)
		}
	}
}
