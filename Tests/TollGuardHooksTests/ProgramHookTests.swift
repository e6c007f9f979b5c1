import Foundation
import Testing
import TollGuardCore
import TollGuardHooks
import TollGuardTestSupport

/// Program hooks: the exact event JSON on stdin, the fields in TOLLGUARD_* variables, fixed
/// arguments, never a shell; timeouts and failures are retried, output is recorded.
@Suite struct ProgramHookTests {
    /// A hook script that saves what it received: stdin, its arguments and two variables.
    static func recordingScript(in folder: TemporaryDirectory, body: String = "echo received") throws -> String {
        try folder.writeExecutable(
            "hook.sh",
            text: """
                #!/bin/sh
                out=\(folder.url.path)
                cat > "$out/stdin.json"
                printf '%s' "$TOLLGUARD_ACCOUNT" > "$out/account"
                printf '%s' "$TOLLGUARD_REASON" > "$out/reason"
                printf '%s' "$TOLLGUARD_EVENT" > "$out/event"
                printf '%s\\n' "$@" > "$out/arguments"
                env | grep -c '^TOLLGUARD_' > "$out/variables" || true
                \(body)

                """)
    }

    static func dispatcher(_ database: TollGuardDatabase, hooks: [HookSettings], now: Date = Date())
        -> HookDispatcher
    {
        var settings = HookDeliverySettings()
        settings.outputBytes = 64
        return HookDispatcher(
            outbox: database, hooks: hooks, settings: settings, environment: [:], logger: testLogger, now: { now })
    }

    @Test func aProgramHookGetsTheExactJSONAndHostileStringsStayInert() async throws {
        let folder = try TemporaryDirectory()
        var hook = AlertSeeds.programHook("pbx", path: try Self.recordingScript(in: folder))
        hook.arguments = ["--profile", "internal; echo not-a-shell", "$(id)"]
        let database = try TollGuardDatabase.inMemory()
        let hostileAccount =
            "1001; rm -rf / $(touch \(folder.url.path)/pwned-dollar) `touch \(folder.url.path)/pwned-tick`"
        let hostileReason = "caller \"<script>\" $(touch \(folder.url.path)/pwned-reason) && `id` | tee x; rm -rf ~"
        guard
            case .suspended = try ActionDecider(database: database, settings: ActionSettings(hooks: [hook])).suspend(
                account: hostileAccount, reason: hostileReason, until: nil, actor: "alice")
        else {
            Issue.record("not suspended")
            return
        }

        let pass = try await Self.dispatcher(database, hooks: [hook]).deliverDue()

        #expect(pass.delivered == 1)
        let entry = try #require(try database.outbox().first)
        #expect(entry.status == .delivered)
        let stored = try #require(try database.hookEventPayload(id: entry.eventID))
        #expect(try Data(contentsOf: folder.url.appendingPathComponent("stdin.json")) == stored)
        let event = try HookEvent.decode(stored)
        #expect(event.account == hostileAccount)
        #expect(event.reason == hostileReason)
        func saved(_ name: String) throws -> String {
            try String(contentsOf: folder.url.appendingPathComponent(name), encoding: .utf8)
        }
        #expect(try saved("account") == hostileAccount)
        #expect(try saved("reason") == hostileReason)
        #expect(try saved("event") == "suspend")
        #expect(try saved("arguments") == "--profile\ninternal; echo not-a-shell\n$(id)\n")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.url.path)
        #expect(!names.contains { $0.hasPrefix("pwned") })
        #expect(!names.contains("x"))
        #expect(entry.lastOutput == "received\n")
        #expect(entry.lastStatus == 0)
    }

