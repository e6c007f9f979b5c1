/// The CDR file formats `tollguard ingest` reads.
package enum CDRFormat: String, CaseIterable, Sendable, Codable {
    case auto
    case fsExample = "fs-example"
    case fsSQL = "fs-sql"
    case fsSnom = "fs-snom"
    case fsLinksys = "fs-linksys"
    case fsAsterisk = "fs-asterisk"
    case fsOpenCDRRate = "fs-opencdrrate"
    case asterisk
    case csv

    /// Every concrete format, in the order auto-detection tries them.
    package static let concrete: [CDRFormat] = [
        .fsExample, .fsSQL, .fsSnom, .fsLinksys, .fsAsterisk, .fsOpenCDRRate, .asterisk, .csv,
    ]

    /// A sentence naming the source of this format.
    package var summary: String {
        switch self {
        case .auto: "detect from the first lines"
        case .fsExample: "FreeSWITCH mod_cdr_csv, template \"example\" (the default), 15 columns"
        case .fsSQL: "FreeSWITCH mod_cdr_csv, template \"sql\" (INSERT INTO cdr VALUES (...);)"
        case .fsSnom: "FreeSWITCH mod_cdr_csv, template \"snom\", 20 columns"
        case .fsLinksys: "FreeSWITCH mod_cdr_csv, template \"linksys\", 17 columns"
        case .fsAsterisk: "FreeSWITCH mod_cdr_csv, template \"asterisk\", 18 columns"
        case .fsOpenCDRRate: "FreeSWITCH mod_cdr_csv, template \"opencdrrate\", 13 columns"
        case .asterisk: "Asterisk cdr_csv Master.csv, 16 to 21 columns"
        case .csv: "generic CSV with a header row, mapped by [ingest.csv.columns]"
        }
    }
}
