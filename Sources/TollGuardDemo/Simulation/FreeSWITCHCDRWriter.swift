import TollGuardCore

/// Writes simulated calls as FreeSWITCH `mod_cdr_csv` rows.
enum FreeSWITCHCDRWriter {
    /// One row of the stock `asterisk` template (18 quoted fields): accountcode, caller_id_number,
    /// destination_number, context, caller_id, channel_name, bridge_channel, last_app, last_arg,
    /// start_stamp, answer_stamp, end_stamp, duration, billsec, hangup_cause, amaflags, uuid, userfield.
    static func appendAsteriskTemplateRow(_ call: SimulatedCall, to output: inout [UInt8]) {
        var first = true
        func field(_ text: String) {
            if !first { output.append(UInt8(ascii: ",")) }
            first = false
            output.append(UInt8(ascii: "\""))
            for byte in text.utf8 {
                // A quote inside a value is doubled, as a CSV reader expects.
                if byte == UInt8(ascii: "\"") { output.append(byte) }
                output.append(byte)
            }
            output.append(UInt8(ascii: "\""))
        }
        func time(_ epoch: Int64?) {
            guard let epoch else { return field("") }
            field(CivilTime.utcText(epochSeconds: epoch))
        }
        let callerID = call.callerName.isEmpty ? call.callerNumber : "\(call.callerName) <\(call.callerNumber)>"
        field(call.account)
        field(call.callerNumber)
        field(call.destination)
        field(call.context)
        field(callerID)
        field(call.channel)
        field(call.isAnswered ? call.bridgeTarget : "")
        field("bridge")
        field(call.bridgeTarget)
        time(call.localStart)
        time(call.localAnswer)
        time(call.localEnd)
        field(String(call.ringSeconds + call.talkSeconds))
        field(String(call.talkSeconds))
        field(call.hangupCause)
        field("default")
        field(call.uuid)
        field("")
        output.append(UInt8(ascii: "\n"))
    }
}
