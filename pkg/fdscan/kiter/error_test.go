//go:build linux

package kiter

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// TestErrorKinds checks how a failure is classified: a caller falls back
// on either kind, and tells the user only of a missing privilege.
func TestErrorKinds(t *testing.T) {
	for _, c := range []struct {
		err                     *Error
		permission, unsupported bool
		text                    string
	}{
		{&Error{"load", fmt.Errorf("map create: %w", unix.EPERM)}, true, false, "kiter: load: needs root, or CAP_BPF with CAP_PERFMON: map create: operation not permitted"},
		{&Error{"attach", unix.EACCES}, true, false, "kiter: attach: needs root, or CAP_BPF with CAP_PERFMON: permission denied"},
		{&Error{"load", fmt.Errorf("kernel BTF: %w", ebpf.ErrNotSupported)}, false, true, "kiter: load: kernel BTF: not supported"},
		{loadError("load", fmt.Errorf("assign: %w", &ebpf.VerifierError{Cause: unix.EACCES, Log: []string{"R1 invalid mem access 'scalar'"}})), false, true, "kiter: verify: assign: "},
		{loadError("load", &ebpf.VerifierError{Cause: unix.EPERM}), true, false, "kiter: load: needs root"},
		{&Error{"attach", unix.ENOENT}, false, true, "kiter: attach: no such file or directory"},
		{&Error{"read", io.ErrUnexpectedEOF}, false, false, "kiter: read: unexpected EOF"},
	} {
		var err error = c.err
		perm, unsup := errors.Is(err, os.ErrPermission), errors.Is(err, errors.ErrUnsupported)
		if perm != c.permission || unsup != c.unsupported || !strings.HasPrefix(err.Error(), c.text) {
			t.Errorf("%q: permission %v, unsupported %v; want %v, %v and text %q", err.Error(), perm, unsup, c.permission, c.unsupported, c.text)
		}
	}
}
