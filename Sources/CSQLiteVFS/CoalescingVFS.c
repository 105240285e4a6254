// A shim VFS over the platform's default SQLite VFS that turns the many small sequential writes
// SQLite makes to a write-ahead log (two per frame: header, then page) into one write per commit.
// See include/CSQLiteVFS.h for the contract. Marquee's own code, not vendored.
//
// Why it is safe:
// - SQLite writes a commit's frames to the WAL, then (synchronous=FULL or NORMAL at a checkpoint)
//   calls xSync on the WAL, then publishes the new frames through the WAL-index header in shared
//   memory. xSync flushes the buffer before syncing, so durability is unchanged.
// - The header is published with walIndexWriteHdr: copy 2, xShmBarrier, copy 1. Readers accept a
//   header only when both copies agree. The database file's xShmBarrier flushes its WAL's buffer,
//   so even without a sync (synchronous=NORMAL/OFF) no reader sees a frame before it is written.
// - Any read, size, truncate, file control or close of the WAL flushes first, so SQLite always
//   sees the file as if every write had reached it. A write that does not continue the buffer
//   (a rewritten frame, a new WAL header at offset 0) flushes first too: order is preserved.
// - A crash loses only unsynced frames, exactly as if the process died before writing them; WAL
//   recovery already ignores frames after the last valid commit frame.

#include "CSQLiteVFS.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <string.h>

#define MARQUEE_VFS_NAME "marquee-coalescing-wal"
#define BUFFER_INITIAL (256 * 1024)
#define BUFFER_CAP (4 * 1024 * 1024)
// The unix VFS writes at most 0x1ffff bytes per call (seekAndWriteFd masks the length with
// 0x1ffff, so a larger write comes back short and reports SQLITE_FULL): flush in 128 KiB - 1 pieces.
#define WRITE_CHUNK 0x1ffff

typedef struct CoalescingFile CoalescingFile;

struct CoalescingFile {
    sqlite3_file base;          // must be first: SQLite sees this
    sqlite3_file *real;         // the wrapped file, allocated right after this struct
    int isWal;
    const char *name;           // as given to xOpen (owned by SQLite, outlives the file)

    // WAL files: the pending bytes, which belong at [bufferStart, bufferStart + bufferLength).
    unsigned char *buffer;
    sqlite3_int64 bufferStart;
    int bufferLength;
    int bufferCapacity;

    // A main database file knows its open WAL (for xShmBarrier), and the WAL its database.
    CoalescingFile *wal;
    CoalescingFile *database;
    CoalescingFile *nextDatabase; // registry of open main databases
};

static sqlite3_vfs *rootVfs;
static sqlite3_vfs coalescingVfs;
static sqlite3_io_methods coalescingMethods;
static pthread_once_t registerOnce = PTHREAD_ONCE_INIT;
static pthread_mutex_t registryLock = PTHREAD_MUTEX_INITIALIZER;
static CoalescingFile *openDatabases;
static atomic_llong walWritesRequested;
static atomic_llong walWritesIssued;

// MARK: the buffer

/// Writes what is buffered to the real file and empties the buffer. On failure the bytes are
/// dropped (they were never synced, so nothing durable is lost) and the error is returned.
static int flush(CoalescingFile *file) {
    int length = file->bufferLength;
    file->bufferLength = 0;
    for (int done = 0; done < length;) {
        int piece = length - done < WRITE_CHUNK ? length - done : WRITE_CHUNK;
        atomic_fetch_add_explicit(&walWritesIssued, 1, memory_order_relaxed);
        int rc = file->real->pMethods->xWrite(file->real, file->buffer + done, piece, file->bufferStart + done);
        if (rc != SQLITE_OK) return rc;
        done += piece;
    }
    return SQLITE_OK;
}

