import ArgumentParser

/// `--json`: the commands that print tables or summaries print JSON instead, for scripts.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON instead of text (keys in snake_case; times in UTC, ISO 8601).")
    var json = false
}
