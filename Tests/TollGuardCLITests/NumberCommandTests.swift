import Foundation
import GRDB
import Testing
import TollGuardCore
import TollGuardTestSupport

/// `classify`, `rates` and `lists` through the built executable.
@Suite struct NumberCommandTests {
    @Test func classifyJSONReadsStandardInputOneObjectPerLine() async throws {
        let directory = try TemporaryDirectory()
        let result = try await CLITests.run(
            [
                "classify", "--db", directory.path("none.sqlite"), "--json", "--home-region", "US", "--outside-prefix",
                "9", "-",
            ],
            stdin: Data("9011881612345678\n9 1 (201) 555-0123\n\n<script>alert(1)</script>\n".utf8))
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        let objects = try lines.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        for object in objects {
            for key in ["dialed", "scope", "e164", "region", "calling_code", "number_type", "risk", "cost_per_min"] {
                #expect(object.keys.contains(key), "missing \(key)")
            }
        }
        #expect(objects[0]["scope"] as? String == "international")
        #expect(objects[0]["region"] as? String == "001")
        #expect(objects[0]["calling_code"] as? Int == 881)
        #expect(objects[0]["risk"] as? [String] == ["international_network", "satellite", "unpriced"])
        #expect(objects[0]["cost_per_min"] as? String == "1.0000")
        #expect(objects[1]["e164"] as? String == "+12015550123")
        #expect(objects[2]["scope"] as? String == "invalid")
        // Classifying never creates a database.
        #expect(!FileManager.default.fileExists(atPath: directory.path("none.sqlite")))
    }

    /// A stream of numbers (a file or standard input) is answered one line each, in input order,
    /// across threads: JSON identical to the answers for the same numbers named as arguments, or
    /// tab-separated rows after a header whose dialled text cannot break a row.
    @Test func classifyStreamsAFileInOrderAsJSONOrTabs() async throws {
        let directory = try TemporaryDirectory()
        var numbers: [String] = []
        for index in 0..<3_000 {
            numbers.append(
                [
                    "+4420794\(60_000 + index)", "011 881 6\(1_000_000 + index)",
                    "1 (201) 555-\(1_000 + index % 9_000)",
                    "\(index)",
                ][index % 4])
        }
        let input = numbers.map { "  \($0)\t\r" }.joined(separator: "\n\n") + "\nbad\u{1B}[31m\t\"x"
        let file = try directory.write("numbers.txt", text: input)
        let db = directory.path("none.sqlite")
        let json = try await CLITests.run(["classify", "--db", db, "--json", "--file", file])
        #expect(json.status == 0, "\(json.stderr)")
        let lines = json.stdout.split(separator: "\n")
        #expect(lines.count == numbers.count + 1)
        let dialled = try lines.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])["dialed"] as? String
        }
        #expect(Array(dialled.prefix(numbers.count)) == numbers.map(Optional.some))
        #expect(dialled.last == "bad\u{1B}[31m\t\"x")
        let named = try await CLITests.run(["classify", "--db", db, "--json"] + Array(numbers.prefix(4)))
        #expect(named.stdout == lines.prefix(4).joined(separator: "\n") + "\n")
        let piped = try await CLITests.run(["classify", "--db", db, "--json", "-"], stdin: Data(input.utf8))
        #expect(piped.stdout == json.stdout)

        let text = try await CLITests.run(["classify", "--db", db, "--file", file])
        let rows = text.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(rows.first == "dialled\tscope\te164\tregion\ttype\trisk\tper min")
        #expect(rows.count == numbers.count + 2)
        #expect(rows.dropFirst().allSatisfy { $0.split(separator: "\t", omittingEmptySubsequences: false).count == 7 })
        #expect(rows.dropFirst().prefix(numbers.count).map { String($0.prefix { $0 != "\t" }) } == numbers)
        #expect(rows.last?.hasPrefix("bad?[31m?\"x\t") == true)
        #expect(!FileManager.default.fileExists(atPath: db))

        let missing = try await CLITests.run(["classify", "--db", db, "--file", directory.path("nope.txt")])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("nope.txt"))
        let mixed = try await CLITests.run(["classify", "--db", db, "--file", file, "12345"])
        #expect(mixed.status == 64)
    }

    @Test func rateDeckImportRepriceAndShow() async throws {
        let directory = try TemporaryDirectory()
        let db = directory.path("t.sqlite")
        let cdr = try directory.write(
            "Master.csv",
            text: "\"A\",\"1001\",\"011447400123456\",\"default\",\"2026-05-04 10:00:00\",\"2026-05-04 10:00:01\","
                + "\"2026-05-04 10:01:02\",\"62\",\"61\",\"NORMAL_CLEARING\",\"0c000000-0000-4000-8000-000000000001\",\"\",\"1001\",\"PCMU\",\"PCMU\"\n"
        )
        let first = try directory.write(
            "deck1.csv", text: "prefix,destination,rate_per_min,billing\n44,UK,0.60,60/60\n")
        let second = try directory.write(
            "deck2.csv", text: "prefix,destination,rate_per_min,billing\n447,UK mobile,0.30,1/1\n")
        #expect(try await CLITests.run(["rates", "import", "--db", db, first]).status == 0)
        #expect(try await CLITests.run(["ingest", "--db", db, "--timezone", "UTC", cdr]).status == 0)
        func cost() throws -> Int64? {
            try DatabaseQueue(path: db).read { try Int64.fetchOne($0, sql: "SELECT cost_micros FROM calls") }
        }
        #expect(try cost() == 1_200_000)
        #expect(try await CLITests.run(["rates", "import", "--db", db, second]).status == 0)
        #expect(try cost() == 1_200_000)
        let reprice = try await CLITests.run(["rates", "reprice", "--db", db])
        #expect(reprice.stdout.contains("repriced 1 call\n"), "\(reprice.stdout)")
        #expect(try cost() == 305_000)
        let show = try await CLITests.run(["rates", "show", "--db", db, "+447400123456"])
        #expect(show.stdout.contains("+447") && show.stdout.contains("UK mobile"))

        let bad = try directory.write("bad.csv", text: "prefix,destination,rate_per_min\n44,UK,abc\n")
        let failed = try await CLITests.run(["rates", "import", "--db", db, bad])
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("line 2"))
        #expect(try cost() == 305_000)
    }

    @Test func listsImportShowRemove() async throws {
        let directory = try TemporaryDirectory()
        let db = directory.path("t.sqlite")
        let file = try directory.write(
            "apiban.txt", text: "# APIBAN export\n203.0.113.7\n198.51.100.0/24\n+37190123\nbogus!\n")
        let imported = try await CLITests.run(["lists", "import", "--db", db, "apiban", file])
        #expect(imported.status == 0)
        #expect(imported.stdout.contains("1 numbers/prefixes, 2 IP addresses/ranges, 1 lines skipped"))
        #expect(imported.stderr.contains("line 5"))
        let shown = try await CLITests.run(["lists", "show", "--db", db, "apiban"])
        #expect(shown.stdout.split(separator: "\n") == ["+37190123", "198.51.100.0/24", "203.0.113.7"])
        #expect(try await CLITests.run(["lists", "remove", "--db", db, "apiban"]).status == 0)
        #expect(try await CLITests.run(["lists", "show", "--db", db]).stdout.contains("no lists"))
        #expect(try await CLITests.run(["lists", "remove", "--db", db, "apiban"]).status != 0)
    }
}
