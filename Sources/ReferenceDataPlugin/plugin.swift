import Foundation
import PackagePlugin

/// Embeds the reference data under `Data/` into the target that uses this plugin, so the
/// number classifier, hotspot list and example rate deck load without files on disk.
@main
struct ReferenceDataPlugin: BuildToolPlugin {
    /// The files embedded, relative to `Data/`.
    static let files = [
        "numbering/country-codes.csv",
        "numbering/premium-rate-patterns.csv",
        "numbering/international-networks.csv",
        "numbering/nanp-area-codes.csv",
        "numbering/short-numbers.csv",
        "numbering/region-number-patterns.csv",
        "irsf-hotspots.csv",
        "ratedeck-example.csv",
        "hooks/log-event.sh",
    ]

    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let data = context.package.directoryURL.appending(path: "Data")
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedReferenceData.swift")
        return [
            .buildCommand(
                displayName: "Embedding reference data from Data/",
                executable: try context.tool(named: "ReferenceDataEmbedder").url,
                arguments: [output.path, data.path] + Self.files,
                inputFiles: Self.files.map { data.appending(path: $0) },
                outputFiles: [output]
            )
        ]
    }
}
