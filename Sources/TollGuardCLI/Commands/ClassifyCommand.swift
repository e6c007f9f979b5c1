import ArgumentParser
import Foundation
import TollGuardCore

struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Show how dialled numbers are classified and priced under the site's dial plan.",
        discussion: """
            Each number is normalized (formatting, SIP/tel URIs, outside-line prefix), then classified: scope \
            (internal, emergency, short_code, national, same_code_other_region, international, invalid), E.164, \
            region, calling code, number type and risk evidence, with the per-minute price from the stored rate \
            deck (or the fallback rate). Numbers named as arguments are answered in a table (--json: one JSON \
            object per line). '-' (standard input) or --file reads a stream of numbers, one per line, answered \
            one line each in input order on every core: tab-separated with a header, or one JSON object with --json.
            """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: "Home region (ISO 3166, e.g. US, DE) instead of [dialplan] home_region.")
    var homeRegion: String?

    @Option(name: .long, help: "Outside-line prefix (e.g. 9 or 0) instead of [dialplan] outside_line_prefixes.")
    var outsidePrefix: String?

    @Option(name: .long, help: "Dial-plan context whose overrides apply.")
    var context = ""

    @Option(name: .long, help: "Read the numbers from this file, one per line (as '-' reads standard input).")
    var file: String?

    @Argument(help: "Dialled numbers ('-' reads them from standard input, one per line).")
    var numbers: [String] = []

    func validate() throws {
        if numbers.isEmpty && file == nil {
            throw ValidationError("name at least one number, '-' for standard input, or --file")
        }
        let streams = numbers.count { $0 == "-" } + (file == nil ? 0 : 1)
        let named = numbers.count { $0 != "-" }
        if streams > 1 || (streams == 1 && named > 0) {
            throw ValidationError("read numbers from one place: arguments, '-' or --file")
        }
    }

    func run() throws {
        var configuration = try global.loadConfiguration().configuration
        if let homeRegion { configuration.dialplan.site.homeRegion = homeRegion }
        if let outsidePrefix {
            configuration.dialplan.site.outsideLinePrefixes = outsidePrefix.isEmpty ? [] : [outsidePrefix]
        }
        let database = try global.openExistingDatabase(configuration)
        let rater = try global.destinationRater(configuration, database: database)
        let classifier = rater.classifier(forContext: context)
        let stream = ClassificationStream(
            classifier: classifier, rater: rater, format: output.json ? .json : .tabSeparated)

        if file != nil || numbers == ["-"] {
            // A stream: answered in blocks on every core, one line each (tab-separated, or JSON).
            var input = STDIN_FILENO
            if let file {
                input = open(file, O_RDONLY | O_CLOEXEC)
                guard input >= 0 else {
                    throw CommandFailure("cannot read \(file): \(String(cString: strerror(errno)))")
                }
            }
            defer { if input != STDIN_FILENO { close(input) } }
            do {
                _ = try stream.run(input: input, output: STDOUT_FILENO)
            } catch let error as FileReadError {
                throw CommandFailure(error.description)
            }
            return
        }
        if output.json {
            FileHandle.standardOutput.write(Data(stream.answers(for: numbers)))
            return
        }
        var table = TextTable("dialled", "scope", "e164", "region", "type", "risk", "per min")
        for dialled in numbers {
            let classification = classifier.classify(dialled)
            let price = rater.price(classification, billsec: 60, startedAt: Date())
            var risk = classification.risk.labels
            if price.usedFallback { risk.append("unpriced") }
            if let hotspot = classification.hotspot, let index = risk.firstIndex(of: "irsf_hotspot") {
                risk[index] = "irsf_hotspot(+\(hotspot.prefix), \(hotspot.sourceCount) sources)"
            }
            table.append([
                dialled, classification.scope.rawValue, classification.e164 ?? "-", classification.region ?? "-",
                classification.numberType?.rawValue ?? classification.shortNumberCost.map {
                    "short code, \($0.rawValue)"
                } ?? "-",
                risk.isEmpty ? "-" : risk.joined(separator: ","),
                price.ratePerMinuteMicros.map { Money.format($0) } ?? "-",
            ])
        }
        print(table.render())
    }
}