    /// A hung hook's timeout ends its whole process group: the `sleep 600` it started in the
    /// background does not outlive it (one would pile up per attempt).
    @Test func aTimedOutHookLeavesNothingBehind() async throws {
        let folder = try TemporaryDirectory()
        let pidFile = folder.path("child.pid")
        var hung = AlertSeeds.programHook(
            "hung",
            path: try Self.recordingScript(in: folder, body: "sleep 600 & echo $! > \(pidFile)\nsleep 30"))
        hung.timeoutSeconds = 0.5
        let database = try TollGuardDatabase.inMemory()
        _ = try ActionDecider(database: database, settings: ActionSettings(hooks: [hung])).suspend(
            account: "1001", reason: "r", until: nil, actor: "a")
        let pass = try await Self.dispatcher(database, hooks: [hung]).deliverDue()
        #expect(pass.retrying == 1)
        let child = try #require(
            Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try await poll(upTo: 10) { !Self.isRunning(child) }, "the hook's background child \(child) survived")
    }

    /// Whether `pid` is a live process (a zombie nobody reaped yet is not).
    static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return stat[stat.index(close, offsetBy: 2)] != "Z"
    }

    @Test func aSlowProgramIsStoppedAndRetriedAndAFailingOneKeepsItsOutput() async throws {
        let folder = try TemporaryDirectory()
        var slow = AlertSeeds.programHook("slow", path: try Self.recordingScript(in: folder, body: "exec sleep 30"))
        slow.timeoutSeconds = 0.5
        let database = try TollGuardDatabase.inMemory()
        _ = try ActionDecider(database: database, settings: ActionSettings(hooks: [slow])).suspend(
            account: "1001", reason: "r", until: nil, actor: "a")
        let pass = try await Self.dispatcher(database, hooks: [slow]).deliverDue()
        // Stopped at its timeout, not after its 30 s (measured by the runner, on its own thread).
        #expect(try #require(pass.attempts.first).result.duration < .seconds(10))
        #expect(pass.retrying == 1)
        let entry = try #require(try database.outbox().first)
        #expect(entry.status == .pending)
        #expect(entry.lastError?.contains("timed out") == true)

        let failingFolder = try TemporaryDirectory()
        let failing = AlertSeeds.programHook(
            "failing",
            path: try Self.recordingScript(
                in: failingFolder, body: "i=0; while [ $i -lt 50 ]; do echo line $i; i=$((i+1)); done; exit 3"))
        let other = try TollGuardDatabase.inMemory()
        _ = try ActionDecider(database: other, settings: ActionSettings(hooks: [failing])).suspend(
            account: "1001", reason: "r", until: nil, actor: "a")
        _ = try await Self.dispatcher(other, hooks: [failing]).deliverDue()
        let failed = try #require(try other.outbox().first)
        #expect(failed.status == .pending)
        #expect(failed.lastStatus == 3)
        #expect(failed.lastError == "exited with status 3")
        // The first 64 bytes are kept, and the cut is said.
        #expect(failed.lastOutput?.hasPrefix("line 0\nline 1\n") == true)
        #expect(failed.lastOutput?.contains("more bytes not kept") == true)
    }

    @Test func aMissingProgramOrAnUnknownHookFailsForGood() async throws {
        let database = try TollGuardDatabase.inMemory()
        let missing = AlertSeeds.programHook("missing", path: "/nonexistent/hook.sh")
        _ = try ActionDecider(database: database, settings: ActionSettings(hooks: [missing])).suspend(
            account: "1001", reason: "r", until: nil, actor: "a")
        let pass = try await Self.dispatcher(database, hooks: [missing]).deliverDue()
        #expect(pass.failed == 1)
        #expect(try database.outbox().first?.lastError == "/nonexistent/hook.sh is not an executable file")

        _ = try ActionDecider(database: database, settings: ActionSettings(hooks: [missing])).suspend(
            account: "1002", reason: "r", until: nil, actor: "a")
        _ = try await Self.dispatcher(database, hooks: []).deliverDue()
        #expect(try database.outbox().last?.lastError == "no hook named \"missing\" in the configuration")
        #expect(try database.outbox().map(\.status) == [.failed, .failed])
    }
}
