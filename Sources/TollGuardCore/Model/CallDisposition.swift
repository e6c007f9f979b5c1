import Foundation

/// How a call ended, normalized across FreeSWITCH hangup causes and Asterisk dispositions.
package enum CallDisposition: String, Sendable, Hashable, Codable, CaseIterable {
    case answered
    case noAnswer = "no_answer"
    case busy
    case cancelled
    case congestion
    case failed

    /// Maps an Asterisk `cdr_csv` disposition (`ANSWERED`, `NO ANSWER`, …); `nil` when it is not one.
    package init?(asteriskDisposition text: String) {
        switch text.uppercased() {
        case "ANSWERED": self = .answered
        case "NO ANSWER", "NOANSWER": self = .noAnswer
        case "BUSY": self = .busy
        case "FAILED": self = .failed
        case "CONGESTION": self = .congestion
        case "CANCEL", "CANCELLED": self = .cancelled
        default: return nil
        }
    }

    /// Maps a FreeSWITCH hangup cause (Q.850 name) for a call that was or was not answered.
    package init(freeswitchCause cause: String, answered: Bool) {
        if answered {
            self = .answered
            return
        }
        switch cause.uppercased() {
        case "USER_BUSY", "NORMAL_CIRCUIT_CONGESTION_BUSY": self = .busy
        case "NO_ANSWER", "NO_USER_RESPONSE", "NORMAL_CLEARING", "ALLOTTED_TIMEOUT", "RECOVERY_ON_TIMER_EXPIRE":
            self = .noAnswer
        case "ORIGINATOR_CANCEL", "LOSE_RACE", "PICKED_OFF", "ATTENDED_TRANSFER", "BLIND_TRANSFER":
            self = .cancelled
        case "NORMAL_CIRCUIT_CONGESTION", "SWITCH_CONGESTION", "NETWORK_OUT_OF_ORDER", "NORMAL_TEMPORARY_FAILURE",
            "DESTINATION_OUT_OF_ORDER", "GATEWAY_DOWN":
            self = .congestion
        default: self = .failed
        }
    }

    /// Reads a disposition written in any of the spellings above (generic CSV files).
    package init?(anySpelling text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let known = CallDisposition(rawValue: trimmed.lowercased()) {
            self = known
        } else if let asterisk = CallDisposition(asteriskDisposition: trimmed) {
            self = asterisk
        } else if trimmed.uppercased() == trimmed, trimmed.contains("_") {
            self = CallDisposition(freeswitchCause: trimmed, answered: false)
        } else {
            return nil
        }
    }
}
