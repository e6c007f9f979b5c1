import Logging

/// The logger tests hand to the libraries (they take one; they never make their own).
package let testLogger = Logger(label: "test")
