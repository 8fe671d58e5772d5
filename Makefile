# Build, install and release lsof and fuser.
#
#   make                                  build bin/lsof and bin/fuser (CGO_ENABLED=0)
#   make install PREFIX=/usr/local        binaries and man pages (DESTDIR for staging)
#   make uninstall PREFIX=/usr/local
#   make static                           dist/linux-{amd64,arm64}/ (CGO_ENABLED=0)

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
DESTDIR ?=
GO      ?= go

.PHONY: build install uninstall static

# CGO_ENABLED=0: the commands use no cgo, and net's cgo resolver, which
# links the C library, is never used (netsock asks for Go's resolver).
build:
	CGO_ENABLED=0 $(GO) build -o bin/ ./cmd/...

install: build
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8
	install -m 0755 bin/lsof bin/fuser $(DESTDIR)$(BINDIR)/
	install -m 0644 man/lsof.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 man/fuser.1 $(DESTDIR)$(MANDIR)/man1/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/lsof $(DESTDIR)$(BINDIR)/fuser
	rm -f $(DESTDIR)$(MANDIR)/man8/lsof.8 $(DESTDIR)$(MANDIR)/man1/fuser.1

static:
	./scripts/static.sh
