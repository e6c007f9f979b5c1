import Synchronization

/// The configuration a long-running `serve` reads from, replaced whole on SIGHUP.
///
/// Readers take `current` each time they act (a flush, a hook delivery round, a log poll), so a
/// reload reaches them at their next step; what is fixed at start (the event-socket connection,
/// the followed files, the HTTP listener, the store) is listed by `needsRestart(from:to:)`.
package final class ReloadableConfiguration: Sendable {
    private let value: Mutex<(configuration: TollGuardConfiguration, generation: Int)>

    package init(_ configuration: TollGuardConfiguration) {
        value = Mutex((configuration, 0))
    }

    /// The configuration as last loaded.
    package var current: TollGuardConfiguration { value.withLock { $0.configuration } }

    /// Counts the replacements, so a reader can tell whether it has the latest.
    package var generation: Int { value.withLock { $0.generation } }

    /// Installs `configuration` for every reader.
    package func replace(with configuration: TollGuardConfiguration) {
        value.withLock { $0 = (configuration, $0.generation + 1) }
    }

    /// The sections whose change a reload cannot apply: they are read once, when `serve` starts.
    package static func needsRestart(from old: TollGuardConfiguration, to new: TollGuardConfiguration) -> [String] {
        var sections: [String] = []
        if old.eventSockets != new.eventSockets { sections.append("event_socket") }
        if old.managers != new.managers { sections.append("ami") }
        if old.cdrTail != new.cdrTail || old.ingest.csv != new.ingest.csv { sections.append("cdr_tail") }
        if old.cdrPost != new.cdrPost { sections.append("cdr_post") }
        if old.sipWatch.follow != new.sipWatch.follow || old.sipWatch.pollSeconds != new.sipWatch.pollSeconds {
            sections.append("sip_watch.follow")
        }
        if old.database != new.database { sections.append("database") }
        if old.site.timezone != new.site.timezone { sections.append("site.timezone") }
        return sections
    }
}
