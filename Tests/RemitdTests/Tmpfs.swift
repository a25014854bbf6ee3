import Foundation
import XCTest

/// A small tmpfs of a test's own, so that a full disk or a read-only mount is real, and harms
/// nothing else on the machine. Mounting needs root (or CAP_SYS_ADMIN); without it the test is
/// skipped, saying why.
final class Tmpfs {
    let url: URL
    private var ballast: URL { url.appendingPathComponent("ballast") }

    init(megabytes: Int) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("remit-fs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let result = try runProgram(Self.mount, ["-t", "tmpfs", "-o", "size=\(megabytes)m,mode=0700", "tmpfs", url.path],
                                    holdOpen: 0)
        guard result.status == 0 else {
            try? FileManager.default.removeItem(at: url)
            throw XCTSkip("cannot mount a tmpfs (this needs root or CAP_SYS_ADMIN): \(result.err)")
        }
    }

    private static let mount = FileManager.default.isExecutableFile(atPath: "/usr/bin/mount") ? "/usr/bin/mount" : "/bin/mount"

    /// Remounts read-only or read-write; the kernel refuses read-only while a file is open for writing.
    func remount(readOnly: Bool) throws {
        let result = try runProgram(Self.mount, ["-o", readOnly ? "remount,ro" : "remount,rw", url.path], holdOpen: 0)
        guard result.status == 0 else { throw DaemonError("remount of \(url.path) failed: \(result.err)") }
    }

    /// Writes a ballast file until the file system has not one free page left.
    func fill() throws {
        let fd = open(ballast.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw DaemonError("cannot create \(ballast.path): errno \(errno)") }
        defer { close(fd) }
        for size in [1 << 20, 4_096, 1] {
            let chunk = [UInt8](repeating: 0xA5, count: size)
            while write(fd, chunk, size) > 0 {}
        }
        guard errno == ENOSPC else { throw DaemonError("filling \(url.path) stopped on errno \(errno), not ENOSPC") }
    }

    /// Deletes the ballast: the space comes back.
    func drain() throws {
        try FileManager.default.removeItem(at: ballast)
    }

    func remove() {
        _ = try? runProgram("/usr/bin/umount", ["-l", url.path], holdOpen: 0)
        try? FileManager.default.removeItem(at: url)
    }
}
