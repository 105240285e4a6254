#!/usr/bin/env bash
# Every benchmark of BENCHMARKS.md, in order, each beside its baseline (needs a release build:
# `make bench` builds it first). Data goes under TMPDIR. Run on a quiet machine: the numbers are
# only comparable within one run.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release/marquee
work=$(mktemp -d "${TMPDIR:-/tmp}/marquee-bench.XXXX")
trap 'rm -rf "$work"' EXIT
echo "## (a) writer";   "$bin" bench writer --dir "$work/writer"
echo "## (b) replay";   "$bin" bench replay --dir "$work/replay"
echo "## (c) HTTP";     Benchmarks/http.sh 15
echo "## (d) webhooks"; "$bin" bench webhooks --dir "$work/webhooks" --burst 30000 --rounds 4
command -v janus >/dev/null || ./Deploy/install-packages.sh janus
echo "## (e) SFU forwarding"; "$bin" bench media --dir "$work/media"
