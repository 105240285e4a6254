import EventLog
import Foundation
import Testing

/// `flock` locks belong to an open file description, so a second `open` in the same process
/// conflicts with the first exactly as a second process would.
@Suite("DataDirLock")
struct DataDirLockTests {
    func isHeld(_ error: any Error) -> Bool {
        if case .held? = error as? DataDirLock.LockError { return true }
        return false
    }

    @Test func secondLockOnTheSameDirectoryIsRefusedUntilTheFirstIsReleased() async throws {
        try await withTemporaryDirectory { dir in
            var first: DataDirLock? = try DataDirLock(dataDir: dir)
            #expect(first?.path == dir + "/marquee.lock")
            let pid = try String(contentsOfFile: dir + "/marquee.lock", encoding: .utf8)
            #expect(pid == "\(ProcessInfo.processInfo.processIdentifier)\n")

            do {
                _ = try DataDirLock(dataDir: dir)
                Issue.record("a second lock on a held data directory succeeded")
            } catch {
                #expect(isHeld(error), "\(error)")
                #expect(String(describing: error).contains(dir + "/marquee.lock"))
            }
            withExtendedLifetime(first) {}
            first = nil // deinit unlocks

            let second = try DataDirLock(dataDir: dir)
            #expect(second.path == dir + "/marquee.lock")
            #expect(throws: DataDirLock.LockError.self) { try DataDirLock(dataDir: dir) }
            withExtendedLifetime(second) {}
        }
    }

    @Test func locksOnDifferentDirectoriesAreIndependent() async throws {
        try await withTemporaryDirectory { a in
            try await withTemporaryDirectory { b in
                let lockA = try DataDirLock(dataDir: a)
                let lockB = try DataDirLock(dataDir: b)
                #expect(lockA.path != lockB.path)
                withExtendedLifetime((lockA, lockB)) {}
            }
        }
    }

    @Test func missingDirectoryCannotBeLocked() async throws {
        try await withTemporaryDirectory { dir in
            do {
                _ = try DataDirLock(dataDir: dir + "/does-not-exist")
                Issue.record("locked a directory that does not exist")
            } catch {
                guard case .cannotOpen(let path, let code)? = error as? DataDirLock.LockError else {
                    Issue.record("expected cannotOpen, got \(error)")
                    return
                }
                #expect(path == dir + "/does-not-exist/marquee.lock")
                #expect(code == ENOENT)
            }
        }
    }
}
