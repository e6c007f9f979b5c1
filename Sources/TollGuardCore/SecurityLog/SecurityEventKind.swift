import Foundation

/// What a PBX security-log line reports about a SIP (or IAX2, AMI) peer.
package enum SecurityEventKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A wrong password: FreeSWITCH `SIP auth failure`, Asterisk `Wrong password`,
    /// `failed to authenticate`, `InvalidPassword`, `ChallengeResponseFailed`.
    case authFailure = "auth_failure"
    /// A digest challenge sent: every registration starts with one (FreeSWITCH `SIP auth
    /// challenge`, Asterisk `ChallengeSent`). Only a flood of them, never answered, is an attack.
    case authChallenge = "auth_challenge"
    /// A user name the PBX does not know: FreeSWITCH `Can't find user`, Asterisk
    /// `No matching peer/endpoint found`, `InvalidAccountID`, `nonexistent user`.
    case unknownUser = "unknown_user"
    /// Refused by an ACL: FreeSWITCH `Rejected by acl` (it then falls back to digest auth, so it
    /// is not counted on its own), Asterisk `FailedACL`, `Device does not match ACL`.
    case aclRejected = "acl_rejected"
    /// A call to an extension that does not exist in its context: a dial attempt from outside.
    case unknownExtension = "unknown_extension"
    /// A successful authentication (Asterisk `SuccessfulAuth`): a challenge answered.
    case successfulAuth = "successful_auth"
}

/// Which PBX wrote the line.
package enum SecurityLogSource: String, Sendable, Hashable, Codable {
    case freeswitch
    case asterisk
}

/// One recognized security-log line.
///
/// `ip` is always an address `inet_pton` accepted, taken
/// from the position the PBX itself writes — never from a user, domain, caller or session field.
package struct SecurityEvent: Sendable, Hashable {
    package var source: SecurityLogSource
    package var kind: SecurityEventKind
    package var ip: String
    /// The line's time (site time converted to UTC); `nil` when the line has none.
    package var time: Date?
    /// The user name tried (attacker-controlled text), when the line names one.
    package var user: String?
    /// `REGISTER` or `INVITE`, when the line says.
    package var method: String?
    /// The number dialled, for `unknownExtension`.
    package var dialed: String?
    /// How the client names itself where the line shows it (a From display name such as
    /// `friendly-scanner`): attacker text, compared with known scanner names only.
    package var agent: String?

    package init(
        source: SecurityLogSource, kind: SecurityEventKind, ip: String, time: Date? = nil, user: String? = nil,
        method: String? = nil, dialed: String? = nil
    ) {
        self.source = source
        self.kind = kind
        self.ip = ip
        self.time = time
        self.user = user
        self.method = method
        self.dialed = dialed
    }
}
