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

    /// A fake command named `name` in `folder/bin` that logs its arguments (one line per call),
    /// prints `output` when asked to show something, and answers `uuid_getvar UUID accountcode`
    /// from `accountcodes` (by uuid) as fs_cli does (`_undef_` for none).
    static func fake(
        _ name: String, in folder: TemporaryDirectory, output: String = "", accountcodes: [String: String] = [:]
    ) throws -> String {
        let outputFile = folder.url.appendingPathComponent("\(name).out")
        try output.write(to: outputFile, atomically: true, encoding: .utf8)
        let codesFile = folder.url.appendingPathComponent("\(name).codes")
        try accountcodes.map { "\($0.key) \($0.value)\n" }.joined().write(
            to: codesFile, atomically: true, encoding: .utf8)
        return try folder.writeExecutable(
            "bin/\(name)",
            text: """
                #!/bin/sh
                printf '%s|' "$@" >> "\(folder.url.path)/\(name).log"
                echo >> "\(folder.url.path)/\(name).log"
                case "$*" in
                *show*) cat "\(outputFile.path)" ;;
                *uuid_getvar*)
                    uuid=$(echo "$2" | cut -d' ' -f2)
                    code=$(grep "^$uuid " "\(codesFile.path)" | cut -d' ' -f2-)
                    echo "${code:-_undef_}"
                    ;;
                esac
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

    /// `show channels as delim |` as FreeSWITCH 1.10 prints it, with hostile callers: account codes
    /// that equal "1001" as numbers, and caller-ID names holding the separator — one to put
    /// "1001" where the account code would be, one on a call of 1001 itself.
    static let freeswitchChannels = """
        uuid|direction|created|created_epoch|name|state|cid_name|cid_num|ip_addr|dest|application|application_data|dialplan|context|read_codec|read_rate|read_bit_rate|write_codec|write_rate|write_bit_rate|secure|hostname|presence_id|presence_data|accountcode|callstate|callee_name|callee_num|callee_direction|call_uuid|sent_callee_name|sent_callee_num|initial_cid_name|initial_cid_num|initial_ip_addr|initial_dest|initial_dialplan|initial_context
        7f1c2a4e-0000-4000-8000-000000000001|inbound|2026-11-21 03:12:01|1795000001|sofia/internal/1001@pbx|CS_EXECUTE|Alice|1001|10.0.0.21|901153|bridge|sofia/gateway/carrier/901153|XML|default|PCMA|8000|64000|PCMA|8000|64000||pbx|1001@pbx||1001|ACTIVE|||||||Alice|1001|10.0.0.21|901153|XML|default
        7f1c2a4e-0000-4000-8000-000000000002|inbound|2026-11-21 03:12:02|1795000002|sofia/internal/01001@pbx|CS_EXECUTE|Bob|01001|10.0.0.22|901153|bridge|sofia/gateway/carrier/901153|XML|default|PCMA|8000|64000|PCMA|8000|64000||pbx|01001@pbx||01001|ACTIVE|||||||Bob|01001|10.0.0.22|901153|XML|default
        7f1c2a4e-0000-4000-8000-000000000003|inbound|2026-11-21 03:12:03|1795000003|sofia/internal/1001.0@pbx|CS_EXECUTE|C|1001.0|10.0.0.23|901153|bridge|x|XML|default|PCMA|8000|64000|PCMA|8000|64000||pbx|1001.0@pbx||1001.0|ACTIVE|||||||C|1001.0|10.0.0.23|901153|XML|default
        7f1c2a4e-0000-4000-8000-000000000004|inbound|2026-11-21 03:12:04|1795000004|sofia/internal/plus@pbx|CS_EXECUTE|D|+1001|10.0.0.24|901153|bridge|x|XML|default|PCMA|8000|64000|PCMA|8000|64000||pbx|plus@pbx||+1001|ACTIVE|||||||D|+1001|10.0.0.24|901153|XML|default
        7f1c2a4e-0000-4000-8000-000000000005|inbound|2026-11-21 03:12:05|1795000005|sofia/internal/e@pbx|CS_EXECUTE|E|1.001e3|10.0.0.25|901153|bridge|x|XML|default|PCMA|8000|64000|PCMA|8000|64000||pbx|e@pbx||1.001e3|ACTIVE|||||||E|1.001e3|10.0.0.25|901153|XML|default
        7f1c2a4e-0000-4000-8000-000000000006|inbound|2026-11-21 03:12:06|1795000006|sofia/internal/1002@pbx|CS_EXECUTE|x|1|2|3|4|5|6|7|8|9|10|11|12|13|14|15|1001|1002|10.0.0.26|901153|bridge|x|XML|default|PCMA|8000|64000|PCMA|8000|64000||pbx|1002@pbx||1002|ACTIVE|||||||x|1002|10.0.0.26|901153|XML|default
        7f1c2a4e-0000-4000-8000-000000000007|inbound|2026-11-21 03:12:07|1795000007|sofia/internal/1001@pbx|CS_EXECUTE|Eve|||1002|1001|10.0.0.27|901154|bridge|x|XML|default|PCMA|8000|64000|PCMA|8000|64000||pbx|1001@pbx||1001|ACTIVE|||||||Eve|1001|10.0.0.27|901154|XML|default
        x; rm -rf /|inbound|x|sofia/internal/1001@pbx|CS_EXECUTE|1001|901153|1001@pbx|1001|ACTIVE

        8 total.
        """

    @Test func theFreeSWITCHHookBlocksAndKillsOnlyTheAccountsOwnCalls() async throws {
        let folder = try TemporaryDirectory()
        let fsCLI = try Self.fake(
            "fs_cli", in: folder, output: Self.freeswitchChannels,
            accountcodes: [
                "7f1c2a4e-0000-4000-8000-000000000001": "1001", "7f1c2a4e-0000-4000-8000-000000000002": "01001",
                "7f1c2a4e-0000-4000-8000-000000000003": "1001.0", "7f1c2a4e-0000-4000-8000-000000000004": "+1001",
                "7f1c2a4e-0000-4000-8000-000000000005": "1.001e3", "7f1c2a4e-0000-4000-8000-000000000006": "1002",
                "7f1c2a4e-0000-4000-8000-000000000007": "1001",
            ])
        let suspended = try await Self.run(
            "freeswitch-block.sh", .suspend, account: "1001", arguments: [fsCLI], folder: folder)
        #expect(suspended.outcome == .delivered)
        let commands = Self.log("fs_cli", folder)
        #expect(commands.prefix(2) == ["-x|db insert/tollguard_blocked/1001/1|", "-x|show channels as delim ||"])
        #expect(
            commands.filter { $0.contains("uuid_kill") } == [
                "-x|uuid_kill 7f1c2a4e-0000-4000-8000-000000000001 CALL_REJECTED|",
                "-x|uuid_kill 7f1c2a4e-0000-4000-8000-000000000007 CALL_REJECTED|",
            ])
        #expect(!commands.contains { $0.contains("rm -rf") })
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

    /// `core show channels concise` as Asterisk 18 prints it, with hostile callers: account codes
    /// that equal "1001" as numbers, a caller ID holding "!" to put "1001" where the account code
    /// would be, and a call of 1001 whose caller ID and dialled data hold "!".
    static let asteriskChannels = """
        PJSIP/1001-00000012!from-internal!901153!3!Up!Dial!PJSIP/carrier/901153!1001!1001!!3!45!(None)!1700000000.12
        PJSIP/1002-00000013!from-internal!901153!3!Up!Dial!PJSIP/carrier/901153!1002!1002!!3!45!(None)!1700000000.13
        PJSIP/b-00000014!from-internal!901153!3!Up!Dial!PJSIP/carrier/901153!7!01001!!3!45!!1700000000.14
        PJSIP/c-00000015!from-internal!901153!3!Up!Dial!PJSIP/carrier/901153!7!1001.0!!3!45!!1700000000.15
        PJSIP/d-00000016!from-internal!901153!3!Up!Dial!PJSIP/carrier/901153!7!+1001!!3!45!!1700000000.16
        PJSIP/e-00000017!from-internal!901153!3!Up!Dial!PJSIP/carrier/901153!7!1.001e3!!3!45!!1700000000.17
        PJSIP/1003-00000018!from-internal!901153!3!Up!Dial!PJSIP/carrier/901153!x!1001!1003!!3!45!!1700000000.18
        PJSIP/1001-00000019!from-internal!9011!53!3!Up!Dial!PJSIP/carrier/9011!53!"Eve!!" <1001>!1001!!3!45!!1700000000.19
        """

    @Test func theAsteriskHookBlocksAndHangsUpOnlyTheAccountsChannels() async throws {
        let folder = try TemporaryDirectory()
        let asterisk = try Self.fake("asterisk", in: folder, output: Self.asteriskChannels)
        let result = try await Self.run(
            "asterisk-block.sh", .suspend, account: "1001", arguments: [asterisk], folder: folder)
        #expect(result.outcome == .delivered)
        #expect(
            Self.log("asterisk", folder) == [
                "-rx|database put tollguard/blocked 1001 1|", "-rx|core show channels concise|",
                "-rx|channel request hangup PJSIP/1001-00000012|", "-rx|channel request hangup PJSIP/1001-00000019|",
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
