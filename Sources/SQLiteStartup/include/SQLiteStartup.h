#ifndef SQLITE_STARTUP_H
#define SQLITE_STARTUP_H

/// Turns off SQLite's memory statistics before SQLite initializes. With them on (the default),
/// every allocation and free inside SQLite takes a process-wide mutex to count bytes; the ledger
/// reads none of those counts. Returns SQLite's result code: SQLITE_OK (0), or SQLITE_MISUSE
/// (21) when SQLite has already initialized in this process, in which case nothing changes.
///
/// `sqlite3_config` is variadic, which Swift cannot call: hence this C function.
int remit_sqlite_disable_memory_statistics(void);

#endif
