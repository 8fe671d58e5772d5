package main

import (
	"io"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/netsock"
	"github.com/openfiles/openfiles/pkg/render"
)

// output is where the selected files go: lsof's table, JSON lines, terse
// PIDs or fields.
type output interface {
	// add takes a selected file; sock is the socket it is, or nil.
	add(p *fdscan.Process, f *fdscan.File, sock *netsock.Socket) error
	// finish writes what is still held and reports how many files were
	// listed.
	finish() (int, error)
}

type tableOutput struct {
	t *render.Table
	w io.Writer
}

func (o *tableOutput) add(p *fdscan.Process, f *fdscan.File, sock *netsock.Socket) error {
	o.t.Add(p, f, sock)
	return nil
}

func (o *tableOutput) finish() (int, error) {
	_, err := o.t.WriteTo(o.w)
	return o.t.Len(), err
}

type jsonOutput struct {
	j *render.JSONWriter
	n int
}

func (o *jsonOutput) add(p *fdscan.Process, f *fdscan.File, sock *netsock.Socket) error {
	o.n++
	return o.j.Write(p, f, sock)
}

func (o *jsonOutput) finish() (int, error) { return o.n, o.j.Flush() }
