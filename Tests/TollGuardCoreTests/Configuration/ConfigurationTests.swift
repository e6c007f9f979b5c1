import Foundation
import Testing
import TollGuardCore

@Suite struct ConfigurationTests {
    @Test func emptyFileGivesDefaults() throws {
        let loaded = try ConfigurationLoader.decode("")
        #expect(loaded.configuration == TollGuardConfiguration())
        #expect(loaded.configuration.ingest.batchSize == 10_000)
        #expect(loaded.configuration.site.timezone == "local")
    }

    /// The example configuration is what the Debian package installs as
    /// `/etc/tollguard/tollguard.toml`: every key it writes is a setting, its values are the
    /// defaults (but the places of the store and the reports), and it is valid as installed.
    @Test func theExampleConfigurationIsTheDefaults() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
                "Data/tollguard.example.toml")
        let loaded = try ConfigurationLoader.load(explicitPath: example.path, environment: [:])
        #expect(loaded.unknownKeys.isEmpty)
        #expect(loaded.configuration.validationErrors().isEmpty)
        #expect(loaded.configuration.database.path == "/var/lib/tollguard/tollguard.sqlite")
        #expect(loaded.configuration.reports.directory == "/var/lib/tollguard/reports")
        #expect(loaded.configuration.ingest.files.isEmpty)
        var defaults = TollGuardConfiguration()
        defaults.database.path = loaded.configuration.database.path
        defaults.reports.directory = loaded.configuration.reports.directory
        #expect(loaded.configuration == defaults)
    }

    /// A decimal setting may be written as a whole number (`timeout_seconds = 10`, as the example
    /// configuration has it) or with a fraction.
    @Test func decimalSettingsTakeWholeNumbers() throws {
        let loaded = try ConfigurationLoader.decode(
            """
            [cdr_tail]
            poll_seconds = 2
            [event_socket]
            heartbeat_timeout_seconds = 30
            [[hooks]]
            name = "pbx"
            type = "program"
            path = "/usr/local/bin/block.sh"
            events = ["suspend"]
            timeout_seconds = 10
            [[hooks]]
            name = "chat"
            type = "program"
            path = "/usr/local/bin/notify.sh"
            events = ["alert"]
            timeout_seconds = 2.5
            """)
        #expect(loaded.configuration.cdrTail.pollSeconds == 2)
        #expect(loaded.configuration.eventSocket.heartbeatTimeoutSeconds == 30)
        #expect(loaded.configuration.hooks.map(\.timeoutSeconds) == [10, 2.5])
    }

    @Test func settingsAndUnknownKeys() throws {
        let loaded = try ConfigurationLoader.decode(
            """
            version = 1
            [site]
            timezone = "Europe/Berlin"
            [ingest]
            batch_size = 500
            batchsize = 9
            [ingest.csv.columns]
            destination = "dialed"
            """)
        #expect(loaded.configuration.site.timezone == "Europe/Berlin")
        #expect(loaded.configuration.siteTimeZone?.identifier == "Europe/Berlin")
        #expect(loaded.configuration.ingest.batchSize == 500)
        #expect(loaded.configuration.ingest.csv.columns == ["destination": "dialed"])
        #expect(loaded.unknownKeys == ["ingest.batchsize"])
        #expect(loaded.configuration.validationErrors().isEmpty)
    }

    @Test func invalidValuesAreNamed() throws {
        let loaded = try ConfigurationLoader.decode(
            """
            version = 7
            [site]
            timezone = "Mars/Olympus"
            [ingest.csv.columns]
            dialled = "x"
            """)
        let errors = loaded.configuration.validationErrors().joined(separator: "\n")
        #expect(errors.contains("version = 7"))
        #expect(errors.contains("Mars/Olympus"))
        #expect(errors.contains("ingest.csv.columns.dialled"))
    }

    @Test func syntaxAndTypeErrorsNameTheProblem() {
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.decode("[site\ntimezone = 1") }
        do {
            _ = try ConfigurationLoader.decode("[ingest]\nbatch_size = \"many\"", path: "x.toml")
            Issue.record("a string batch size must not decode")
        } catch {
            #expect(error.description.contains("x.toml"))
            #expect(error.description.contains("batch_size"))
        }
    }

    @Test func dumpRoundTrips() throws {
        var configuration = TollGuardConfiguration()
        configuration.site.timezone = "America/Chicago"
        configuration.ingest.csv.columns = ["account": "ext"]
        let text = try ConfigurationLoader.dump(configuration)
        #expect(try ConfigurationLoader.decode(text).configuration == configuration)
    }

    /// One `[event_socket]` table reads as it always did (off unless `enabled`); `[[event_socket]]`
    /// and `[[ami]]` list the switches of a site, each read unless disabled, each with its name.
    @Test func theSwitchesOfASiteAreListedByName() throws {
        let single = try ConfigurationLoader.decode("[event_socket]\nport = 8022\n").configuration
        #expect(single.eventSockets.count == 1 && single.eventSocket.port == 8022 && !single.eventSocket.enabled)
        #expect(single.liveSwitchNames.isEmpty)

        let site = try ConfigurationLoader.decode(
            """
            [[event_socket]]
            name = "fs-west"
            port = 8021
            [[event_socket]]
            name = "fs-old"
            enabled = false
            [[ami]]
            name = "pbx-east"
            host = "10.0.0.5"
            kill_cause = 17
            [[ami]]
            name = "pbx-lab"
            enabled = false
            """)
        #expect(site.unknownKeys.isEmpty)
        let configuration = site.configuration
        #expect(configuration.validationErrors(includingDialPlan: false).isEmpty)
        #expect(configuration.liveSwitchNames == ["fs-west", "pbx-east"])
        #expect(configuration.managers[0].host == "10.0.0.5" && configuration.managers[0].killCause == 17)
        #expect(configuration.managers[0].eventClasses == "call,cdr,system,security")
        #expect(configuration.killPolicy(ofSwitch: "pbx-east") == configuration.managers[0].killPolicy)
        // The dump reads back the same.
        #expect(try ConfigurationLoader.decode(ConfigurationLoader.dump(configuration)).configuration == configuration)

        do {
            _ = try ConfigurationLoader.decode("[[ami]]\nsecret = \"in the file\"\n", path: "t.toml")
            Issue.record("an unknown key in [[ami]] must be refused")
        } catch {
            #expect(error.description.contains("\"secret\" is not a [[ami]] setting"), "\(error)")
        }
    }

    @Test func switchNamesAndManagerSettingsAreChecked() throws {
        var configuration = TollGuardConfiguration()
        var socket = EventSocketSettings()
        socket.name = "pbx"
        socket.enabled = true
        var twin = AMISettings()
        twin.name = "pbx"
        twin.killCause = 300
        twin.authentication = "none"
        var spaced = AMISettings()
        spaced.name = "bad name"
        configuration.eventSockets = [socket]
        configuration.managers = [twin, spaced]
        let errors = configuration.validationErrors(includingDialPlan: false).joined(separator: "\n")
        #expect(errors.contains("ami[0].name \"pbx\" is used by another switch"))
        #expect(errors.contains("ami[0].kill_cause must be a Q.850 cause"))
        #expect(errors.contains("ami[0].authentication \"none\""))
        #expect(errors.contains("ami[1].name \"bad name\""))
    }
}
