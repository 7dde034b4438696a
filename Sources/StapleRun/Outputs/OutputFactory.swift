import Logging

/// Makes the outputs one site's configuration asks for.
package enum OutputFactory {
    package static func outputs(for site: SiteConfiguration, logger: Logger) throws -> [any StapleOutput] {
        var outputs: [any StapleOutput] = []
        if let directory = site.directory {
            outputs.append(DirectoryOutput(directory: directory, site: site.name))
        }
        return outputs
    }
}
