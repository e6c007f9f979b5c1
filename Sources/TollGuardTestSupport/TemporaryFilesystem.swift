import Foundation

/// A tmpfs of a few megabytes mounted for a test (root only): to fill up, or to make read-only.
///
/// Mounting needs root and a kernel that lets this process mount; a test that cannot mount one
/// says so and leaves the case to the stand-in it names.
package final class TemporaryFilesystem: Sendable {
    package let path: String

    package init(megabytes: Int) throws {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent("tollguard-tmpfs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path]
        mount.standardError = FileHandle.nullDevice
        try mount.run()
        mount.waitUntilExit()
        guard mount.terminationStatus == 0 else {
            try? FileManager.default.removeItem(atPath: path)
            throw CocoaError(.fileWriteNoPermission)
        }
    }

    /// Writes a file until the filesystem has no room left; its path.
    package func fill() throws -> String {
        let filler = path + "/filler"
        _ = FileManager.default.createFile(atPath: filler, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: filler) else { throw CocoaError(.fileWriteUnknown) }
        defer { try? handle.close() }
        let chunk = Data(count: 4096)
        while (try? handle.write(contentsOf: chunk)) != nil {}
        return filler
    }

    package func unmount() {
        let umount = Process()
        umount.executableURL = URL(fileURLWithPath: "/bin/umount")
        umount.arguments = ["-l", path]
        try? umount.run()
        umount.waitUntilExit()
        try? FileManager.default.removeItem(atPath: path)
    }
}

extension TemporaryFilesystem {
    /// Mounts it again read-only: writes fail with EROFS, even for root.
    package func remountReadOnly() throws {
        let remount = Process()
        remount.executableURL = URL(fileURLWithPath: "/bin/mount")
        remount.arguments = ["-o", "remount,ro", path]
        try remount.run()
        remount.waitUntilExit()
        guard remount.terminationStatus == 0 else { throw CocoaError(.fileWriteNoPermission) }
    }
}
