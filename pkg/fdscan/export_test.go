//go:build linux

package fdscan

// OwnFiles reports whether p's Files are its own, not its process's.
func OwnFiles(p *Process) bool { return p.ownFiles }

// ClearOwnFiles marks p's Files as not its own, for comparing copies.
func ClearOwnFiles(p *Process) { p.ownFiles = false }
