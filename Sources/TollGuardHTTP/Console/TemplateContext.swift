import Mustache

/// A page's values as the console's templates look them up: every struct read once into a
/// dictionary of its fields.
///
/// swift-mustache finds a name in a struct with `Mirror`, listing all its fields on every lookup,
/// and looks a name a row lacks up in each enclosing struct in turn; rendering 100 queue rows
/// took most of the page's time there (perf of `tollguard serve`, 2026-12-03). ``Fields`` are
/// looked up directly (`MustacheParent`). A missing key and a nil field read the same: the
/// lookup goes on up the stack.
enum TemplateContext {
    /// A struct's fields by name.
    ///
    /// A class of its own, so the template engine's casts to
    /// `MustacheParent` find a plain conformance (a `Dictionary`'s is conditional, and slower to
    /// check, at every lookup).
    final class Fields: MustacheParent {
        let values: [String: Any]

        init(_ values: [String: Any]) { self.values = values }

        func child(named name: String) -> Any? { values[name] }
    }

    /// `value` with its structs (not those with a `description` of their own) made dictionaries,
    /// its optionals unwrapped, its arrays' elements so made; nil for nil.
    static func flatten(_ value: Any) -> Any? {
        switch value {
        case is String, is Bool, is Int, is Int64, is Double: return value
        default: break
        }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            return mirror.children.first.flatMap { flatten($0.value) }
        case .collection:
            return mirror.children.compactMap { flatten($0.value) }
        case .struct where !(value is any CustomStringConvertible):
            var fields: [String: Any] = [:]
            for child in mirror.children {
                if let label = child.label, let field = flatten(child.value) { fields[label] = field }
            }
            return Fields(fields)
        default:
            return value
        }
    }
}
