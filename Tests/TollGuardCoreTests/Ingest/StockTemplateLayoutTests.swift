import Foundation
import Testing
import TollGuardCore

/// Checks our column layouts against the templates in FreeSWITCH's own stock cdr_csv.conf.xml.
@Suite struct StockTemplateLayoutTests {
    /// Template name → the `${variable}` of each column, read from the shipped configuration.
    static func templates() throws -> [String: [String]] {
        let xml = try String(contentsOfFile: FixtureFiles.path("freeswitch-cdr_csv.conf.xml"), encoding: .utf8)
        var result: [String: [String]] = [:]
        for chunk in xml.components(separatedBy: "<template name=\"").dropFirst() {
            guard let nameEnd = chunk.firstIndex(of: "\""), let bodyStart = chunk.firstIndex(of: ">"),
                let bodyEnd = chunk.range(of: "</template>")
            else { continue }
            var body = String(chunk[chunk.index(after: bodyStart)..<bodyEnd.lowerBound])
            if let values = body.range(of: "VALUES (") {
                body = String(body[values.upperBound...]).replacingOccurrences(of: ");", with: "")
            }
            let columns = body.components(separatedBy: ",").map { column -> String in
                // "${name}" → name; "${regex(...)}" keeps its text.
                var text = column.trimmingCharacters(in: CharacterSet(charactersIn: " \""))
                if text.hasPrefix("${"), text.hasSuffix("}") { text = String(text.dropFirst(2).dropLast()) }
                return text
            }
            result[String(chunk[..<nameEnd])] = columns
        }
        return result
    }

    @Test(arguments: [
        ("example", CDRFormat.fsExample), ("sql", .fsSQL), ("snom", .fsSnom), ("linksys", .fsLinksys),
        ("asterisk", .fsAsterisk), ("opencdrrate", .fsOpenCDRRate),
    ])
    func layoutMatchesStockTemplate(template: String, format: CDRFormat) throws {
        let columns = try #require(try Self.templates()[template])
        let layout = try #require(CDRLayout.fixed(format))
        #expect(layout.columnCounts == [columns.count])
        func variable(_ index: Int?) -> String? { index.map { columns[$0] } }
        #expect(variable(layout.destination) == "destination_number")
        #expect(variable(layout.callID) == "uuid")
        #expect(variable(layout.account) == "accountcode")
        #expect(variable(layout.answer) == "answer_stamp")
        #expect(variable(layout.end) == "end_stamp")
        #expect(variable(layout.billsec) == "billsec")
        if let start = layout.start { #expect(columns[start] == "start_stamp") }
        if let duration = layout.duration { #expect(columns[duration] == "duration") }
        if let cause = layout.hangupCause { #expect(columns[cause] == "hangup_cause") }
        if let name = layout.callerName { #expect(columns[name] == "caller_id_name") }
        if let number = layout.callerNumber { #expect(["caller_id_number", "ani"].contains(columns[number])) }
        if let context = layout.context { #expect(columns[context] == "context") }
        if let agent = layout.userAgent { #expect(columns[agent] == "sip_user_agent") }
        if let ip = layout.sourceIP { #expect(columns[ip] == "network_addr") }
        if let trunk = layout.trunk { #expect(columns[trunk] == "sip_gateway_name") }
    }
}
