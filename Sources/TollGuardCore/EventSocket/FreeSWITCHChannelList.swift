import Foundation

/// The switch's channels as `api show channels as json` lists them (mod_commands: an object with
/// `row_count` and, unless it is 0, `rows`; every value a string, named as the core database's
/// `channels` columns).
///
/// After a reconnect it tells the calls still up, since events raised while
/// the socket was down are lost.
package struct FreeSWITCHChannelList: Sendable {
    /// One row: `uuid`, `direction`, `created_epoch`, `cid_num`, `dest`, `accountcode`, `callstate` and the rest.
    package struct Row: Sendable, Hashable, FreeSWITCHChannelData {
        package var columns: [String: String]

        package init(_ columns: [String: String]) { self.columns = columns }

        package subscript(_ name: String) -> String? {
            columns[name].flatMap { $0.isEmpty ? nil : $0 }
        }

        /// The columns the channel variables of the same name would give (`accountcode`,
        /// `start_epoch` from `created_epoch`, `user_name` from the user part of `presence_id`,
        /// which an authenticated call carries); the list has no others.
        package func variable(_ name: String) -> String? {
            switch name {
            case "accountcode": self["accountcode"]
            case "start_epoch": self["created_epoch"]
            case "uuid": self["uuid"]
            case "user_name": self["presence_id"].flatMap { $0.split(separator: "@").first.map(String.init) }
            default: nil
            }
        }

        package func profile(_ field: String) -> String? {
            switch field {
            case "caller_id_number": self["cid_num"]
            case "caller_id_name": self["cid_name"]
            case "destination_number": self["dest"]
            case "network_addr": self["ip_addr"]
            case "context": self["context"]
            case "chan_name": self["name"]
            case "uuid": self["uuid"]
            default: nil
            }
        }

        /// A leg the switch placed (the B leg of a bridge): only inbound channels are calls, as
        /// with CGRateS's `filter Call-Direction inbound`.
        ///
        /// Once bridged, its `call_uuid` names
        /// the A leg.
        package var isOriginatedLeg: Bool { self["direction"] == "outbound" }

        /// Answered and not yet hanging up (`ACTIVE`, `HELD`, `UNHELD`).
        package var isAnswered: Bool { ["ACTIVE", "HELD", "UNHELD"].contains(self["callstate"] ?? "") }

        /// Being torn down: as good as ended.
        package var isHangingUp: Bool { self["callstate"] == "HANGUP" }
    }

    package var rows: [Row]

    package init(rows: [Row]) { self.rows = rows }

    /// Why an answer is not a channel list.
    ///
    /// A failed list is never read as "no calls".
    package struct ReadError: Error, CustomStringConvertible, Sendable {
        package var description: String
    }

    /// Reads the `api/response` body.
    package init(json body: String) throws(ReadError) {
        let trimmed = body.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("-ERR") || trimmed.hasPrefix("-USAGE") { throw ReadError(description: trimmed) }
        guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any],
            let count = object["row_count"] as? Int
        else {
            throw ReadError(description: "not a channel list: \(trimmed.prefix(80).debugDescription)")
        }
        let rows = (object["rows"] as? [[String: Any]]) ?? []
        guard rows.count == count else {
            throw ReadError(description: "row_count \(count) but \(rows.count) rows")
        }
        self.rows = rows.map { row in Row(row.compactMapValues { $0 as? String }) }
    }

    /// The calls up: A legs not hanging up, each as the event socket would have shown it, with
    /// the trunk of its B leg when the list has one.
    ///
    /// An answered call's answer time is not in the
    /// list: `now` stands for it (its CDR brings the true one).
    package func liveCalls(at now: Date) -> [LiveCall] {
        var trunks: [String: String] = [:]
        for row in rows where row.isOriginatedLeg {
            if let call = row["call_uuid"], call != row["uuid"], let trunk = FreeSWITCHChannel.trunk(row) {
                trunks[call] = trunk
            }
        }
        return rows.compactMap { row in
            guard !row.isOriginatedLeg, !row.isHangingUp, var call = FreeSWITCHChannel.liveCall(row, at: now) else {
                return nil
            }
            if call.trunk == nil { call.trunk = trunks[call.uuid] }
            if row.isAnswered { call.answeredAt = max(now, call.startedAt) }
            return call
        }
    }
}
