#!/usr/bin/env bash
# Backs up Marquee's event log while the server runs, then verifies the copy.
#
# usage: backup.sh DATA_DIR DEST_DIR [MARQUEE_BIN]
#
#   DATA_DIR     the server's data directory (e.g. /var/lib/marquee)
#   DEST_DIR     where backups go; each run makes DEST_DIR/marquee-YYYYMMDDTHHMMSSZ/
#   MARQUEE_BIN  the marquee executable used to verify the copy (default: `marquee` on PATH)
#
# What it does:
#   1. Copies DATA_DIR/events.sqlite with SQLite's online backup API (`sqlite3 … .backup`)
#      inside one read transaction: a consistent snapshot taken while the server appends,
#      with no need to stop it. The copy is checked with PRAGMA integrity_check.
#   2. Does NOT copy readmodels.sqlite: read models are derived from the log and rebuilt from
#      it when the server starts without them, so the log is all a restore needs.
#   3. Runs `MARQUEE_BIN audit verify --data-dir <copy>`: walks the hash chain and re-derives
#      the ledger. A copy that does not verify is kept aside as .failed-marquee-… and the
#      script exits non-zero.
#   4. Works in a hidden temporary folder and renames it to marquee-<UTC time> only after the
#      copy verified, so a folder named marquee-… is always a complete, verified backup.
#
# Run it as the user that owns the data (`runuser -u marquee -- backup.sh …`) or as root.
# Prints the backup folder on success. Exit codes: 0 ok, 1 failure, 2 usage error.
set -euo pipefail

usage() {
    echo "usage: $(basename "$0") DATA_DIR DEST_DIR [MARQUEE_BIN]" >&2
    exit 2
}

fail() {
    echo "backup: $*" >&2
    exit 1
}

[[ $# -eq 2 || $# -eq 3 ]] || usage
data_dir=$1
dest_dir=$2
marquee_bin=${3:-marquee}

command -v sqlite3 >/dev/null 2>&1 \
    || fail "sqlite3 not found; install it first: apt-get install sqlite3"
command -v "$marquee_bin" >/dev/null 2>&1 \
    || fail "marquee executable '$marquee_bin' not found; pass its path as the third argument"
[[ -d $data_dir ]] || fail "data directory $data_dir does not exist"
[[ -f $data_dir/events.sqlite ]] || fail "no event log at $data_dir/events.sqlite"
[[ -r $data_dir/events.sqlite ]] || fail "cannot read $data_dir/events.sqlite (run as its owner or root)"

mkdir -p -- "$dest_dir"
source_db=$(cd -- "$data_dir" && pwd -P)/events.sqlite
dest_dir=$(cd -- "$dest_dir" && pwd -P)

stamp=$(date -u +%Y%m%dT%H%M%SZ)
final=$dest_dir/marquee-$stamp
[[ ! -e $final ]] || fail "$final already exists"

work=$(mktemp -d "$dest_dir/.partial-marquee-$stamp.XXXXXX")
cleanup() {
    if [[ -n ${work:-} && -d $work ]]; then rm -rf -- "$work"; fi
}
trap cleanup EXIT

# The online backup (sqlite3's .backup, the SQLite backup API), inside one read transaction:
# the log is in WAL mode, so the open read transaction pins one snapshot while the server
# keeps appending. Without it the backup API restarts whenever another process writes between
# two of its steps, and on a busy server it would not finish until appends paused.
# The destination is relative to the work folder so that no path has to be quoted inside the
# dot-command; the source is an absolute path argument. .timeout waits out short locks.
tmp=events.sqlite.tmp
(cd -- "$work" && sqlite3 -bail "$source_db" ".timeout 10000" "BEGIN" \
    "SELECT count(*) FROM sqlite_schema" ".backup '$tmp'" "COMMIT" >/dev/null) \
    || fail "sqlite3 online backup of $source_db failed"
integrity=$(sqlite3 "$work/$tmp" "PRAGMA integrity_check;") \
    || fail "cannot open the copy $work/$tmp"
[[ $integrity == ok ]] || fail "the copy failed SQLite's integrity check: $integrity"
mv -- "$work/$tmp" "$work/events.sqlite"
chmod 0640 "$work/events.sqlite"

if ! "$marquee_bin" audit verify --data-dir "$work"; then
    failed=$dest_dir/.failed-marquee-$stamp
    mv -- "$work" "$failed"
    work=
    fail "audit verify failed on the copy; kept for inspection in $failed (the live log may be damaged: run '$marquee_bin audit verify --data-dir $data_dir')"
fi

# Only the log itself belongs in the backup (audit verify may leave a lock or scratch files).
find "$work" -mindepth 1 -maxdepth 1 ! -name events.sqlite -exec rm -rf -- {} +
mv -- "$work" "$final"
work=
sync -- "$final/events.sqlite" "$dest_dir" 2>/dev/null || sync
echo "$final"
