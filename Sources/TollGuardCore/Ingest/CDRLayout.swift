/// Which column of a CDR row holds which call field (0-based), for one format.
package struct CDRLayout: Sendable, Hashable {
    /// How the row's end state is written.
    package enum DispositionStyle: Sendable, Hashable {
        case freeswitchCause
        case asteriskDisposition
        case anySpelling
    }

    package var format: CDRFormat
    package var columnCounts: Set<Int>
    package var callerName: Int?
    package var callerNumber: Int?
    /// `"Name" <number>` caller id, read for the name when no separate name column exists.
    package var callerID: Int?
    package var destination: Int
    package var context: Int?
    package var start: Int?
    package var answer: Int?
    package var end: Int?
    package var duration: Int?
    package var billsec: Int?
    package var hangupCause: Int?
    package var callID: Int?
    package var account: Int?
    package var sourceIP: Int?
    package var trunk: Int?
    package var userAgent: Int?
    package var channel: Int?
    package var destinationChannel: Int?
    package var lastData: Int?
    package var sequence: Int?
    package var dispositionStyle: DispositionStyle

    package init(
        format: CDRFormat, columnCounts: Set<Int>, destination: Int, dispositionStyle: DispositionStyle,
        callerName: Int? = nil, callerNumber: Int? = nil, callerID: Int? = nil, context: Int? = nil,
        start: Int? = nil, answer: Int? = nil, end: Int? = nil, duration: Int? = nil, billsec: Int? = nil,
        hangupCause: Int? = nil, callID: Int? = nil, account: Int? = nil, sourceIP: Int? = nil,
        trunk: Int? = nil, userAgent: Int? = nil, channel: Int? = nil, destinationChannel: Int? = nil,
        lastData: Int? = nil, sequence: Int? = nil
    ) {
        self.format = format
        self.columnCounts = columnCounts
        self.destination = destination
        self.dispositionStyle = dispositionStyle
        self.callerName = callerName
        self.callerNumber = callerNumber
        self.callerID = callerID
        self.context = context
        self.start = start
        self.answer = answer
        self.end = end
        self.duration = duration
        self.billsec = billsec
        self.hangupCause = hangupCause
        self.callID = callID
        self.account = account
        self.sourceIP = sourceIP
        self.trunk = trunk
        self.userAgent = userAgent
        self.channel = channel
        self.destinationChannel = destinationChannel
        self.lastData = lastData
        self.sequence = sequence
    }

    // MARK: - FreeSWITCH mod_cdr_csv templates (conf/vanilla/autoload_configs/cdr_csv.conf.xml)

    /// The 13 leading columns `example`, `sql`, `snom` and `linksys` share.
    private static func freeswitchCommon(_ format: CDRFormat, columns: Set<Int>, userAgent: Int? = nil) -> CDRLayout {
        CDRLayout(
            format: format, columnCounts: columns, destination: 2, dispositionStyle: .freeswitchCause,
            callerName: 0, callerNumber: 1, context: 3, start: 4, answer: 5, end: 6, duration: 7, billsec: 8,
            hangupCause: 9, callID: 10, account: 12, userAgent: userAgent)
    }

    package static let fsExample = freeswitchCommon(.fsExample, columns: [15])
    package static let fsSQL = freeswitchCommon(.fsSQL, columns: [13])
    package static let fsSnom = freeswitchCommon(.fsSnom, columns: [20], userAgent: 15)
    package static let fsLinksys = freeswitchCommon(.fsLinksys, columns: [17], userAgent: 15)

    package static let fsAsterisk = CDRLayout(
        format: .fsAsterisk, columnCounts: [18], destination: 2, dispositionStyle: .freeswitchCause,
        callerNumber: 1, callerID: 4, context: 3, start: 9, answer: 10, end: 11, duration: 12, billsec: 13,
        hangupCause: 14, callID: 16, account: 0, channel: 5, destinationChannel: 6, lastData: 8)

    /// `uuid, signal_bond, direction, ani, destination_number, answer_stamp, end_stamp, billsec,
    /// accountcode, userfield, network_addr, first letter of the caller name, sip_gateway_name`.
    package static let fsOpenCDRRate = CDRLayout(
        format: .fsOpenCDRRate, columnCounts: [13], destination: 4, dispositionStyle: .freeswitchCause,
        callerNumber: 3, answer: 5, end: 6, billsec: 7, callID: 0, account: 8, sourceIP: 10, trunk: 12)

    // MARK: - Asterisk cdr_csv Master.csv (cdr/cdr_csv.c build_csv_record)

    /// The Asterisk layout for a row of `columns` fields; `uniqueIDFirst` says whether a 17th
    /// column (or the 17th of 20) is the uniqueid rather than the userfield.
    package static func asterisk(columns: Int, uniqueIDFirst: Bool = true) -> CDRLayout? {
        guard (16...21).contains(columns) else { return nil }
        let newColumns = columns >= 19
        let optional = columns - 16 - (newColumns ? 3 : 0)
        let uniqueID: Int? = optional == 2 || (optional == 1 && uniqueIDFirst) ? 16 : nil
        return CDRLayout(
            format: .asterisk, columnCounts: [columns], destination: 2, dispositionStyle: .asteriskDisposition,
            callerNumber: 1, callerID: 4, context: 3, start: 9, answer: 10, end: 11, duration: 12, billsec: 13,
            hangupCause: 14, callID: uniqueID, account: 0, channel: 5, destinationChannel: 6, lastData: 8,
            sequence: newColumns ? columns - 1 : nil)
    }

    /// The fixed layout of a concrete, header-less format.
    package static func fixed(_ format: CDRFormat) -> CDRLayout? {
        switch format {
        case .fsExample: fsExample
        case .fsSQL: fsSQL
        case .fsSnom: fsSnom
        case .fsLinksys: fsLinksys
        case .fsAsterisk: fsAsterisk
        case .fsOpenCDRRate: fsOpenCDRRate
        case .auto, .asterisk, .csv: nil
        }
    }
}
