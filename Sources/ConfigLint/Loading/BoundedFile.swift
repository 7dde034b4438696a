import Foundation

/// Reading files named by untrusted configurations: regular files only, never more than a limit.
enum BoundedFile {
    enum Problem: Error, Hashable, Sendable, CustomStringConvertible {
        case missing
        case notRegularFile
        case tooLarge(size: Int, limit: Int)
        case unreadable

        var description: String {
            switch self {
            case .missing: "does not exist"
            case .notRegularFile: "is not a regular file"
            case .tooLarge(let size, let limit): "is \(size) bytes, over the \(limit)-byte limit"
            case .unreadable: "cannot be read (permissions?)"
            }
        }
    }

    /// The bytes of the regular file at `path`, at most `limit` of them.
    ///
    /// Devices, FIFOs and directories are refused before opening, so `/dev/zero` cannot hang a lint.
    static func read(_ path: String, limit: Int) -> Result<[UInt8], Problem> {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return .failure(errno == ENOENT || errno == ENOTDIR ? .missing : .unreadable)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return .failure(.notRegularFile) }
        guard Int(info.st_size) <= limit else { return .failure(.tooLarge(size: Int(info.st_size), limit: limit)) }
        guard let handle = FileHandle(forReadingAtPath: path) else { return .failure(.unreadable) }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: limit + 1) else { return .success([]) }
        guard data.count <= limit else { return .failure(.tooLarge(size: data.count, limit: limit)) }
        return .success(Array(data))
    }

    /// Whether `path` is a directory.
    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Whether something exists at `path`.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// The entries of a directory, sorted, as full paths (hidden files skipped).
    static func directoryEntries(_ path: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return [] }
        return names.filter { !$0.hasPrefix(".") }.sorted().map { PathResolution.join(path, $0) }
    }
}

/// Relative paths, globs and canonical names.
enum PathResolution {
    /// `path` if absolute, otherwise `base/path`.
    static func resolve(_ path: String, against base: String) -> String {
        path.hasPrefix("/") ? path : join(base, path)
    }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    static func directory(of path: String) -> String {
        let dir = (path as NSString).deletingLastPathComponent
        return dir.isEmpty ? "." : dir
    }

    /// Whether `pattern` has glob characters (`*`, `?`, `[`).
    static func isGlob(_ pattern: String) -> Bool {
        pattern.contains { $0 == "*" || $0 == "?" || $0 == "[" }
    }

    /// The sorted paths matching a glob pattern (empty when none match).
    static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        var paths: [String] = []
        for index in 0..<Int(result.gl_pathc) {
            if let cString = result.gl_pathv[index] { paths.append(String(cString: cString)) }
        }
        return paths.sorted()
    }

    /// The canonical path (symbolic links resolved), or `path` when it cannot be resolved.
    static func canonical(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
