import Hummingbird

/// `GET /`: what this `serve` offers, with links, for someone trying it in a browser.
package struct IndexPage: Sendable {
    /// One thing `serve` answers: its method and path, and what it is.
    package struct Endpoint: Sendable, Hashable {
        package var method: String
        package var path: String
        package var purpose: String

        package init(_ method: String, _ path: String, _ purpose: String) {
            self.method = method
            self.path = path
            self.purpose = purpose
        }

        /// `GET /report`, `POST /cdr`.
        package var label: String { "\(method) \(path)" }
    }

    package var endpoints: [Endpoint]

    package init(endpoints: [Endpoint]) { self.endpoints = endpoints }

    /// What `serve` answers with these routes, `/` first.
    package static func endpoints(cdrPost: Bool, reportPage: Bool, console: Bool = false) -> [Endpoint] {
        var list = [Endpoint("GET", "/", "this page")]
        if console { list.append(Endpoint("GET", "/console", "the review console (log in)")) }
        if reportPage { list.append(Endpoint("GET", "/report", "the morning report of a day (?date=YYYY-MM-DD)")) }
        list.append(Endpoint("GET", "/metrics", "Prometheus metrics"))
        list.append(Endpoint("GET", "/healthz", "health: 200 ok, or 503 and why"))
        if cdrPost { list.append(Endpoint("POST", "/cdr", "mod_json_cdr / mod_xml_cdr posts")) }
        return list
    }

    /// The page; nothing in it comes from outside.
    package func render() -> String {
        var html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>TollGuard serve</title>
            <style>body{font-family:sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem}
            code{background:#eee;padding:0 .2rem}</style></head>
            <body><h1>TollGuard serve</h1>
            <p>Live toll-fraud detection. What this process answers:</p><ul>

            """
        for endpoint in endpoints {
            let name = "<code>\(endpoint.label)</code>"
            let shown = endpoint.method == "GET" ? "<a href=\"\(endpoint.path)\">\(name)</a>" : name
            html += "<li>\(shown): \(endpoint.purpose)</li>\n"
        }
        html += """
            </ul><p>The alerts, suspensions and kills are in the store: <code>tollguard alerts list</code>, \
            <code>tollguard suspensions</code>, <code>tollguard kills</code>.</p></body></html>

            """
        return html
    }
}
