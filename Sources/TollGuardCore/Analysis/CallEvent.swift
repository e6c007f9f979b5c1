import Foundation

/// One moment in a call's life, the unit the analyzers consume in time order.
///
/// A stored CDR replays as `started`, `answered` (if it was) and `ended` at its own
/// timestamps; the live event socket produces the same events as they happen.
package struct CallEvent: Sendable {
    package enum Kind: Sendable, Hashable, Codable {
        case started
        case answered
        case ended
    }

    package var kind: Kind
    package var call: ObservedCall
    /// The policies of the call's subjects, resolved by the engine.
    package var subjects: CallSubjects

    /// When the event happened, from the call's own timestamps.
    package var time: Date {
        switch kind {
        case .started: call.startedAt
        case .answered: call.answeredAt ?? call.startedAt
        case .ended: call.endedAt ?? call.answeredAt ?? call.startedAt
        }
    }
}

/// The subjects one call counts against, each with its resolved limits.
package struct CallSubjects: Sendable {
    package var account: SubjectPolicy
    package var ip: SubjectPolicy?
    package var trunk: SubjectPolicy?

    /// Account, then IP, then trunk (those the call has), without allocating.
    package var all: Subjects { Subjects(subjects: self) }

    /// The subjects of one call as a sequence.
    package struct Subjects: Sequence, IteratorProtocol {
        fileprivate let subjects: CallSubjects
        private var position = 0

        fileprivate init(subjects: CallSubjects) { self.subjects = subjects }

        package mutating func next() -> SubjectPolicy? {
            while position < 3 {
                position += 1
                switch position {
                case 1: return subjects.account
                case 2: if let ip = subjects.ip { return ip }
                default: if let trunk = subjects.trunk { return trunk }
                }
            }
            return nil
        }
    }
}
