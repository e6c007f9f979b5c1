// Writes a Swift file that carries TollGuard's reference data (Data/…) as string literals,
// so the `tollguard` binary needs no files beside it. Run by ReferenceDataPlugin at build time.
//
//     ReferenceDataEmbedder OUTPUT.swift DATA_DIR RELATIVE_PATH...
import Foundation

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: ReferenceDataEmbedder OUTPUT DATA_DIR FILE...\n".utf8))
    exit(2)
}
let output = URL(fileURLWithPath: arguments[1])
let dataDirectory = URL(fileURLWithPath: arguments[2])
var source = """
    // Generated at build time from Data/ by ReferenceDataPlugin. Do not edit.

    /// Reference data files shipped inside the binary, by their path under `Data/`.
    package enum EmbeddedReferenceData {
        package static let files: [String: String] = [

    """
for relativePath in arguments.dropFirst(3).sorted() {
    let text = try String(contentsOf: dataDirectory.appendingPathComponent(relativePath), encoding: .utf8)
    var hashes = "#"
    while text.contains("\"" + hashes) { hashes += "#" }
    source += "        \"\(relativePath)\": \(hashes)\"\"\"\n\(text)\n\"\"\"\(hashes),\n"
}
source += "    ]\n}\n"
try source.write(to: output, atomically: true, encoding: .utf8)
