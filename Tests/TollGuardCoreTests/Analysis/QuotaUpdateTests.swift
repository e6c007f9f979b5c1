import Foundation
import Testing
import TollGuardCore
import TollGuardTestSupport

/// A quota set while the engine runs (`tollguard quota set`, a raise in the console) changes the
/// limits of the calls to come and nothing of what the analyzers remember.
@Suite struct QuotaUpdateTests {
    @Test func aQuotaSetMidStreamKeepsEverySubjectsOwnState() {
        var factory = CallFactory()
        var engine = AnalysisEngine.standard(settings: AnalysisSettings(), timeZone: .named("UTC"))
        var findings: [Finding] = []
        // 1001 has three calls up, 1002 one (the limit is four at once).
        for offset in 0..<3 { findings += engine.replay(factory.call("1001", at: Double(offset), talk: 3600)) }
        findings += engine.replay(factory.call("1002", at: 10, talk: 3600))
        engine.updateQuotas(["1009": 20_000_000])
        // 1002 comes first after the change, then 1001 makes its fourth and fifth.
        for offset in 0..<2 { findings += engine.replay(factory.call("1002", at: 20 + Double(offset), talk: 3600)) }
        for offset in 0..<2 { findings += engine.replay(factory.call("1001", at: 30 + Double(offset), talk: 3600)) }
        findings += engine.finish()

        let concurrent = findings.of(.concurrentCalls)
        #expect(concurrent.map(\.subject) == [Subject(.account, "1001")])
        #expect(concurrent.first?.headline == "had 5 calls at once (limit 4)")
    }
}
