#!/usr/bin/env bash
# Runs our lsof and fuser and the installed ones beside a FUSE daemon
# that has stopped answering and ignores interrupts (internal/stallfs),
# and says for each query how long each took to exit, or that it was
# still there after LIMIT seconds, and in which state. Needs root and
# /dev/fuse: bench/deadmount.sh [LIMIT]. The stuck processes are freed
# when the daemon exits at the end. Both lsofs get -S 2.
set -euo pipefail
cd "$(dirname "$0")/.."
limit=${1:-10}
go build -o bin/ ./cmd/... ./internal/stallfs
work=$(mktemp -d)
mkdir "$work/mnt"
ln -s "$work/mnt/held" "$work/link"
mkfifo "$work/ctl"
bin/stallfs "$work/mnt" <"$work/ctl" >"$work/ready" &
daemon=$!
exec 3>"$work/ctl"
trap 'exec 3>&-; wait $daemon 2>/dev/null; umount -l "$work/mnt" 2>/dev/null; rm -rf "$work"' EXIT
while ! grep -q ready "$work/ready" 2>/dev/null; do sleep 0.1; done
holder=$(sed -n 's/.*holder=\([0-9]*\).*/\1/p' "$work/ready")
echo stall >&3
sleep 0.2

# run LABEL CMD...: the time to exit, or the state it is stuck in.
run() {
	local label=$1
	shift
	local start=$(date +%s.%N)
	"$@" >/dev/null 2>&1 3>&- &
	local pid=$! state=""
	while :; do
		state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
		[ -z "$state" ] || [ "$state" = Z ] && break
		if (($(echo "$(date +%s.%N) - $start > $limit" | bc))); then
			kill -KILL "$pid" 2>/dev/null || true
			sleep 0.5
			state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo gone)
			printf '%-44s %-14s hung: still there after %ss and SIGKILL, state %s\n' "$label" "$1" "$limit" "$state"
			return
		fi
		sleep 0.05
	done
	wait "$pid" 2>/dev/null || true
	printf '%-44s %-14s exited in %.2fs\n' "$label" "$1" "$(echo "$(date +%s.%N) - $start" | bc)"
}

m=$work/mnt
for q in "-p $holder" "" "$m" "$m/held" "+D $m" "+D $work" "$work/link" "-i"; do
	# shellcheck disable=SC2086
	run "lsof -S 2 $q" /usr/bin/lsof -S 2 $q
	# shellcheck disable=SC2086
	run "lsof -S 2 $q" bin/lsof -S 2 $q
done
for q in "$m/held" "-m $m" "/etc/hostname" "-m /" "$work/link" "22/tcp"; do
	# shellcheck disable=SC2086
	run "fuser $q" /usr/bin/fuser $q
	# shellcheck disable=SC2086
	run "fuser $q" bin/fuser $q
done
