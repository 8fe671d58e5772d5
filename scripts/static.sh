#!/usr/bin/env bash
# Builds static lsof and fuser (CGO_ENABLED=0, no libc needed) for each
# architecture given, amd64 and arm64 unless told, into
# dist/linux-ARCH/, and checks that each is statically linked and, where
# it runs here, answers -h.
#
#   scripts/static.sh [ARCH...]
set -euo pipefail
cd "$(dirname "$0")/.."
arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(amd64 arm64)
here=$(go env GOARCH)
for arch in "${arches[@]}"; do
	out=dist/linux-$arch
	mkdir -p "$out"
	CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -trimpath -ldflags='-s -w' -o "$out/" ./cmd/...
	for bin in lsof fuser; do
		desc=$(file -b "$out/$bin")
		case $desc in
		*"statically linked"* | *"static-pie linked"*) ;;
		*)
			echo "$out/$bin is not static: $desc" >&2
			exit 1
			;;
		esac
		if [ "$arch" = "$here" ]; then
			# lsof -h and fuser --help exit 0 and print their usage.
			opt=-h
			[ $bin = fuser ] && opt=--help
			"$out/$bin" $opt >/dev/null 2>&1 || {
				echo "$out/$bin $opt failed" >&2
				exit 1
			}
		fi
		echo "$out/$bin: $desc"
	done
done
