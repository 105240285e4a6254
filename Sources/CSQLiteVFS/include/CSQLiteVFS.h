#ifndef MARQUEE_CSQLITEVFS_H
#define MARQUEE_CSQLITEVFS_H

/// A VFS that wraps the platform's default VFS ("unix" on Linux) and batches the write-ahead
/// log's writes.
///
/// SQLite writes each WAL frame with two calls (the 24-byte frame header, then the page), so a
/// commit of N dirty pages costs 2N write(2) calls before its fsync. This VFS keeps the
/// consecutive writes to a `-wal` file in memory and hands them to the real file as one write:
/// before the WAL is synced (every commit with `synchronous=FULL`), before anything reads, sizes,
/// truncates or closes it, when a write is not contiguous with what is buffered, when the
/// buffer reaches its cap, and when SQLite publishes a new WAL-index header (`xShmBarrier` on
/// the database file), so no reader can learn about a frame that is not in the file yet.
/// Every other file (the database, temporary files) passes straight through.
///
/// Returns the name to give `sqlite3_open_v2` (registers the VFS on first call, not as the default;
/// thread-safe). NULL when the platform has no default VFS to wrap.
const char *marquee_coalescing_vfs(void);

/// Process-wide SQLite settings, applied once before SQLite initializes (later calls do nothing):
/// memory statistics off (`SQLITE_CONFIG_MEMSTATUS`), so an allocation does not take a global
/// mutex. Debian builds SQLite without lookaside, so every bound string and record is a malloc
/// and this mutex showed up at ~5 % of replay's projecting thread. Nothing in Marquee reads
/// `sqlite3_memory_used` or sets a soft heap limit (both need the statistics).
void marquee_sqlite_configure(void);

/// Counters for tests and benchmarks: writes SQLite asked for, and writes that reached the WAL file.
typedef struct {
    long long walWritesRequested;
    long long walWritesIssued;
} marquee_coalescing_vfs_stats;

marquee_coalescing_vfs_stats marquee_coalescing_vfs_counters(void);

#endif
