/// Where one field sits inside a CSV line.
package struct CSVFieldRange: Sendable, Hashable {
    /// First byte of the field's content (after an opening quote).
    package var start: Int
    /// One past the last byte of the content (before a closing quote).
    package var end: Int
    /// The content holds `""` pairs that stand for one quote.
    package var hasDoubledQuotes: Bool
    /// The field was written between quotes.
    package var wasQuoted: Bool
}

/// Splits one CSV line into field ranges without copying, the way PBX CDR writers quote.
///
/// Asterisk doubles quotes inside a field (`"""Test User"" <test>"`); FreeSWITCH's
/// `mod_cdr_csv` writes them unescaped (`"Joe "Bigs" Smith"`). Both are read: inside a
/// quoted field a `""` is one quote, and a lone `"` that is not followed by the delimiter
/// (spaces allowed) or the end of the line is a literal quote. Spaces before an opening
/// quote are skipped (`sql` and `snom` templates write `, "${accountcode}"`). A quoted field
/// still open at the end of the line is broken quoting: CDR writers never emit multi-line rows.
package struct CSVLineSplitter: Sendable {
    package let delimiter: UInt8

    package init(delimiter: UInt8 = UInt8(ascii: ",")) {
        self.delimiter = delimiter
    }

    /// Fills `fields` with the fields of `line`; returns the 1-based column of an unterminated quoted field.
    package func split(_ line: UnsafeBufferPointer<UInt8>, into fields: inout [CSVFieldRange]) -> Int? {
        fields.removeAll(keepingCapacity: true)
        let quote = UInt8(ascii: "\"")
        let space = UInt8(ascii: " ")
        let count = line.count
        var index = 0
        while true {
            var probe = index
            while probe < count, line[probe] == space { probe += 1 }
            if probe < count, line[probe] == quote {
                let contentStart = probe + 1
                var scan = contentStart
                var doubled = false
                var closedAt = -1
                var next = -1
                while scan < count {
                    guard line[scan] == quote else {
                        scan += 1
                        continue
                    }
                    if scan + 1 < count, line[scan + 1] == quote {
                        doubled = true
                        scan += 2
                        continue
                    }
                    var after = scan + 1
                    while after < count, line[after] == space { after += 1 }
                    if after == count || line[after] == delimiter {
                        closedAt = scan
                        next = after
                        break
                    }
                    scan += 1  // a lone quote inside the field: literal
                }
                guard closedAt >= 0 else { return fields.count + 1 }
                fields.append(
                    CSVFieldRange(start: contentStart, end: closedAt, hasDoubledQuotes: doubled, wasQuoted: true))
                if next == count { return nil }
                index = next + 1
            } else {
                var scan = index
                while scan < count, line[scan] != delimiter { scan += 1 }
                fields.append(CSVFieldRange(start: index, end: scan, hasDoubledQuotes: false, wasQuoted: false))
                if scan == count { return nil }
                index = scan + 1
            }
        }
    }
}