static int walWrite(CoalescingFile *file, const void *data, int amount, sqlite3_int64 offset) {
    atomic_fetch_add_explicit(&walWritesRequested, 1, memory_order_relaxed);
    int contiguous = file->bufferLength > 0 && offset == file->bufferStart + file->bufferLength;
    if (!contiguous || file->bufferLength + amount > BUFFER_CAP || amount > WRITE_CHUNK) {
        int rc = flush(file);
        if (rc != SQLITE_OK) return rc;
    }
    if (amount > WRITE_CHUNK) {
        // Larger than one write of the wrapped VFS: SQLite never asks for that on a WAL (a frame
        // is one page and a header); after what was buffered, pass it through as it came.
        atomic_fetch_add_explicit(&walWritesIssued, 1, memory_order_relaxed);
        return file->real->pMethods->xWrite(file->real, data, amount, offset);
    }
    int needed = file->bufferLength + amount;
    if (needed > file->bufferCapacity) {
        int capacity = file->bufferCapacity ? file->bufferCapacity : BUFFER_INITIAL;
        while (capacity < needed) capacity *= 2;
        if (capacity > BUFFER_CAP) capacity = BUFFER_CAP;
        unsigned char *grown = sqlite3_realloc64(file->buffer, (sqlite3_uint64)capacity);
        if (!grown) {
            // No memory for the buffer: write through.
            int rc = flush(file);
            if (rc != SQLITE_OK) return rc;
            atomic_fetch_add_explicit(&walWritesIssued, 1, memory_order_relaxed);
            return file->real->pMethods->xWrite(file->real, data, amount, offset);
        }
        file->buffer = grown;
        file->bufferCapacity = capacity;
    }
    if (file->bufferLength == 0) file->bufferStart = offset;
    memcpy(file->buffer + file->bufferLength, data, (size_t)amount);
    file->bufferLength += amount;
    return SQLITE_OK;
}

// MARK: io methods (every file of this VFS; only WAL files ever hold a buffer)

static int xClose(sqlite3_file *f) {
    CoalescingFile *file = (CoalescingFile *)f;
    int flushed = flush(file);
    pthread_mutex_lock(&registryLock);
    if (file->isWal) {
        if (file->database && file->database->wal == file) file->database->wal = NULL;
    } else {
        if (file->wal) file->wal->database = NULL;
        for (CoalescingFile **link = &openDatabases; *link; link = &(*link)->nextDatabase) {
            if (*link == file) { *link = file->nextDatabase; break; }
        }
    }
    pthread_mutex_unlock(&registryLock);
    sqlite3_free(file->buffer);
    file->buffer = NULL;
    file->bufferCapacity = 0;
    int rc = file->real->pMethods ? file->real->pMethods->xClose(file->real) : SQLITE_OK;
    return flushed != SQLITE_OK ? flushed : rc;
}

