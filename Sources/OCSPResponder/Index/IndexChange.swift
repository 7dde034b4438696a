/// What changed between two readings of an index: the serials (hex) whose status is new, different or gone.
package struct IndexChange: Hashable, Sendable {
    package var added: [String]
    package var changed: [String]
    package var removed: [String]

    package var isEmpty: Bool { added.isEmpty && changed.isEmpty && removed.isEmpty }

    /// Every serial whose answer differs, for the log.
    package var serials: [String] { (added + changed + removed).sorted() }

    package init(from old: CertificateIndex, to new: CertificateIndex) {
        var added: [String] = []
        var changed: [String] = []
        var removed: [String] = []
        for (serial, entry) in new.entries {
            if let previous = old.entries[serial] {
                if previous != entry { changed.append(serial.hexString) }
            } else {
                added.append(serial.hexString)
            }
        }
        for serial in old.entries.keys where new.entries[serial] == nil { removed.append(serial.hexString) }
        self.added = added.sorted()
        self.changed = changed.sorted()
        self.removed = removed.sorted()
    }
}
