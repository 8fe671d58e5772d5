#!/usr/bin/env bash
# Builds our commands and the workload, then compares them with the
# installed lsof, fuser and lsfd on PROCS processes holding FILES open
# files each: bench/run.sh [PROCS [FILES [RUNS]]].
set -euo pipefail
cd "$(dirname "$0")/.."
CGO_ENABLED=0 go build -o bin/ ./cmd/... ./bench/workload ./bench/floor ./bench/kdump
ulimit -n 65536 2>/dev/null || true
go run ./bench/compare -procs "${1:-1000}" -files "${2:-160}" -runs "${3:-5}" -bin bin
