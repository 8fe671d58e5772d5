//go:build linux

package render

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// Column is a column of a report table: its header, and whether its
// cells (numbers) are aligned to the right.
type Column struct {
	Header string
	Right  bool
}

// WriteReport appends a table for people to b: columns two blanks apart
// (one before the first), each as wide as its widest cell, no trailing
// blanks, and a column with no value in any row left out. Cells are
// written as given: escape names first. Widths count runes.
//
// It is not lsof's table (Table), which has lsof's own rules, and not
// github.com/olekukonko/tablewriter: linked in, that package's
// initialisers cost every run of a command about 1 ms of CPU.
func WriteReport(b *bytes.Buffer, cols []Column, rows [][]string) {
	width := make([]int, len(cols))
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	shown := make([]bool, len(cols))
	for i, c := range cols {
		shown[i] = width[i] > 0
		width[i] = max(width[i], utf8.RuneCountInString(c.Header))
	}
	line := func(cells []string) {
		start := b.Len()
		for i, c := range cells {
			if !shown[i] {
				continue
			}
			if b.Len() == start {
				b.WriteByte(' ')
			} else {
				b.WriteString("  ")
			}
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if cols[i].Right {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
		}
		b.Truncate(start + len(bytes.TrimRight(b.Bytes()[start:], " ")))
		b.WriteByte('\n')
	}
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.Header
	}
	line(header)
	for _, r := range rows {
		line(r)
	}
}
