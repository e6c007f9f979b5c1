import Foundation

/// Small inline SVG charts for the HTML report: no script, no external asset, every label escaped.
enum SVGChart {
    /// A vertical bar per value (calls or spend per hour), with sparse axis labels under it.
    static func columns(
        _ values: [Double], labels: [Int: String], title: String, color: String, format: (Double) -> String,
        tooltips: [String]
    ) -> String {
        let width = 960.0
        let height = 180.0
        let top = 16.0
        let bottom = 22.0
        let left = 48.0
        let maximum = max(values.max() ?? 0, 1)
        let step = (width - left) / Double(max(values.count, 1))
        var svg =
            "<svg class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(HTMLEscaping.escape(title))\">"
        svg += "<text x=\"0\" y=\"\(Int(top))\" class=\"axis\">\(HTMLEscaping.escape(format(maximum)))</text>"
        svg += "<text x=\"0\" y=\"\(Int(height - bottom))\" class=\"axis\">0</text>"
        svg += line(x1: left, y1: height - bottom, x2: width, y2: height - bottom)
        for (index, value) in values.enumerated() {
            let barHeight = (height - top - bottom) * value / maximum
            let x = left + Double(index) * step
            svg += "<rect x=\"\(fixed(x + step * 0.1))\" y=\"\(fixed(height - bottom - barHeight))\" "
            svg += "width=\"\(fixed(step * 0.8))\" height=\"\(fixed(barHeight))\" fill=\"\(color)\">"
            svg += "<title>\(HTMLEscaping.escape(tooltips[index]))</title></rect>"
            if let label = labels[index] {
                svg +=
                    "<text x=\"\(fixed(x))\" y=\"\(Int(height - 6))\" class=\"axis\">\(HTMLEscaping.escape(label))</text>"
            }
        }
        return svg + "</svg>"
    }

    /// One row per item: a bar for the value, an optional marker (the quota), the figure at the end.
    struct Row {
        var label: String
        var value: Double
        var marker: Double?
        var text: String
        var alarming: Bool
    }

    static func rows(_ rows: [Row], title: String) -> String {
        let width = 960.0
        let rowHeight = 22.0
        let left = 190.0
        let right = 230.0
        let height = rowHeight * Double(max(rows.count, 1)) + 4
        let maximum = max(rows.map { max($0.value, $0.marker ?? 0) }.max() ?? 0, 1e-9)
        let span = width - left - right
        var svg =
            "<svg class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(HTMLEscaping.escape(title))\">"
        for (index, row) in rows.enumerated() {
            let y = Double(index) * rowHeight + 2
            svg += "<text x=\"0\" y=\"\(fixed(y + 15))\" class=\"label\">\(HTMLEscaping.escape(row.label))</text>"
            svg +=
                "<rect x=\"\(Int(left))\" y=\"\(fixed(y + 3))\" width=\"\(fixed(max(span * row.value / maximum, 1)))\" "
            svg += "height=\"\(Int(rowHeight - 8))\" fill=\"\(row.alarming ? "#c62828" : "#1565c0")\"/>"
            if let marker = row.marker {
                let x = left + span * marker / maximum
                svg += line(x1: x, y1: y, x2: x, y2: y + rowHeight - 2, stroke: "#222", dashed: true)
            }
            svg +=
                "<text x=\"\(fixed(width - right + 8))\" y=\"\(fixed(y + 15))\" class=\"label\">\(HTMLEscaping.escape(row.text))</text>"
        }
        return svg + "</svg>"
    }

    private static func line(
        x1: Double, y1: Double, x2: Double, y2: Double, stroke: String = "#999", dashed: Bool = false
    ) -> String {
        "<line x1=\"\(fixed(x1))\" y1=\"\(fixed(y1))\" x2=\"\(fixed(x2))\" y2=\"\(fixed(y2))\" stroke=\"\(stroke)\""
            + (dashed ? " stroke-dasharray=\"3 2\"" : "") + "/>"
    }

    /// One decimal, so the output is stable and small.
    static func fixed(_ value: Double) -> String { String(format: "%.1f", value) }
}
