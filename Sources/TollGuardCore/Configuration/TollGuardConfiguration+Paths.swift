import Foundation
import TOMLKit

extension TollGuardConfiguration {
    /// Makes the relative file paths the configuration file writes relative to the file's folder.
    ///
    /// `/etc/tollguard/tollguard.toml` saying `path = "tollguard.sqlite"` means the store in
    /// `/etc/tollguard`, whatever folder a command runs from. Defaults the file leaves unset stay
    /// relative to the working directory.
    ///
    /// Covers `database.path`, `ingest.files`, `reports.directory`, `sip_watch.ban_log`,
    /// `sip_watch.follow`, `cdr_tail.files` and the program hooks' `path`.
    mutating func resolvePaths(writtenIn table: TOMLTable, configurationFile: String?) {
        guard let configurationFile else { return }
        let folder = URL(fileURLWithPath: configurationFile).deletingLastPathComponent().path
        func resolved(_ path: String) -> String {
            guard !path.isEmpty, !path.hasPrefix("/") else { return path }
            return URL(fileURLWithPath: folder).appendingPathComponent(path).standardizedFileURL.path
        }
        func isSet(_ section: String, _ key: String) -> Bool { table[section]?.table?[key] != nil }
        if isSet("database", "path") { database.path = resolved(database.path) }
        ingest.files = ingest.files.map(resolved)
        if isSet("reports", "directory") { reports.directory = resolved(reports.directory) }
        if isSet("sip_watch", "ban_log") { sipWatch.banLog = resolved(sipWatch.banLog) }
        sipWatch.follow = sipWatch.follow.map(resolved)
        cdrTail.files = cdrTail.files.map(resolved)
        for index in hooks.indices {
            if let path = hooks[index].path { hooks[index].path = resolved(path) }
        }
    }
}
