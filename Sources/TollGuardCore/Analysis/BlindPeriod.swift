import Foundation

/// An analysed period that held no call while the store holds calls before it.
///
/// The CDRs stopped arriving (a rotated file the nightly job does not read, an ingest that
/// failed, a switch that stopped writing), and the night went unanalysed. `analyze` warns and
/// exits 4, and `serve`'s `/healthz` and `/metrics` say so until a run finds calls again.
package struct BlindPeriod: Sendable, Hashable {
    /// The period analysed.
    package var from: Date
    package var to: Date
    /// When the latest stored call before the period started.
    package var lastCallBefore: Date

    /// The warning, with times in `zone`.
    package func warning(in zone: TimeZone) -> String {
        let time = LocalTimeFormatter(timeZone: zone)
        return "no call started from \(time.minutes(from)) to \(time.minutes(to)), but the store holds calls "
            + "before (the last started \(time.minutes(lastCallBefore))): the CDRs of this period did not arrive. "
            + "Check the CDR files (a rotated Master.csv.1 is read with 'ingest --rotated') and the ingest job."
    }
}
