import HummingbirdBcrypt

/// People's passwords: bcrypt hashes (hummingbird-auth), never the password itself.
package struct PasswordHashing: Sendable {
    /// bcrypt's cost: 2^cost rounds (12 ≈ a quarter of a second here; tests use less).
    package var cost: UInt8

    package init(cost: UInt8 = 12) {
        self.cost = cost
    }

    /// The hash to store for `password`.
    package func hash(_ password: String) -> String {
        Bcrypt.hash(password, cost: cost)
    }

    /// Whether `password` is the one `hash` was made from.
    package func verify(_ password: String, hash: String) -> Bool {
        Bcrypt.verify(password, hash: hash)
    }

    /// Why `password` is refused as a new password; nil when it is acceptable.
    package static func weakness(of password: String) -> String? {
        if password.count < 10 { return "a password needs at least 10 characters" }
        if password.utf8.count > 72 { return "bcrypt reads at most 72 bytes of a password" }
        return nil
    }
}
