import Foundation

/// One event owed to one hook, as the outbox holds it.
package struct OutboxDelivery: Sendable, Hashable {
    package var id: Int64
    package var eventID: String
    package var eventType: HookEventType
    package var hook: String
    package var subject: Subject
    /// The exact bytes to deliver.
    package var payload: Data
    /// Attempts made before this one.
    package var attempts: Int

    package init(
        id: Int64, eventID: String, eventType: HookEventType, hook: String, subject: Subject, payload: Data,
        attempts: Int
    ) {
        self.id = id
        self.eventID = eventID
        self.eventType = eventType
        self.hook = hook
        self.subject = subject
        self.payload = payload
        self.attempts = attempts
    }
}

/// Where a delivery stands.
package enum DeliveryStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Not yet delivered; retried when due.
    case pending
    case delivered
    /// Given up after `max_attempts`, or refused for good; `tollguard hooks retry` resends it.
    case failed
}

/// The result of one attempt to deliver.
package struct DeliveryAttempt: Sendable, Hashable {
    package enum Outcome: String, Sendable, Hashable, Codable {
        case delivered
        /// Worth retrying: a timeout, a refused connection, a 5xx answer, a non-zero exit.
        case failed
        /// Not worth retrying until someone acts: a 4xx answer, a missing program or secret.
        case rejected
    }

    package var outcome: Outcome
    /// The exit status of a program, or the HTTP status of a webhook.
    package var status: Int?
    package var duration: Duration
    /// The first bytes of the program's output or the webhook's answer.
    package var output: String
    package var error: String?

    package init(outcome: Outcome, status: Int?, duration: Duration, output: String = "", error: String? = nil) {
        self.outcome = outcome
        self.status = status
        self.duration = duration
        self.output = output
        self.error = error
    }
}

/// A delivery with its last attempt, for `tollguard hooks status`.
package struct OutboxEntry: Sendable, Hashable, Codable {
    package var id: Int64
    package var eventID: String
    package var eventType: String
    package var hook: String
    package var subjectType: String
    package var subject: String
    package var status: DeliveryStatus
    package var attempts: Int
    package var created: Date
    package var nextAttempt: Date?
    package var delivered: Date?
    package var lastError: String?
    package var lastStatus: Int?
    package var lastOutput: String?

    package init(
        id: Int64, eventID: String, eventType: String, hook: String, subjectType: String, subject: String,
        status: DeliveryStatus, attempts: Int, created: Date, nextAttempt: Date?, delivered: Date?,
        lastError: String?, lastStatus: Int?, lastOutput: String?
    ) {
        self.id = id
        self.eventID = eventID
        self.eventType = eventType
        self.hook = hook
        self.subjectType = subjectType
        self.subject = subject
        self.status = status
        self.attempts = attempts
        self.created = created
        self.nextAttempt = nextAttempt
        self.delivered = delivered
        self.lastError = lastError
        self.lastStatus = lastStatus
        self.lastOutput = lastOutput
    }

    enum CodingKeys: String, CodingKey {
        case id, hook, subject, status, attempts, created, delivered
        case eventID = "event_id"
        case eventType = "event_type"
        case subjectType = "subject_type"
        case nextAttempt = "next_attempt"
        case lastError = "last_error"
        case lastStatus = "last_status"
        case lastOutput = "last_output"
    }
}
