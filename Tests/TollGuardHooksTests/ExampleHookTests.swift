import Foundation
import Testing
import TollGuardCore
import TollGuardHooks
import TollGuardTestSupport

/// The example hooks in `Data/hooks/` against fake `fs_cli`, `asterisk` and `nft` commands that
/// record what they are asked to do.
@Suite struct ExampleHookTests {
    static let hooks = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Data/hooks")

    /// A fake command named `name` in `folder/bin` that logs its arguments (one line per call)
    /// and prints `output`.
    static func fake(_ name: String, in folder: TemporaryDirectory, output: String = "") throws -> String {
        let outputFile = folder.url.appendingPathComponent("\(name).out")
        try output.write(to: outputFile, atomically: true, encoding: .utf8)
        return try folder.writeExecutable(
            "bin/\(name)",
            text: """
                #!/bin/sh
                printf '%s|' "$@" >> "\(folder.url.path)/\(name).log"
                echo >> "\(folder.url.path)/\(name).log"
                case "$*" in *show*) cat "\(outputFile.path)" ;; esac
                exit 0

                """)
    }

    static func run(
        _ script: String, _ type: HookEventType, account: String? = nil, ip: String? = nil, arguments: [String],
        folder: TemporaryDirectory
    ) async throws -> DeliveryAttempt {
        let subject =
            ip.map { HookEvent.EventSubject(type: .ip, value: $0) } ?? .init(type: .account, value: account ?? "")
        let event = HookEvent(
            id: HookEvent.newID(), type: type, time: AlertSeeds.start, subject: subject, account: account,
            reason: "test", actor: "test")
        let runner = ProgramHookRunner(searchPath: folder.url.appendingPathComponent("bin").path + ":/usr/bin:/bin")
        return await runner.run(
            path: hooks.appendingPathComponent(script).path, arguments: arguments, event: event,
            payload: try event.payload(), timeout: .seconds(10))
    }

    static func log(_ name: String, _ folder: TemporaryDirectory) -> [String] {
        ((try? String(contentsOfFile: folder.path("\(name).log"), encoding: .utf8)) ?? "")
            .split(separator: "\n").map(String.init)
    }

    @Test func theFreeSWITCHHookBlocksAndKillsOnlyTheAccountsOwnCalls() async throws {
        let folder = try TemporaryDirectory()
        let fsCLI = try Self.fake(
            "fs_cli", in: folder,
            output: """
                uuid|direction|created|name|state|cid_num|dest|presence_id|accountcode|callstate
                7f1c2a4e-0000-4000-8000-000000000001|inbound|x|sofia/internal/1001@pbx|CS_EXECUTE|1001|901153|1001@pbx|1001|ACTIVE
                7f1c2a4e-0000-4000-8000-000000000002|inbound|x|sofia/internal/10011@pbx|CS_EXECUTE|10011|901153|10011@pbx|10011|ACTIVE
                x; rm -rf /|inbound|x|sofia/internal/1001@pbx|CS_EXECUTE|1001|901153|1001@pbx|1001|ACTIVE

                3 total.
                """)
        let suspended = try await Self.run(
            "freeswitch-block.sh", .suspend, account: "1001", arguments: [fsCLI], folder: folder)
        #expect(suspended.outcome == .delivered)
        #expect(
            Self.log("fs_cli", folder) == [
                "-x|db insert/tollguard_blocked/1001/1|", "-x|show channels as delim ||",
                "-x|uuid_kill 7f1c2a4e-0000-4000-8000-000000000001 CALL_REJECTED|",
            ])
        _ = try await Self.run("freeswitch-block.sh", .unsuspend, account: "1001", arguments: [fsCLI], folder: folder)
        #expect(Self.log("fs_cli", folder).last == "-x|db delete/tollguard_blocked/1001|")

        let hostile = try TemporaryDirectory()
        let hostileCLI = try Self.fake("fs_cli", in: hostile)
        let refused = try await Self.run(
            "freeswitch-block.sh", .suspend, account: "1001 CALL_REJECTED; hupall", arguments: [hostileCLI],
            folder: hostile)
        #expect(refused.outcome == .failed)
        #expect(refused.status == 2)
        #expect(Self.log("fs_cli", hostile).isEmpty)
        let ignored = try await Self.run(
            "freeswitch-block.sh", .wouldSuspend, account: "1001", arguments: [hostileCLI], folder: hostile)
        #expect(ignored.outcome == .delivered)
        #expect(Self.log("fs_cli", hostile).isEmpty)
    }

    @Test func theAsteriskHookBlocksAndHangsUpOnlyTheAccountsChannels() async throws {
        let folder = try TemporaryDirectory()
        let asterisk = try Self.fake(
            "asterisk", in: folder,
            output: """
                PJSIP/1001-00000012!from-internal!901153!3!Up!Dial!PJSIP/carrier/901153!1001!1001!!3!45!(None)!1700000000.12
                PJSIP/1002-00000013!from-internal!901153!3!Up!Dial!PJSIP/carrier/901153!1002!1002!!3!45!(None)!1700000000.13
                """)
        let result = try await Self.run(
            "asterisk-block.sh", .suspend, account: "1001", arguments: [asterisk], folder: folder)
        #expect(result.outcome == .delivered)
        #expect(
            Self.log("asterisk", folder) == [
                "-rx|database put tollguard/blocked 1001 1|", "-rx|core show channels concise|",
                "-rx|channel request hangup PJSIP/1001-00000012|",
            ])
    }

    @Test func theNftablesHookBansOnlyAValidatedAddressOutsideTheAllowList() async throws {
        let folder = try TemporaryDirectory()
        _ = try Self.fake("nft", in: folder)
        let banned = try await Self.run(
            "nft-ban-ip.sh", .alert, ip: "2001:db8::66", arguments: ["12h", "203.0.113.10"], folder: folder)
        #expect(banned.outcome == .delivered, "\(banned.error ?? "") \(banned.output)")
        _ = try await Self.run(
            "nft-ban-ip.sh", .alert, ip: "203.0.113.10", arguments: ["12h", "203.0.113.10"], folder: folder)
        // Not an address: TollGuard sets no TOLLGUARD_IP, so nothing is banned.
        _ = try await Self.run("nft-ban-ip.sh", .alert, ip: "1.2.3.4; flush ruleset", arguments: [], folder: folder)
        _ = try await Self.run("nft-ban-ip.sh", .alert, account: "1001", arguments: [], folder: folder)
        #expect(Self.log("nft", folder) == ["add|element|inet|tollguard|banned_v6|{ 2001:db8::66 timeout 12h }|"])
    }
}
