import Foundation

/// Writes a report's three files into a folder: `NAME.html`, `NAME.json`, `NAME-alerts.csv`.
package struct ReportWriter: Sendable {
    package let folder: URL

    package init(folder: URL) { self.folder = folder }

    /// The paths written, HTML first.
    @discardableResult
    package func write(_ report: PeriodReport) throws -> [String] {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let files: [(String, Data)] = [
            ("\(report.name).html", Data(HTMLReportRenderer.render(report).utf8)),
            ("\(report.name).json", try PrettyJSON.encode(report)),
            ("\(report.name)-alerts.csv", Data(AlertsCSV.render(report).utf8)),
        ]
        return try files.map { name, data in
            let url = folder.appendingPathComponent(name)
            try data.write(to: url, options: .atomic)
            return url.path
        }
    }
}
