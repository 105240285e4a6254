#ifndef MARQUEE_CSQLITE_SHIM_H
#define MARQUEE_CSQLITE_SHIM_H
#include <sqlite3.h>

/// SQLITE_TRANSIENT is a cast macro that Swift cannot import; binding text or blobs
/// with it makes SQLite copy the bytes before the call returns.
static inline void (*marquee_sqlite_transient(void))(void *) { return SQLITE_TRANSIENT; }
#endif
