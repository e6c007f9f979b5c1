import Foundation
import TollGuardCore

/// The replay server's own channels, kept from the events it raises (whether or not anyone
/// hears them), and listed as `api show channels as json` lists FreeSWITCH's: what a client
/// reconnecting after a gap resyncs from.
struct FakeChannelTable {
    /// The columns of each channel up, numbered in the order they were created (a hangup takes
    /// its row out at once: thousands of channels are up under a benchmark's load).
    private var rows: [String: (created: Int, columns: [String: String])] = [:]
    private var created = 0

    /// Changes the channels as `event` does: created, answered, hung up.
    mutating func apply(_ event: ESLEvent) {
        let headers = event.headers
        guard let uuid = headers["Unique-ID"] else { return }
        switch event.name {
        case "CHANNEL_CREATE", "CHANNEL_ANSWER":
            if rows[uuid] == nil {
                created += 1
                rows[uuid] = (created, Self.columns(headers, uuid: uuid))
            }
            if event.name == "CHANNEL_ANSWER" { rows[uuid]?.columns["callstate"] = "ACTIVE" }
        case "CHANNEL_HANGUP_COMPLETE":
            rows.removeValue(forKey: uuid)
        default:
            break
        }
    }

    /// The `show channels as json` body: `{"row_count":0}` when no channel is up.
    var json: String {
        let list = rows.values.sorted { $0.created < $1.created }.map(\.columns)
        let object: [String: Any] = list.isEmpty ? ["row_count": 0] : ["row_count": list.count, "rows": list]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    private static func columns(_ headers: ESLHeaders, uuid: String) -> [String: String] {
        let originator = headers["variable_originator"]
        let created = headers["Caller-Channel-Created-Time"].flatMap { Int64($0) }.map { String($0 / 1_000_000) } ?? "0"
        return [
            "uuid": uuid, "direction": headers["Call-Direction"] ?? (originator == nil ? "inbound" : "outbound"),
            "created_epoch": created, "name": headers["Caller-Channel-Name"] ?? headers["Channel-Name"] ?? "",
            "state": "CS_EXECUTE", "cid_name": headers["Caller-Caller-ID-Name"] ?? "",
            "cid_num": headers["Caller-Caller-ID-Number"] ?? "", "ip_addr": headers["Caller-Network-Addr"] ?? "",
            "dest": headers["Caller-Destination-Number"] ?? "", "dialplan": headers["Caller-Dialplan"] ?? "",
            "context": headers["Caller-Context"] ?? "", "accountcode": headers["variable_accountcode"] ?? "",
            "callstate": "RINGING", "call_uuid": originator ?? uuid, "hostname": headers["FreeSWITCH-Hostname"] ?? "",
        ]
    }
}
