import Foundation
import TollGuardCore

/// Writes plausible FreeSWITCH `example`-template CDR rows, deterministically per seed.
///
/// Used by `tollguard demo` until the simulator lands, and by the ingest benchmark to make
/// files of any size. Rows are written in start-time order, local wall-clock time, every
/// field quoted as `mod_cdr_csv` does.
package struct ExampleCDRWriter {
    package var accounts: Int
    package var firstStart: Int64
    /// Mean seconds between call starts.
    package var spacingSeconds: Int
    private var random: SimulationRandom
    private var clock: Int64

    package init(seed: UInt64, accounts: Int = 50, firstStart: Int64 = 1_763_683_200, spacingSeconds: Int = 3) {
        self.accounts = max(1, accounts)
        self.firstStart = firstStart
        self.spacingSeconds = max(1, spacingSeconds)
        self.random = SimulationRandom(seed: seed)
        self.clock = firstStart
    }

    /// A uniform integer in `0..<bound`.
    private mutating func roll(_ bound: Int) -> Int {
        random.int(0...max(1, bound) - 1)
    }

    private static let names = [
        "Alice Meyer", "Bob Jones", "Carla Diaz", "Dev Patel", "Eve Novak", "Farid Haddad",
        "Grace Lee", "Hugo Martin", "Ines Costa", "Jon Berg",
    ]
    private static let international = [
        "011442079460018", "011493012345678", "011331234567890", "0113912345678",
        "011525512345678", "0118613912345678", "011919812345678",
    ]

    /// Appends `count` rows to `output`.
    package mutating func appendRows(_ count: Int, to output: inout [UInt8]) {
        for _ in 0..<count { appendRow(to: &output) }
    }

    /// Appends one row (with its newline) to `output`.
    package mutating func appendRow(to output: inout [UInt8]) {
        clock += Int64(roll(spacingSeconds * 2))
        let account = 1000 + roll(accounts)
        let kind = roll(100)
        let destination: String
        if kind < 35 {
            destination = String(1000 + roll(accounts))
        } else if kind < 90 {
            destination = "1" + String(2_012_000_000 + roll(7_000_000_000))
        } else {
            destination = Self.international[roll(Self.international.count)]
        }
        let answered = roll(100) < 78
        let ring = Int64(roll(20)) + 1
        let talk = answered ? Int64(roll(600)) + 5 : 0
        let start = clock
        let answer = answered ? start + ring : 0
        let end = start + ring + talk
        let cause = answered ? "NORMAL_CLEARING" : (roll(2) == 0 ? "NO_ANSWER" : "USER_BUSY")

        func quoted(_ text: String) {
            output.append(34)
            output.append(contentsOf: text.utf8)
            output.append(34)
        }
        func quotedTime(_ epoch: Int64) {
            output.append(34)
            if epoch > 0 {
                var bytes = [UInt8](repeating: 0, count: 19)
                CivilTime.writeUTC(epochSeconds: epoch, into: &bytes)
                output.append(contentsOf: bytes)
            }
            output.append(34)
        }
        quoted(Self.names[account % Self.names.count])
        output.append(44)
        quoted(String(account))
        output.append(44)
        quoted(destination)
        output.append(44)
        quoted("default")
        output.append(44)
        quotedTime(start)
        output.append(44)
        quotedTime(answer)
        output.append(44)
        quotedTime(end)
        output.append(44)
        quoted(String(end - start))
        output.append(44)
        quoted(String(talk))
        output.append(44)
        quoted(cause)
        output.append(44)
        quoted(uuid())
        output.append(44)
        quoted(answered ? uuid() : "")
        output.append(44)
        quoted(String(account))
        output.append(44)
        quoted("PCMU")
        output.append(44)
        quoted("PCMU")
        output.append(10)
    }

    private mutating func uuid() -> String { random.uuid() }

    /// Writes `rows` rows to a file at `path`, in chunks.
    package static func writeFile(
        path: String, rows: Int, seed: UInt64, accounts: Int = 50, firstStart: Int64 = 1_763_683_200
    ) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw FileReadError(path: path, reason: "cannot create file")
        }
        defer { try? handle.close() }
        var writer = ExampleCDRWriter(seed: seed, accounts: accounts, firstStart: firstStart)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        var written = 0
        while written < rows {
            let chunk = min(4096, rows - written)
            buffer.removeAll(keepingCapacity: true)
            writer.appendRows(chunk, to: &buffer)
            try handle.write(contentsOf: buffer)
            written += chunk
        }
    }
}
