import ArgumentParser

/// The command reference of the operators' documentation (`Documentation.docc/CommandReference.md`),
/// made from the commands themselves: every command's `--help`, as `tollguard` prints it.
///
/// `CommandReferenceTests` compares the checked-in article with this text, so the reference
/// cannot drift from `--help`; `TOLLGUARD_UPDATE_REFERENCE=1 swift test --filter CommandReference`
/// writes it anew after a command changed.
enum CommandReferencePage {
    /// Width of the help text in the article.
    static let columns = 100

    /// The whole article.
    static func markdown() -> String {
        var text = """
            # Command reference

            Every `tollguard` command with its options, exactly as `tollguard COMMAND --help` prints them.

            Every command takes `--config FILE` and `--db FILE`; `TOLLGUARD_CONFIG` and `TOLLGUARD_DB` do
            the same from the environment (flags win over the environment, which wins over the file).
            `TOLLGUARD_LOG_LEVEL=debug` shows every log line, rejected rows included.

            ## Exit status

            | status | meaning |
            |---|---|
            | 0 | done |
            | 1 | failed, and one line on standard error says why: a store, file or configuration problem, an alert or list that does not exist, a change that is not allowed, a hook delivery that failed (`hooks deliver`, `hooks retry`) |
            | 3 | `ingest --strict`: rows were rejected (the good rows are loaded) |
            | 64 | a usage mistake: a missing argument or a value of the wrong form; the usage is printed |

            This page is generated from the commands; do not edit it by hand.

            """
        for (path, command) in commands(under: TollGuardCommand.self, path: ["tollguard"]) {
            let name = path.joined(separator: " ")
            text += "\n## \(name)\n\n"
            if !command.configuration.abstract.isEmpty { text += command.configuration.abstract + "\n\n" }
            text += "```\n"
            text += TollGuardCommand.helpMessage(for: command, columns: columns)
                .split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.hasSuffix(" ") ? String($0.reversed().drop { $0 == " " }.reversed()) : String($0) }
                .joined(separator: "\n")
                .trimmingTrailingNewlines()
            text += "\n```\n"
        }
        return text
    }

    /// Every command below `root`, depth first, with its path of names.
    static func commands(under root: any ParsableCommand.Type, path: [String]) -> [(
        path: [String], command: any ParsableCommand.Type
    )] {
        var found: [(path: [String], command: any ParsableCommand.Type)] = []
        for command in root.configuration.subcommands where command.configuration.shouldDisplay {
            let commandPath = path + [command._commandName]
            found.append((commandPath, command))
            found += commands(under: command, path: commandPath)
        }
        return found
    }
}

extension String {
    fileprivate func trimmingTrailingNewlines() -> String {
        var text = self
        while text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}
