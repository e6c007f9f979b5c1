/// Why one CDR row was rejected; stored with the row's text, file and line.
package struct RowProblem: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of bad row, as stored in `rejected_rows.reason_code`.
    package enum Kind: String, Sendable, Hashable, Codable {
        case columnCount = "column_count"
        case brokenQuoting = "broken_quoting"
        case badTime = "bad_time"
        case badNumber = "bad_number"
        case badValue = "bad_value"
        case missingField = "missing_field"
        case invalidUTF8 = "invalid_utf8"
        case fieldTooLong = "field_too_long"
        case lineTooLong = "line_too_long"
        case nulByte = "nul_byte"
    }

    package var kind: Kind
    /// 1-based column the problem is in, when it is in one.
    package var column: Int?
    package var detail: String

    package init(_ kind: Kind, column: Int? = nil, _ detail: String) {
        self.kind = kind
        self.column = column
        self.detail = detail
    }

    package var description: String {
        if let column { return "column \(column): \(detail)" }
        return detail
    }
}
