import Foundation
import GRDB
import Testing
import TollGuardTestSupport

@testable import TollGuardCore

/// The store side of the console's case file: daily spend by the site's day, number ranges.
@Suite struct CaseFileStoreTests {
    /// An evening call in New York is on the next UTC day but on its own local day; days without
    /// calls are there with nothing spent.
    @Test func dailySpendCountsTheSitesDaysAndKeepsTheEmptyOnes() throws {
        let database = try TollGuardDatabase.inMemory()
        let evening = Date(timeIntervalSince1970: 1_795_057_200)  // 2026-11-19 03:00 UTC, 22:00 on the 18th in New York
        try AlertSeeds.storeCall(database, key: "e", account: "1018", at: evening, costMicros: 7_000_000)
        try AlertSeeds.storeCall(
            database, key: "old", account: "1018", at: evening.addingTimeInterval(-9 * 86_400), costMicros: 1_000_000)
        try AlertSeeds.storeCall(database, key: "other", account: "1019", at: evening, costMicros: 50_000_000)
        let newYork = try #require(TimeZone(identifier: "America/New_York"))
        let local = try database.dailySpend(account: "1018", days: 5, through: evening, timeZone: newYork)
        #expect(local.map(\.day) == ["2026-11-14", "2026-11-15", "2026-11-16", "2026-11-17", "2026-11-18"])
        #expect(local.map(\.micros) == [0, 0, 0, 0, 7_000_000])
        let utc = try database.dailySpend(account: "1018", days: 10, through: evening, timeZone: .gmt)
        #expect(utc.first?.day == "2026-11-10")
        #expect(utc.last?.day == "2026-11-19")
        #expect(utc.map(\.micros).reduce(0, +) == 8_000_000)
        #expect(utc.map(\.calls).reduce(0, +) == 2)
    }

    @Test func aNumberRangeIsItsNumbersButTheLastThreeDigits() {
        #expect(NumberRange("+88213520123")?.description == "+88213520xxx")
        #expect(NumberRange("0088213520123")?.prefix == "0088213520")
        #expect(NumberRange("+3719000") == nil, "too short to name a range")
        #expect(NumberRange("+88213520*23") == nil)
        #expect(NumberRange("sip:evil@x.example") == nil)
    }
}

/// The spend rollup: exact before, after and across a rollup, never counting a call twice.
@Suite struct SpendRollupTests {
    @Test func theRollupAndTheCallsPastItsMarkCountEachCallOnce() throws {
        let database = try TollGuardDatabase.inMemory()
        let day = Date(timeIntervalSince1970: 1_795_046_400)  // 2026-11-19 00:00 UTC
        // Either side of a quarter hour, and of midnight.
        try AlertSeeds.storeCall(
            database, key: "a", account: "7", at: day.addingTimeInterval(-1), costMicros: 1_000_000)
        try AlertSeeds.storeCall(database, key: "b", account: "7", at: day, costMicros: 2_000_000)
        try AlertSeeds.storeCall(
            database, key: "c", account: "7", at: day.addingTimeInterval(899), costMicros: 4_000_000)
        let before = try database.dailySpend(account: "7", days: 2, through: day, timeZone: .gmt).map(\.micros)
        #expect(before == [1_000_000, 6_000_000])
        #expect(try database.rollUpSpend() == false, "reading rolled everything up")
        // Calls stored after the rollup are read past its mark, then rolled up once.
        try AlertSeeds.storeCall(
            database, key: "d", account: "7", at: day.addingTimeInterval(900), costMicros: 8_000_000)
        try AlertSeeds.storeCall(database, key: "e", account: "8", at: day, costMicros: 16_000_000)
        let unrolled = try database.accountSpend(account: "7", from: day, to: day.addingTimeInterval(86_400))
        #expect(unrolled.calls == 3)
        #expect(unrolled.micros == 14_000_000)
        let rolled = try database.dailySpend(account: "7", days: 2, through: day, timeZone: .gmt).map(\.micros)
        #expect(rolled == [1_000_000, 14_000_000])
        let after = try database.accountSpend(account: "7", from: day, to: day.addingTimeInterval(86_400))
        #expect(after.micros == 14_000_000, "rolled up once, counted once")
        // Nepal (+05:45): its day of the 19th starts at 18:15 UTC on the 18th, a quarter boundary.
        let nepal = try #require(TimeZone(identifier: "Asia/Kathmandu"))
        let local = try database.dailySpend(account: "7", days: 1, through: day, timeZone: nepal)
        #expect(local.map(\.day) == ["2026-11-19"])
        #expect(local.map(\.micros) == [15_000_000])
    }

