/// A front loop's connections, indexed by descriptor (which the kernel keeps small and dense).
struct FrontTable {
    private var slots: [FrontConnection?] = []
    private(set) var count = 0

    subscript(descriptor: Int32) -> FrontConnection? {
        get { Int(descriptor) < slots.count ? slots[Int(descriptor)] : nil }
    }

    mutating func insert(_ connection: FrontConnection, at descriptor: Int32) {
        let index = Int(descriptor)
        if index >= slots.count {
            slots.append(contentsOf: repeatElement(nil, count: max(index + 1, slots.count * 2) - slots.count))
        }
        if slots[index] == nil { count += 1 }
        slots[index] = connection
    }

    /// Runs `body` on the connection at `descriptor` in place; nil when there is none.
    mutating func update<Result>(_ descriptor: Int32, _ body: (inout FrontConnection) -> Result) -> Result? {
        let index = Int(descriptor)
        guard index < slots.count, slots[index] != nil else { return nil }
        return body(&slots[index]!)
    }

    @discardableResult
    mutating func remove(_ descriptor: Int32) -> FrontConnection? {
        let index = Int(descriptor)
        guard index < slots.count, let connection = slots[index] else { return nil }
        slots[index] = nil
        count -= 1
        return connection
    }

    /// Every descriptor in use.
    var descriptors: [Int32] { slots.indices.compactMap { slots[$0] == nil ? nil : Int32($0) } }
}
