import Foundation

/// A call field a generic CSV column can be mapped to with `[ingest.csv.columns]`.
package enum GenericCSVField: String, CaseIterable, Sendable, Codable {
    case callID = "call_id"
    case account
    case callerNumber = "caller_number"
    case callerName = "caller_name"
    case destination
    case context
    case sourceIP = "source_ip"
    case trunk
    case start
    case answer
    case end
    case duration
    case billsec
    case disposition

    /// Header names recognized without configuration (compared case-insensitively).
    package var aliases: [String] {
        switch self {
        case .callID: ["call_id", "callid", "uuid", "uniqueid", "unique_id", "call_uuid", "calluuid"]
        case .account: ["account", "accountcode", "account_code", "ext", "extension"]
        case .callerNumber: ["caller_number", "src", "caller_id_number", "callerid_number", "ani", "cli", "from"]
        case .callerName: ["caller_name", "caller_id_name", "callerid_name", "clid_name"]
        case .destination:
            ["destination", "dst", "destination_number", "dialed", "dialed_number", "called_number", "to"]
        case .context: ["context", "dcontext", "destination_context"]
        case .sourceIP: ["source_ip", "src_ip", "srcip", "network_addr", "sip_network_ip", "ip"]
        case .trunk: ["trunk", "gateway", "sip_gateway_name", "carrier"]
        case .start: ["start", "start_stamp", "start_time", "started", "started_at", "calldate", "call_start"]
        case .answer: ["answer", "answer_stamp", "answer_time", "answered", "answered_at"]
        case .end: ["end", "end_stamp", "end_time", "ended", "ended_at", "call_end"]
        case .duration: ["duration"]
        case .billsec: ["billsec", "billable_seconds", "bill_seconds", "billable"]
        case .disposition: ["disposition", "hangup_cause", "status", "result"]
        }
    }
}

/// Why a generic CSV header cannot be read.
package struct CSVHeaderError: Error, CustomStringConvertible, Sendable {
    package var description: String
}

extension CDRLayout {
    /// The layout of a generic CSV file from its header row and the configured column map
    /// (`field → header name`); unmapped fields fall back to the usual header names.
    package static func generic(header: [String], columnMap: [String: String]) throws(CSVHeaderError) -> CDRLayout {
        let normalized = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        for key in columnMap.keys where GenericCSVField(rawValue: key) == nil {
            throw CSVHeaderError(
                description: "[ingest.csv.columns] has an unknown field \"\(key)\"; known fields: "
                    + GenericCSVField.allCases.map(\.rawValue).joined(separator: ", "))
        }
        func column(_ field: GenericCSVField) throws(CSVHeaderError) -> Int? {
            if let configured = columnMap[field.rawValue] {
                guard let index = normalized.firstIndex(of: configured.lowercased()) else {
                    throw CSVHeaderError(
                        description: "[ingest.csv.columns] maps \(field.rawValue) to \"\(configured)\", "
                            + "which is not in the header (\(header.joined(separator: ",")))")
                }
                return index
            }
            for alias in field.aliases {
                if let index = normalized.firstIndex(of: alias) { return index }
            }
            return nil
        }
        guard let destination = try column(.destination) else {
            throw CSVHeaderError(
                description:
                    "the header has no destination column (\(GenericCSVField.destination.aliases.joined(separator: ", "))); "
                    + "map one with [ingest.csv.columns] destination = \"NAME\"")
        }
        let start = try column(.start)
        let end = try column(.end)
        guard start != nil || end != nil else {
            throw CSVHeaderError(
                description: "the header has neither a start nor an end time column; "
                    + "map one with [ingest.csv.columns] start = \"NAME\"")
        }
        let account = try column(.account)
        let callerNumber = try column(.callerNumber)
        guard account != nil || callerNumber != nil else {
            throw CSVHeaderError(
                description: "the header has neither an account nor a caller number column; "
                    + "map one with [ingest.csv.columns] account = \"NAME\"")
        }
        return CDRLayout(
            format: .csv, columnCounts: [header.count], destination: destination, dispositionStyle: .anySpelling,
            callerName: try column(.callerName), callerNumber: callerNumber, context: try column(.context),
            start: start, answer: try column(.answer), end: end, duration: try column(.duration),
            billsec: try column(.billsec), hangupCause: try column(.disposition), callID: try column(.callID),
            account: account, sourceIP: try column(.sourceIP), trunk: try column(.trunk))
    }

    /// True when `fields` read like a header row: several known column names and no timestamps.
    package static func looksLikeHeader(_ fields: [String]) -> Bool {
        let known = Set(GenericCSVField.allCases.flatMap(\.aliases))
        let hits = fields.filter { known.contains($0.trimmingCharacters(in: .whitespaces).lowercased()) }.count
        return hits >= 2 && hits * 2 >= min(fields.count, 6)
    }
}
