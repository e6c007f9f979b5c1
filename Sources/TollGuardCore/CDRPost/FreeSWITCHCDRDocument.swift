import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// One CDR that FreeSWITCH's mod_json_cdr or mod_xml_cdr posted: its channel variables and its
/// first caller profile, read through the same mapping as events (``FreeSWITCHChannel``), so a
/// posted call has the same record and key as its event and its CSV row.
package struct FreeSWITCHCDRDocument: FreeSWITCHChannelData, Sendable {
    package enum Format: String, Sendable {
        case json = "fs-json-cdr"
        case xml = "fs-xml-cdr"
    }

    package var format: Format
    package var variables: [String: String]
    package var callerProfile: [String: String]

    package func variable(_ name: String) -> String? {
        guard let value = variables[name], !value.isEmpty else { return nil }
        return value
    }

    package func profile(_ field: String) -> String? {
        guard let value = callerProfile[field], !value.isEmpty else { return nil }
        return value
    }

    /// The completed call; `nil` for an originated (B) leg, which is not a call of its own.
    ///
    /// A CDR that is no whole call is an error, never a call stored as something it is not:
    /// one without a uuid (its key: it could not be recognized again), or with a negative
    /// billsec or duration.
    package func completedCall() throws(DecodingError) -> CallRecord? {
        if FreeSWITCHChannel.isOriginatedLeg(self) { return nil }
        for name in ["billsec", "duration"] {
            if let value = variable(name), let seconds = Int(value), seconds < 0 {
                throw DecodingError(reason: "\(name) \(seconds) is negative")
            }
        }
        guard let record = FreeSWITCHChannel.record(self) else {
            throw DecodingError(reason: "the CDR has no uuid, the key a call is stored and recognized by")
        }
        return record
    }

    package struct DecodingError: Error, Equatable, CustomStringConvertible {
        package var reason: String
        package var description: String { reason }
    }

    /// Reads a POST body as the modules send it: raw JSON or XML, or a form with `cdr=` holding
    /// it URL-encoded (`encode=true`) or in base64 (`encode=base64`).
    package static func decode(body: [UInt8]) throws(DecodingError) -> FreeSWITCHCDRDocument {
        var bytes = body
        func startsDocument(_ bytes: [UInt8]) -> Bool {
            let first = bytes.first { !(0x09...0x0D).contains($0) && $0 != 0x20 }
            return first == 0x7B || first == 0x3C
        }
        if !startsDocument(bytes), let raw = formField("cdr", in: bytes) {
            // URL-encoded (`+` is a space), else base64 (where `+` is a digit).
            let decoded = Array(ESLValueDecoding.decode(Array(raw.replacingOccurrences(of: "+", with: " ").utf8)).utf8)
            if startsDocument(decoded) {
                bytes = decoded
            } else if let data = Data(
                base64Encoded: ESLValueDecoding.decode(Array(raw.utf8)), options: .ignoreUnknownCharacters)
            {
                bytes = Array(data)
            }
        }
        switch bytes.first(where: { !(0x09...0x0D).contains($0) && $0 != 0x20 }) {
        case 0x7B: return try json(bytes)
        case 0x3C: return try xml(bytes)
        default: throw DecodingError(reason: "the body is neither a JSON nor an XML CDR (nor a form with cdr=)")
        }
    }

    /// mod_json_cdr: `{"variables": {…}, "callflow": [{"caller_profile": {…}}] or {…}}`.
    ///
    /// With
    /// `encode-values` (the default) the variables are URL-encoded; that is told from the
    /// `*_stamp` values (a space is sent as `%20`).
    static func json(_ bytes: [UInt8]) throws(DecodingError) -> FreeSWITCHCDRDocument {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw DecodingError(reason: "malformed JSON")
        }
        guard let rawVariables = object["variables"] as? [String: Any] else {
            throw DecodingError(reason: "no \"variables\" object")
        }
        var variables = rawVariables.compactMapValues(Self.text)
        let stamp = variables["start_stamp"] ?? variables["end_stamp"] ?? ""
        if stamp.contains("%20") || stamp.contains("%3A") {
            variables = variables.mapValues { ESLValueDecoding.decode(Array($0.utf8)) }
        }
        var flow = object["callflow"]
        if let flows = flow as? [Any] { flow = flows.first }
        let profile =
            ((flow as? [String: Any])?["caller_profile"] as? [String: Any])?.compactMapValues(Self.text) ?? [:]
        return FreeSWITCHCDRDocument(format: .json, variables: variables, callerProfile: profile)
    }

    private static func text(_ value: Any) -> String? {
        switch value {
        case let text as String: text
        case let number as NSNumber: number.stringValue
        default: nil
        }
    }

    /// mod_xml_cdr: `<cdr><variables><name>url-encoded</name>…</variables><callflow><caller_profile>…`.
    static func xml(_ bytes: [UInt8]) throws(DecodingError) -> FreeSWITCHCDRDocument {
        let collector = XMLCDRCollector()
        let parser = XMLParser(data: Data(bytes))
        parser.delegate = collector
        guard parser.parse(), collector.closedCDR else {
            throw DecodingError(
                reason: "malformed XML CDR" + (parser.parserError.map { ": \($0.localizedDescription)" } ?? ""))
        }
        return FreeSWITCHCDRDocument(
            format: .xml, variables: collector.variables.mapValues { ESLValueDecoding.decode(Array($0.utf8)) },
            callerProfile: collector.profile)
    }

    /// The raw (still encoded) value of `name` in an `application/x-www-form-urlencoded` body.
    static func formField(_ name: String, in body: [UInt8]) -> String? {
        let text = String(decoding: body, as: UTF8.self)
        for pair in text.split(separator: "&") where pair.hasPrefix(name + "=") {
            return String(pair.dropFirst(name.count + 1))
        }
        return nil
    }
}

/// Collects the direct children of `cdr/variables` and of the first `cdr/callflow/caller_profile`.
private final class XMLCDRCollector: NSObject, XMLParserDelegate {
    var variables: [String: String] = [:]
    var profile: [String: String] = [:]
    /// Whether `</cdr>` closed the document (a cut-off post is not a CDR).
    var closedCDR = false
    private var path: [String] = []
    private var text = ""
    private var callflows = 0

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if path.count == 1, elementName == "callflow" { callflows += 1 }
        path.append(elementName)
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        if path.count == 3, path[1] == "variables" {
            variables[elementName] = text
        } else if path.count == 4, path[1] == "callflow", path[2] == "caller_profile", callflows == 1 {
            profile[elementName] = text
        }
        if path.count == 1, elementName == "cdr" { closedCDR = true }
        path.removeLast()
        text = ""
    }
}