    /// The queue asks for every account-day at once, a statement for each batch of ranges, and
    /// adds the calls past the rollup's mark.
    @Test func theSpendOfManyRangesAtOnceIsEachRangesSpend() throws {
        let database = try TollGuardDatabase.inMemory()
        let day = Date(timeIntervalSince1970: 1_795_046_400)  // 2026-11-19 00:00 UTC
        for (index, account) in ["1", "2", "3", "4"].enumerated() {
            for hour in 0..<30 {
                try AlertSeeds.storeCall(
                    database, key: "\(account)-\(hour)", account: account,
                    at: day.addingTimeInterval(Double(hour * 3_600 + index * 60)), costMicros: Int64(hour + 1) * 1_000)
            }
        }
        try database.rollUpSpend(limit: 70)  // part rolled up, the rest past the mark
        let ranges = ["1", "2", "3", "4", "5"].flatMap { account in
            [(0, 24), (24, 48), (6, 7), (29, 30)].map { from, to in
                SpendRollup.Range(
                    account: account,
                    span: SpendRollup.Span(
                        from: day.addingTimeInterval(Double(from * 3_600)),
                        to: day.addingTimeInterval(Double(to * 3_600))))
            }
        }
        // Each range summed from the calls themselves: the figures the rollup must give.
        let each = try ranges.map { range in
            try database.writer.read { db in
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT count(*), coalesce(sum(cost_micros), 0) FROM calls
                        WHERE account = ? AND start_utc >= ? AND start_utc < ?
                        """,
                    arguments: [
                        range.account, StoredTime.text(range.span.from), StoredTime.text(range.span.to),
                    ])
                let calls: Int64 = row?[0] ?? 0
                let micros: Int64 = row?[1] ?? 0
                return [calls, micros]
            }
        }
        #expect(each.contains { $0[1] > 0 } && each.contains { $0[1] == 0 })
        for perStatement in [1, 3, 2_000] {
            let together = try database.writer.read { db in
                try SpendRollup.spends(db, in: ranges, mark: try SpendRollup.mark(db), perStatement: perStatement)
            }
            #expect(together.map { [Int64($0.calls), $0.micros] } == each, "\(perStatement) ranges a statement")
        }
    }

    /// A rollup in parts (here one call at a time) adds up to the same figures.
    @Test func aRollupInPartsAddsUp() throws {
        let database = try TollGuardDatabase.inMemory()
        let day = Date(timeIntervalSince1970: 1_795_046_400)
        for index in 0..<5 {
            try AlertSeeds.storeCall(
                database, key: "p\(index)", account: "9", at: day.addingTimeInterval(Double(index) * 60),
                costMicros: 1_000_000)
        }
        var parts = 0
        while try database.rollUpSpend(limit: 1) { parts += 1 }
        #expect(parts == 4)
        #expect(try database.dailySpend(account: "9", days: 1, through: day, timeZone: .gmt).first?.micros == 5_000_000)
        #expect(try database.dailySpend(account: "9", days: 1, through: day, timeZone: .gmt).first?.calls == 5)
    }
}

/// A quota raised until midnight: stored per account and day, journaled with what it replaced.
@Suite struct QuotaRaiseStoreTests {
    @Test func aRaiseIsJournaledWithTheQuotaItReplacesAndASecondRaiseReplacesTheFirst() throws {
        let database = try TollGuardDatabase.inMemory()
        let at = AlertSeeds.start
        func raise(_ micros: Int64, _ reason: String) -> QuotaRaise {
            QuotaRaise(
                account: "1001", day: "2026-11-18", dailyMicros: micros, currency: "USD", reason: reason,
                setBy: "ada", setAt: at)
        }
        try database.setQuota(account: "1001", dailyMicros: 50_000_000, currency: "USD", setBy: "test")
        try database.raiseQuota(raise(80_000_000, "trade fair"), analysis: AnalysisSettings())
        try database.raiseQuota(raise(120_000_000, "fair runs late"), analysis: AnalysisSettings())
        let day = CivilTime.daysFromCivil(year: 2026, month: 11, day: 18)
        #expect(try database.quotaRaises() == ["1001": [day: 120_000_000]])
        #expect(try database.quotaRaises(onDay: "2026-11-18")["1001"]?.reason == "fair runs late")
        #expect(try database.quotaRaises(onDay: "2026-11-19").isEmpty)
        let journal = try database.journal(subjectType: "account", subject: "1001", actionPrefix: "quota.raised")
        #expect(journal.count == 2)
        let befores = Set(journal.compactMap(\.before))
        #expect(befores == ["50.00 USD", "80.00 USD"], "first the standing quota, then the first raise")
        #expect(
            journal.contains { $0.after == "120.00 USD until the end of 2026-11-18" && $0.note == "fair runs late" })
    }

    @Test func aStoredRaiseWhoseDayIsNoDateIsAnErrorNamingIt() throws {
        let database = try TollGuardDatabase.inMemory()
        try database.writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO quota_raises VALUES ('1001', '18/11/2026', 1, 'USD', 'r', 'ada', '2026-11-18 10:00:00')
                    """)
        }
        #expect {
            _ = try database.quotaRaises()
        } throws: { error in
            "\(error)".contains("quota_raises") && "\(error)".contains("18/11/2026")
        }
    }
}