static int xRead(sqlite3_file *f, void *data, int amount, sqlite3_int64 offset) {
    CoalescingFile *file = (CoalescingFile *)f;
    int rc = flush(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xRead(file->real, data, amount, offset);
}

static int xWrite(sqlite3_file *f, const void *data, int amount, sqlite3_int64 offset) {
    CoalescingFile *file = (CoalescingFile *)f;
    if (file->isWal) return walWrite(file, data, amount, offset);
    return file->real->pMethods->xWrite(file->real, data, amount, offset);
}

static int xTruncate(sqlite3_file *f, sqlite3_int64 size) {
    CoalescingFile *file = (CoalescingFile *)f;
    int rc = flush(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xTruncate(file->real, size);
}

static int xSync(sqlite3_file *f, int flags) {
    CoalescingFile *file = (CoalescingFile *)f;
    int rc = flush(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xSync(file->real, flags);
}

static int xFileSize(sqlite3_file *f, sqlite3_int64 *size) {
    CoalescingFile *file = (CoalescingFile *)f;
    int rc = flush(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xFileSize(file->real, size);
}

static int xLock(sqlite3_file *f, int level) {
    CoalescingFile *file = (CoalescingFile *)f;
    return file->real->pMethods->xLock(file->real, level);
}

static int xUnlock(sqlite3_file *f, int level) {
    CoalescingFile *file = (CoalescingFile *)f;
    return file->real->pMethods->xUnlock(file->real, level);
}

static int xCheckReservedLock(sqlite3_file *f, int *out) {
    CoalescingFile *file = (CoalescingFile *)f;
    return file->real->pMethods->xCheckReservedLock(file->real, out);
}

static int xFileControl(sqlite3_file *f, int op, void *arg) {
    CoalescingFile *file = (CoalescingFile *)f;
    int rc = flush(file);
    if (rc != SQLITE_OK) return rc;
    if (op == SQLITE_FCNTL_VFSNAME) {
        // Report ours in front of the wrapped VFS's name (as SQLite's own shims do).
        char *inner = NULL;
        int innerRc = file->real->pMethods->xFileControl(file->real, op, &inner);
        char *name = innerRc == SQLITE_OK && inner ? sqlite3_mprintf(MARQUEE_VFS_NAME "/%z", inner)
                                                   : sqlite3_mprintf(MARQUEE_VFS_NAME);
        *(char **)arg = name;
        return SQLITE_OK;
    }
    return file->real->pMethods->xFileControl(file->real, op, arg);
}

static int xSectorSize(sqlite3_file *f) {
    CoalescingFile *file = (CoalescingFile *)f;
    return file->real->pMethods->xSectorSize(file->real);
}

static int xDeviceCharacteristics(sqlite3_file *f) {
    CoalescingFile *file = (CoalescingFile *)f;
    return file->real->pMethods->xDeviceCharacteristics(file->real);
}

static int xShmMap(sqlite3_file *f, int page, int pageSize, int extend, void volatile **out) {
    CoalescingFile *file = (CoalescingFile *)f;
    if (file->real->pMethods->iVersion < 2) return SQLITE_IOERR_SHMMAP;
    return file->real->pMethods->xShmMap(file->real, page, pageSize, extend, out);
}

static int xShmLock(sqlite3_file *f, int offset, int n, int flags) {
    CoalescingFile *file = (CoalescingFile *)f;
    if (file->real->pMethods->iVersion < 2) return SQLITE_IOERR_SHMLOCK;
    return file->real->pMethods->xShmLock(file->real, offset, n, flags);
}

static void xShmBarrier(sqlite3_file *f) {
    CoalescingFile *file = (CoalescingFile *)f;
    // Called on the database file between the two copies of a new WAL-index header: the frames
    // it announces must be in the WAL file before the copy readers check first is written. A
    // failed write here cannot be reported; the commit's xSync (synchronous=FULL) or the next
    // checkpoint's reports its error, and a reader of a missing frame finds a bad checksum.
    if (file->wal) (void)flush(file->wal);
    if (file->real->pMethods->iVersion >= 2) file->real->pMethods->xShmBarrier(file->real);
}

static int xShmUnmap(sqlite3_file *f, int deleteFlag) {
    CoalescingFile *file = (CoalescingFile *)f;
    if (file->real->pMethods->iVersion < 2) return SQLITE_OK;
    return file->real->pMethods->xShmUnmap(file->real, deleteFlag);
}

static int xFetch(sqlite3_file *f, sqlite3_int64 offset, int amount, void **out) {
    CoalescingFile *file = (CoalescingFile *)f;
    int rc = flush(file);
    if (rc != SQLITE_OK) return rc;
    if (file->real->pMethods->iVersion < 3) { *out = NULL; return SQLITE_OK; }
    return file->real->pMethods->xFetch(file->real, offset, amount, out);
}

static int xUnfetch(sqlite3_file *f, sqlite3_int64 offset, void *pointer) {
    CoalescingFile *file = (CoalescingFile *)f;
    if (file->real->pMethods->iVersion < 3) return SQLITE_OK;
    return file->real->pMethods->xUnfetch(file->real, offset, pointer);
}

// MARK: the VFS

static int xOpen(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags, int *outFlags) {
    (void)vfs;
    CoalescingFile *file = (CoalescingFile *)f;
    memset(file, 0, sizeof(*file));
    file->real = (sqlite3_file *)&file[1];
    file->name = name;
    int rc = rootVfs->xOpen(rootVfs, name, file->real, flags, outFlags);
    if (rc != SQLITE_OK || file->real->pMethods == NULL) {
        // SQLite calls xClose only when pMethods is set: leave it NULL so nothing leaks or runs.
        if (file->real->pMethods) file->real->pMethods->xClose(file->real);
        file->base.pMethods = NULL;
        return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
    }
    file->base.pMethods = &coalescingMethods;
    if (flags & SQLITE_OPEN_MAIN_DB) {
        pthread_mutex_lock(&registryLock);
        file->nextDatabase = openDatabases;
        openDatabases = file;
        pthread_mutex_unlock(&registryLock);
    } else if ((flags & SQLITE_OPEN_WAL) && name) {
        file->isWal = 1;
        // The pager keeps the WAL's name in the same allocation as its database's name, so the
        // database's name pointer identifies the database file this connection opened.
        const char *database = sqlite3_filename_database(name);
        pthread_mutex_lock(&registryLock);
        for (CoalescingFile *candidate = openDatabases; candidate; candidate = candidate->nextDatabase) {
            if (candidate->name == database) {
                candidate->wal = file;
                file->database = candidate;
                break;
            }
        }
        pthread_mutex_unlock(&registryLock);
        if (!file->database) {
            // Without its database file there is no barrier hook: write through, never buffer.
            file->isWal = 0;
        }
    }
    return SQLITE_OK;
}

static int xDelete(sqlite3_vfs *vfs, const char *name, int syncDir) {
    (void)vfs;
    return rootVfs->xDelete(rootVfs, name, syncDir);
}

static int xAccess(sqlite3_vfs *vfs, const char *name, int flags, int *out) {
    (void)vfs;
    return rootVfs->xAccess(rootVfs, name, flags, out);
}

static int xFullPathname(sqlite3_vfs *vfs, const char *name, int size, char *out) {
    (void)vfs;
    return rootVfs->xFullPathname(rootVfs, name, size, out);
}

static void *xDlOpen(sqlite3_vfs *vfs, const char *name) {
    (void)vfs;
    return rootVfs->xDlOpen(rootVfs, name);
}

static void xDlError(sqlite3_vfs *vfs, int size, char *out) {
    (void)vfs;
    rootVfs->xDlError(rootVfs, size, out);
}

static void (*xDlSym(sqlite3_vfs *vfs, void *handle, const char *symbol))(void) {
    (void)vfs;
    return rootVfs->xDlSym(rootVfs, handle, symbol);
}

static void xDlClose(sqlite3_vfs *vfs, void *handle) {
    (void)vfs;
    rootVfs->xDlClose(rootVfs, handle);
}

static int xRandomness(sqlite3_vfs *vfs, int size, char *out) {
    (void)vfs;
    return rootVfs->xRandomness(rootVfs, size, out);
}

static int xSleep(sqlite3_vfs *vfs, int microseconds) {
    (void)vfs;
    return rootVfs->xSleep(rootVfs, microseconds);
}

static int xCurrentTime(sqlite3_vfs *vfs, double *out) {
    (void)vfs;
    return rootVfs->xCurrentTime(rootVfs, out);
}

static int xGetLastError(sqlite3_vfs *vfs, int size, char *out) {
    (void)vfs;
    return rootVfs->xGetLastError ? rootVfs->xGetLastError(rootVfs, size, out) : 0;
}

static int xCurrentTimeInt64(sqlite3_vfs *vfs, sqlite3_int64 *out) {
    (void)vfs;
    return rootVfs->xCurrentTimeInt64(rootVfs, out);
}

static void registerVfs(void) {
    sqlite3_vfs *root = sqlite3_vfs_find(NULL);
    if (!root || root->iVersion < 2) return;
    rootVfs = root;

    coalescingMethods = (sqlite3_io_methods){
        .iVersion = 3,
        .xClose = xClose,
        .xRead = xRead,
        .xWrite = xWrite,
        .xTruncate = xTruncate,
        .xSync = xSync,
        .xFileSize = xFileSize,
        .xLock = xLock,
        .xUnlock = xUnlock,
        .xCheckReservedLock = xCheckReservedLock,
        .xFileControl = xFileControl,
        .xSectorSize = xSectorSize,
        .xDeviceCharacteristics = xDeviceCharacteristics,
        .xShmMap = xShmMap,
        .xShmLock = xShmLock,
        .xShmBarrier = xShmBarrier,
        .xShmUnmap = xShmUnmap,
        .xFetch = xFetch,
        .xUnfetch = xUnfetch,
    };

    coalescingVfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)sizeof(CoalescingFile) + root->szOsFile,
        .mxPathname = root->mxPathname,
        .zName = MARQUEE_VFS_NAME,
        .xOpen = xOpen,
        .xDelete = xDelete,
        .xAccess = xAccess,
        .xFullPathname = xFullPathname,
        .xDlOpen = xDlOpen,
        .xDlError = xDlError,
        .xDlSym = xDlSym,
        .xDlClose = xDlClose,
        .xRandomness = xRandomness,
        .xSleep = xSleep,
        .xCurrentTime = xCurrentTime,
        .xGetLastError = xGetLastError,
        .xCurrentTimeInt64 = xCurrentTimeInt64,
    };
    if (sqlite3_vfs_register(&coalescingVfs, 0) != SQLITE_OK) rootVfs = NULL;
}

static pthread_once_t configureOnce = PTHREAD_ONCE_INIT;

static void configure(void) {
    // SQLITE_MISUSE when SQLite was initialized already (by another library): then keep its settings.
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

void marquee_sqlite_configure(void) {
    pthread_once(&configureOnce, configure);
}

const char *marquee_coalescing_vfs(void) {
    marquee_sqlite_configure();
    pthread_once(&registerOnce, registerVfs);
    return rootVfs ? MARQUEE_VFS_NAME : NULL;
}

marquee_coalescing_vfs_stats marquee_coalescing_vfs_counters(void) {
    marquee_coalescing_vfs_stats stats = {
        .walWritesRequested = atomic_load_explicit(&walWritesRequested, memory_order_relaxed),
        .walWritesIssued = atomic_load_explicit(&walWritesIssued, memory_order_relaxed),
    };
    return stats;
}
