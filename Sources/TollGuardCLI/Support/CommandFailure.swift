/// A command that could not do its work: a store that cannot be opened, a file that cannot be
/// read, an alert that does not exist, a refused change.
///
/// It prints as one line, `Error: …`, and ends the command with exit status 1. A usage mistake
/// (a missing argument, a value of the wrong form) is an `ArgumentParser.ValidationError`
/// instead: exit status 64, with the usage. The exit statuses are listed in the root command's
/// help and in the command reference.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
