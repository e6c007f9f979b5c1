import Foundation
import TollGuardCore

/// A person's triage request, from a console form or a JSON body of the API: the action and its
/// details, and which alerts (ticked ids, or everything a queue filter shows).
struct TriageRequest: Sendable {
    /// `acknowledge`, `resolve`, `false_positive`, `reopen`, `snooze_worse`, `snooze_until`,
    /// `unsnooze`, `assign_me`, `assign`, `unassign`, `comment`.
    var action = ""
    var comment: String?
    var reason: String?
    var disposition: String?
    var closeMatching = false
    var assignee: String?
    /// `snooze_until`: the time (JSON), or the form's `datetime-local` text in the site's zone.
    var until: Date?
    var untilLocalText: String?
    /// `snooze_worse`: the amount more (0: any), the number of calls more, a new country.
    var moreCost: String?
    var moreCalls: String?
    var newCountry = false
    /// Whether any of the three was given; none means worse in any way.
    var thresholdsGiven = false
    var ids: [Int64] = []
    /// Everything `query` shows, rather than `ids`.
    var wholeFilter = false
    var query = QueueQuery()

    init() {}

    /// From a form's fields (and its repeated `ids`); blank fields are absent.
    init(form pairs: [(name: String, value: String)]) {
        var fields: [String: String] = [:]
        for (name, value) in pairs where fields[name] == nil { fields[name] = value }
        func field(_ name: String) -> String? {
            fields[name].flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        }
        action = fields["action"] ?? ""
        comment = field("comment")
        reason = field("reason")
        disposition = field("disposition")
        closeMatching = fields["close_matching"] == "on"
        assignee = field("assignee")
        untilLocalText = field("until")
        moreCost = field("more_cost")
        moreCalls = field("more_calls")
        newCountry = fields["new_country"] == "on"
        thresholdsGiven = ["more_cost", "more_calls", "new_country"].contains { fields[$0] != nil }
        ids = pairs.filter { $0.name == "ids" }.compactMap { Int64($0.value) }
        wholeFilter = fields["scope"] == "filter"
        query = QueueQuery(fields: fields)
    }
}

extension TriageRequest: Decodable {
    private enum Keys: String, CodingKey {
        case action, comment, reason, disposition, assignee, until, ids, filter
        case closeMatching = "close_matching"
        case moreCost = "more_cost"
        case moreCalls = "more_calls"
        case newCountry = "new_country"
    }

    private struct Filter: Decodable {
        var tab: String?
        var rule: String?
        var severity: String?
        var subject: String?
    }

    /// `{"action": "false_positive", "reason": "test_calls", "close_matching": true, "ids": [4]}`;
    /// `until` is ISO 8601; `filter` (`tab`, `rule`, `severity`, `subject`) instead of `ids`
    /// means every alert it shows.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        action = try container.decode(String.self, forKey: .action)
        comment = try container.decodeIfPresent(String.self, forKey: .comment)
        reason = try container.decodeIfPresent(String.self, forKey: .reason)
        disposition = try container.decodeIfPresent(String.self, forKey: .disposition)
        closeMatching = try container.decodeIfPresent(Bool.self, forKey: .closeMatching) ?? false
        assignee = try container.decodeIfPresent(String.self, forKey: .assignee)
        until = try container.decodeIfPresent(Date.self, forKey: .until)
        if let amount = try? container.decodeIfPresent(Double.self, forKey: .moreCost) {
            moreCost = String(amount)
        } else {
            moreCost = try container.decodeIfPresent(String.self, forKey: .moreCost)
        }
        moreCalls = try container.decodeIfPresent(Int.self, forKey: .moreCalls).map(String.init)
        newCountry = try container.decodeIfPresent(Bool.self, forKey: .newCountry) ?? false
        thresholdsGiven = moreCost != nil || moreCalls != nil || container.contains(.newCountry)
        ids = try container.decodeIfPresent([Int64].self, forKey: .ids) ?? []
        if let filter = try container.decodeIfPresent(Filter.self, forKey: .filter) {
            wholeFilter = true
            var fields: [String: String] = [:]
            fields["tab"] = filter.tab
            fields["rule"] = filter.rule
            fields["severity"] = filter.severity
            fields["subject"] = filter.subject
            query = QueueQuery(fields: fields)
        }
    }
}
