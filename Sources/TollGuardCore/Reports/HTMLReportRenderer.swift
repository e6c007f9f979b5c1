/// Renders a `PeriodReport` as one self-contained HTML page: inline CSS, inline SVG charts,
/// no script and nothing loaded from elsewhere.
///
/// Every value is escaped on the way in.
package enum HTMLReportRenderer {
    package static func render(_ report: PeriodReport) -> String {
        let h = HTMLEscaping.escape
        let money = { (micros: Int64) in Money.format(micros, decimals: 2) + " " + report.currency }
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>TollGuard report \(h(report.name))</title>
            <style>\(style)</style>
            </head>
            <body>
            <header><h1>TollGuard report <span>\(h(report.name))</span></h1>
            <p>\(h(report.site.isEmpty ? "" : report.site + " · "))\(h(report.from)) to \(h(report.to)) (\(h(report.timeZone))) · generated \(h(report.generated))</p></header>

            """
        let totals = report.totals
        let severities = ["critical", "high", "warning", "info"]
        html += "<section class=\"cards\" id=\"totals\">\n"
        for (label, value) in [
            ("calls", String(totals.calls)), ("answered", String(totals.answered)), ("minutes", String(totals.minutes)),
            ("international", String(totals.international)), ("spend", money(totals.spendMicros)),
        ] {
            html += "<div class=\"card\"><b>\(h(value))</b><span>\(h(label))</span></div>\n"
        }
        for severity in severities {
            let count = totals.alertsBySeverity[severity] ?? 0
            html += "<div class=\"card sev-\(severity)\"><b>\(count)</b><span>\(severity) alerts</span></div>\n"
        }
        html += "</section>\n"

        let daily = report.hours.count > 30
        var labels: [Int: String] = [:]
        for (index, hour) in report.hours.enumerated() {
            let clock = hour.start.suffix(5)
            if daily ? clock == "00:00" || index == 0 : index % 3 == 0 {
                labels[index] = daily ? String(hour.start.prefix(10)) : String(clock)
            }
        }
        html += "<section id=\"hourly\"><h2>Calls per hour</h2>\n"
        html += SVGChart.columns(
            report.hours.map { Double($0.calls) }, labels: labels, title: "Calls per hour", color: "#1565c0",
            format: { String(Int($0)) },
            tooltips: report.hours.map { "\($0.start): \($0.calls) calls, \($0.answered) answered" })
        html += "\n<h2>Spend per hour</h2>\n"
        html += SVGChart.columns(
            report.hours.map { Double($0.spendMicros) }, labels: labels, title: "Spend per hour", color: "#ef6c00",
            format: { money(Int64($0)) }, tooltips: report.hours.map { "\($0.start): \(money($0.spendMicros))" })
        html += "\n</section>\n"

        html += "<section id=\"accounts\"><h2>Accounts by spend against their daily quota</h2>\n"
        html += "<p class=\"note\">Bar: the account's most expensive day; dashed line: its daily quota.</p>\n"
        html += SVGChart.rows(
            report.accounts.map { account in
                let quota = account.dailyQuotaMicros
                return SVGChart.Row(
                    label: Subject(account.subjectType, account.account).spenderLabel,
                    value: Double(account.peakDaySpendMicros), marker: quota.map(Double.init),
                    text: money(account.peakDaySpendMicros) + " on " + account.peakDay.suffix(5)
                        + (quota.map { " / " + money($0) } ?? ""),
                    alarming: quota.map { account.peakDaySpendMicros >= $0 } ?? false)
            }, title: "Accounts by spend against quota")
        html += "\n</section>\n"

        html += "<section id=\"countries\"><h2>Top destination countries</h2>\n"
        html += SVGChart.rows(
            report.countries.map {
                SVGChart.Row(
                    label: $0.name, value: Double($0.spendMicros), marker: nil,
                    text: "\(money($0.spendMicros)), \($0.calls) calls, \($0.minutes) min", alarming: false)
            }, title: "Top destination countries by spend")
        html += "\n</section>\n"

        if let switches = report.switches {
            html += "<section id=\"switches\"><h2>Switches</h2>\n"
            html +=
                "<table><thead><tr><th>switch</th><th>calls</th><th>answered</th><th>spend</th></tr></thead><tbody>\n"
            for entry in switches {
                html += "<tr><td>\(h(entry.name))</td><td>\(entry.calls)</td><td>\(entry.answered)</td>"
                html += "<td>\(h(money(entry.spendMicros)))</td></tr>\n"
            }
            html += "</tbody></table>\n</section>\n"
        }

        html += "<section id=\"alerts\"><h2>Alerts (\(report.alerts.count))</h2>\n"
        if report.alerts.isEmpty { html += "<p>No alerts in this period.</p>\n" }
        for alert in report.alerts {
            html +=
                "<details class=\"alert sev-\(h(alert.severity))\"><summary><span class=\"badge\">\(h(alert.severity))</span> "
            html += "<code>#\(alert.id) \(h(alert.rule))</code> \(h(alert.subjectType)) <b>\(h(alert.subject))</b> · "
            html +=
                "\(h(alert.firstSeen)) – \(h(alert.lastSeen)) · \(h(alert.state))<br>\(h(alert.summary))</summary>\n"
            html += "<table><thead><tr><th>time</th><th>account</th><th>caller name</th><th>dialled</th><th>number</th>"
            html +=
                "<th>country</th><th>scope</th><th>billsec</th><th>disposition</th><th>cost</th></tr></thead><tbody>\n"
            for call in alert.evidence {
                html += "<tr><td>\(h(call.time))</td><td>\(h(call.account))</td><td>\(h(call.callerName))</td>"
                html +=
                    "<td>\(h(call.dialed))</td><td>\(h(call.number))</td><td>\(h(call.region))</td><td>\(h(call.scope))</td>"
                html +=
                    "<td>\(call.billsec)</td><td>\(h(call.disposition))</td><td>\(h(money(call.costMicros)))</td></tr>\n"
            }
            if alert.calls > alert.evidence.count {
                html +=
                    "<tr><td colspan=\"10\">… \(alert.calls - alert.evidence.count) more calls (tollguard alerts show \(alert.id))</td></tr>\n"
            }
            html += "</tbody></table></details>\n"
        }
        html += "</section>\n"
        html += "<section id=\"actions\"><h2>Suspensions and kills (\(report.actions.count))</h2>\n"
        if report.actions.isEmpty {
            html += "<p>No account was suspended and no call hung up in this period.</p>\n"
        } else {
            html += "<table><thead><tr><th>time</th><th>what</th><th>account</th><th>detail</th></tr></thead><tbody>\n"
            for action in report.actions {
                html += "<tr><td>\(h(action.time))</td><td>\(h(action.kind))</td><td>\(h(action.account))</td>"
                html += "<td>\(h(action.detail))</td></tr>\n"
            }
            html += "</tbody></table>\n"
        }
        html += "</section>\n<footer>TollGuard · report schema \(report.schemaVersion)</footer>\n</body>\n</html>\n"
        return html
    }

    private static let style = """
        body{font:14px/1.4 system-ui,sans-serif;margin:24px auto;max-width:1000px;color:#222;padding:0 12px}\
        h1{font-size:22px;margin:0}h1 span{color:#555}h2{font-size:16px;margin:22px 0 6px}header p{color:#666;margin:4px 0}\
        .cards{display:flex;flex-wrap:wrap;gap:8px;margin-top:14px}.card{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:90px}\
        .card b{display:block;font-size:18px}.card span{color:#666;font-size:12px}\
        .sev-critical .badge,.card.sev-critical b{color:#fff;background:#b71c1c}.sev-high .badge,.card.sev-high b{color:#fff;background:#e65100}\
        .sev-warning .badge{background:#fbc02d}.sev-info .badge{background:#90caf9}.card b{padding:0 4px;border-radius:4px}\
        .badge{display:inline-block;border-radius:4px;padding:0 6px;font-size:12px;text-transform:uppercase}\
        .chart{width:100%;height:auto}.chart .axis{font-size:11px;fill:#666}.chart .label{font-size:12px;fill:#222}\
        .note{color:#666;font-size:12px;margin:0}details.alert{border-top:1px solid #eee;padding:6px 0}summary{cursor:pointer}\
        table{border-collapse:collapse;margin:6px 0 4px;font-size:12px;width:100%}td,th{border-bottom:1px solid #eee;padding:2px 6px;text-align:left}\
        footer{color:#999;font-size:12px;margin-top:30px}
        """
}
