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
            deck (or the fallback rate). '-' reads one number per line from standard input; with --json each \
            answer is one JSON object per line.
            """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: "Home region (ISO 3166, e.g. US, DE) instead of [dialplan] home_region.")
    var homeRegion: String?

    @Option(name: .long, help: "Outside-line prefix (e.g. 9 or 0) instead of [dialplan] outside_line_prefixes.")
    var outsidePrefix: String?

    @Option(name: .long, help: "Dial-plan context whose overrides apply.")
    var context = ""

    @Argument(help: "Dialled numbers ('-' reads them from standard input).")
    var numbers: [String]

    func validate() throws {
        if numbers.isEmpty { throw ValidationError("name at least one number, or '-' for standard input") }
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
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var table = TextTable("dialled", "scope", "e164", "region", "type", "risk", "per min")

        func handle(_ dialled: String) throws {
            let classification = classifier.classify(dialled)
            let price = rater.price(classification, billsec: 60, startedAt: Date())
            let perMinute = price.ratePerMinuteMicros.map { Money.format($0) }
            var risk = classification.risk.labels
            if price.usedFallback { risk.append("unpriced") }
            if output.json {
                let answer = ClassificationAnswer(
                    dialed: dialled, scope: classification.scope.rawValue, e164: classification.e164,
                    region: classification.region, callingCode: classification.callingCode,
                    numberType: classification.numberType?.rawValue,
                    shortNumberCost: classification.shortNumberCost?.rawValue,
                    risk: risk,
                    hotspot: classification.hotspot.map {
                        HotspotAnswer(
                            prefix: "+" + $0.prefix, country: $0.country, sources: $0.sourceCount, evidence: $0.evidence
                        )
                    },
                    costPerMin: perMinute, ratePrefix: price.ratePrefix.map { "+" + $0 })
                print(String(decoding: try encoder.encode(answer), as: UTF8.self))
            } else {
                var riskText = risk
                if let hotspot = classification.hotspot, let index = riskText.firstIndex(of: "irsf_hotspot") {
                    riskText[index] = "irsf_hotspot(+\(hotspot.prefix), \(hotspot.sourceCount) sources)"
                }
                table.append([
                    dialled, classification.scope.rawValue, classification.e164 ?? "-",
                    classification.region ?? "-",
                    classification.numberType?.rawValue ?? classification.shortNumberCost.map {
                        "short code, \($0.rawValue)"
                    } ?? "-",
                    riskText.isEmpty ? "-" : riskText.joined(separator: ","), perMinute ?? "-",
                ])
            }
        }

        for argument in numbers {
            if argument == "-" {
                while let line = readLine() {
                    let trimmed = line.trimmingCharacters(in: .whitespaces)
                    if !trimmed.isEmpty { try handle(trimmed) }
                }
            } else {
                try handle(argument)
            }
        }
        if !output.json { print(table.render()) }
    }
}

/// `classify --json` output: one object per number.
struct ClassificationAnswer: Encodable {
    var dialed: String
    var scope: String
    var e164: String?
    var region: String?
    var callingCode: Int?
    var numberType: String?
    var shortNumberCost: String?
    var risk: [String]
    var hotspot: HotspotAnswer?
    var costPerMin: String?
    var ratePrefix: String?

    enum CodingKeys: String, CodingKey {
        case dialed, scope, e164, region, risk, hotspot
        case callingCode = "calling_code"
        case numberType = "number_type"
        case shortNumberCost = "short_number_cost"
        case costPerMin = "cost_per_min"
        case ratePrefix = "rate_prefix"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(dialed, forKey: .dialed)
        try container.encode(scope, forKey: .scope)
        try container.encode(e164, forKey: .e164)
        try container.encode(region, forKey: .region)
        try container.encode(callingCode, forKey: .callingCode)
        try container.encode(numberType, forKey: .numberType)
        try container.encodeIfPresent(shortNumberCost, forKey: .shortNumberCost)
        try container.encode(risk, forKey: .risk)
        try container.encodeIfPresent(hotspot, forKey: .hotspot)
        try container.encode(costPerMin, forKey: .costPerMin)
        try container.encodeIfPresent(ratePrefix, forKey: .ratePrefix)
    }
}

struct HotspotAnswer: Encodable {
    var prefix: String
    var country: String
    var sources: Int
    var evidence: [String]
}
