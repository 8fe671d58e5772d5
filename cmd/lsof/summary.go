//go:build linux

package main

import (
	"io"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/join"
	"github.com/openfiles/openfiles/pkg/render"
)

// defaultSummaryTop is how many processes --summary's tables by process
// show unless --summary=N says otherwise.
const defaultSummaryTop = 10

// summaryOutput is --summary: the selected files added up for people
// rather than listed.
type summaryOutput struct {
	s *render.Summary
	w io.Writer
	n int
}

func newSummaryOutput(o *options, e env, w io.Writer, sc *fdscan.Scanner) *summaryOutput {
	s := render.NewSummary(e.esc, sc.Mounts())
	s.Top = o.summaryTop
	return &summaryOutput{s: s, w: w}
}

func (o *summaryOutput) add(e *join.Entry) error {
	o.n++
	o.s.Add(e)
	return nil
}

func (o *summaryOutput) finish() (int, error) {
	n := o.n
	if n == 0 {
		o.s.Reset()
		return 0, nil
	}
	_, err := o.s.WriteTo(o.w)
	o.s.Reset()
	o.n = 0
	return n, err
}

func (o *summaryOutput) marker(text string) error {
	_, err := io.WriteString(o.w, text+"\n")
	return err
}
