import Foundation
import Logging
import Synchronization
import TollGuardCore

/// `[cdr_tail]` as a source of the live pipeline: every `poll_seconds`, the rows appended to each
/// followed CDR file go to the engine and the store as completed calls.
///
/// A file's position is
/// saved once the pipeline has stored the rows before it (rows read again after a crash are
/// duplicates the store recognizes), so a restart neither skips nor repeats a row.
package struct CDRTailSource: Sendable {
    package let database: TollGuardDatabase
    package let settings: CDRTailSettings
    package let timeZone: TimeZone
    package let columnMap: [String: String]
    package let stats: LivePipeline.Stats
    package let logger: Logger

    package init(
        database: TollGuardDatabase, settings: CDRTailSettings, timeZone: TimeZone, columnMap: [String: String],
        stats: LivePipeline.Stats, logger: Logger
    ) {
        self.database = database
        self.settings = settings
        self.timeZone = timeZone
        self.columnMap = columnMap
        self.stats = stats
        self.logger = logger
    }

    /// Follows the files until cancelled, yielding their rows into `continuation`.
    package func run(_ inputs: LiveInputs) async {
        let saved: [String: TailPosition]
        do {
            saved = try await database.followPositions(.cdrCSV)
        } catch {
            logger.error(
                "cdr_tail: the saved positions cannot be read; following from where each file is read now",
                metadata: ["error": "\(error)"])
            saved = [:]
        }
        let tails = settings.files.map {
            CDRTail(path: $0, format: settings.format, timeZone: timeZone, columnMap: columnMap, resumingAt: saved[$0])
        }
        var lastSaved = saved
        while !Task.isCancelled {
            for tail in tails {
                await poll(tail, into: inputs, lastSaved: &lastSaved)
            }
            try? await Task.sleep(for: .seconds(settings.pollSeconds))
        }
    }

    private func poll(_ tail: CDRTail, into inputs: LiveInputs, lastSaved: inout [String: TailPosition]) async {
        let rows: CDRTail.Rows
        do {
            rows = try tail.poll()
        } catch {
            logger.error(
                "cdr_tail: the file could not be read", metadata: ["file": "\(tail.path)", "error": "\(error)"])
            return
        }
        for (row, _) in rows.rejected {
            logger.warning(
                "cdr_tail: row skipped",
                metadata: ["file": "\(tail.path)", "line": "\(row.line)", "row.reason": "\(row.problem.description)"])
        }
        if let format = tail.format {
            for (file, rejected) in Dictionary(grouping: rows.rejected, by: \.file) {
                do {
                    try await database.recordRejectedRows(
                        rejected.map(\.row), followedFile: tail.path, fingerprint: file, format: format)
                } catch {
                    logger.error(
                        "cdr_tail: the rejected rows could not be kept",
                        metadata: ["file": "\(tail.path)", "error": "\(error)"])
                }
            }
        }
        stats.tailedRows.add(rows.records.count + rows.rejected.count, ordering: .relaxed)
        stats.tailedRowsRejected.add(rows.rejected.count, ordering: .relaxed)
        let position = tail.position
        guard lastSaved[tail.path] != position else { return }
        lastSaved[tail.path] = position
        let database = database
        let logger = logger
        let path = tail.path
        let save: @Sendable (Bool) async -> Void = { stored in
            guard stored else { return }
            do {
                try await database.saveFollowPositions([path: position], .cdrCSV)
            } catch {
                logger.error(
                    "cdr_tail: could not save the position", metadata: ["file": "\(path)", "error": "\(error)"])
            }
        }
        guard let last = rows.records.last else {
            await save(true)
            return
        }
        let source = (tail.format ?? settings.format).rawValue
        // `send` waits while the pipeline is full (its store refusing writes for long): the rest
        // of the file waits on disk.
        for (record, _) in rows.records.dropLast() {
            await inputs.send(.completed(record, source: source, stored: nil))
        }
        await inputs.send(.completed(last.record, source: source, stored: save))
    }
}
