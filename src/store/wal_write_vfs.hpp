#pragma once

namespace shopd::store {

// The name of a VFS that behaves as SQLite's default one, except that the frames a commit
// appends to a write-ahead log reach the file in one write instead of two per page.
//
// SQLite writes each WAL frame as its 24-byte header and then its page, two system calls per
// page; on a virtual machine those calls cost more than the copying, and a batch of shopd's
// commits writes dozens of pages. The frames are gathered while they are appended in order and
// written out when the commit frame's page arrives (or before anything else touches the log),
// so a commit is on the file before SQLite reports it done, and a failed write fails the commit.
//
// Registers the VFS on the first call; SQLite must not be in use by another thread then.
const char* wal_write_vfs();

}  // namespace shopd::store
