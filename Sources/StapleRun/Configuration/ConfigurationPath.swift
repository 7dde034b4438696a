import Foundation

/// Paths as the configuration holds them: absolute, with `.`, `..` and repeated slashes removed.
package enum ConfigurationPath {
    /// `path` made absolute against `directory` (itself made absolute against the working directory)
    /// and normalized.
    package static func resolve(_ path: String, against directory: String) -> String {
        let base = absolute(directory)
        let joined = path.hasPrefix("/") ? path : (base.hasSuffix("/") ? base + path : base + "/" + path)
        return normalize(joined)
    }

    /// `path` made absolute against the working directory and normalized.
    package static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return normalize(path) }
        return normalize(FileManager.default.currentDirectoryPath + "/" + path)
    }

    /// The directory holding `path` (absolute).
    package static func directory(of path: String) -> String {
        let absolute = absolute(path)
        let parent = (absolute as NSString).deletingLastPathComponent
        return parent.isEmpty ? "/" : parent
    }

    /// Removes `.` and empty components and resolves `..` lexically (no symbolic links followed, no `~`).
    static func normalize(_ path: String) -> String {
        var components: [Substring] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..": _ = components.popLast()
            default: components.append(component)
            }
        }
        return "/" + components.joined(separator: "/")
    }
}
