/// Runs `work` on every item with at most `limit` running at once (requests to a server or the
/// local engine), handing each result with its item's index to `onResult` as it arrives.
func forEachConcurrently<Item: Sendable, Result: Sendable>(
    _ items: [Item], limit: Int, _ work: @escaping @Sendable (Item) async throws -> Result,
    onResult: (Int, Result) throws -> Void
) async throws {
    try await withThrowingTaskGroup(of: (Int, Result).self) { group in
        var next = 0
        func launch() {
            guard next < items.count else { return }
            let index = next, item = items[index]
            next += 1
            group.addTask { (index, try await work(item)) }
        }
        for _ in 0..<max(1, limit) { launch() }
        while let (index, result) = try await group.next() {
            try onResult(index, result)
            launch()
        }
    }
}
