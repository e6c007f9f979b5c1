/// Per-subject analyzer state, stored in an array by the subject's ordinal.
package struct SubjectTable<State: Sendable>: Sendable {
    private var states: [State?] = []

    package init() {}

    /// Runs `body` on the subject's state in place, creating it with `make` first.
    package mutating func update<Result>(
        _ policy: SubjectPolicy, creating make: () -> State, _ body: (inout State) -> Result
    ) -> Result {
        let index = policy.ordinal
        if index >= states.count { states.append(contentsOf: repeatElement(nil, count: index - states.count + 1)) }
        // Moved out and back so the state is uniquely referenced and grows in place.
        var state = states[index].take() ?? make()
        defer { states[index] = state }
        return body(&state)
    }

    /// The subject's state, if it has one.
    package subscript(policy: SubjectPolicy) -> State? {
        policy.ordinal < states.count ? states[policy.ordinal] : nil
    }

    /// Applies `body` to every state, dropping those it returns false for.
    package mutating func prune(_ keep: (inout State) -> Bool) {
        for index in states.indices {
            guard var state = states[index].take() else { continue }
            if keep(&state) { states[index] = state }
        }
    }
}

extension SubjectTable: Codable where State: Codable {}
