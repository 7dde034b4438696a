import ArgumentParser
import Foundation
import Logging
import StapleFleet

/// `--store` and its companions: a fleet of `staple serve` (and `staple run`) nodes sharing one
/// staple store on PostgreSQL, so that one node fetches per certificate and the others install
/// its staple when notified.
struct StoreOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Share staples with other nodes through PostgreSQL: postgresql://USER@HOST:PORT/DATABASE?sslmode=MODE "
                + "(disable, prefer, require, verify-ca, verify-full; sslrootcert=FILE). "
                + "The password comes from PGPASSWORD or --store-password-file, never the URL.",
            valueName: "url"))
    var store: String?

    @Option(help: ArgumentHelp("File whose first line is the store password.", valueName: "path"))
    var storePasswordFile: String?

    @Option(help: "Seconds a node holds a certificate's lease while it fetches (the database's clock).")
    var storeLease: Int = Int(FleetConfiguration.defaultLeaseDuration)

    @Option(help: "Seconds between catch-up queries: the most a lost notification can delay a staple.")
    var storeCatchUp: Int = Int(FleetConfiguration.defaultCatchUpInterval)

    func validate() throws {
        guard let store else {
            guard storePasswordFile == nil else { throw ValidationError("--store-password-file needs --store") }
            return
        }
        do {
            _ = try StoreURL(store)
        } catch {
            throw ValidationError("--store \(error.message)")
        }
        guard storeLease > 0, storeCatchUp > 0 else { throw ValidationError("--store-lease is seconds, more than 0") }
    }

    /// The fleet node for `--store`, or nil without it.
    ///
    /// - Throws: ``FleetError`` (the password file, the TLS context): unusable input.
    func node(logger: Logger) throws(FleetError) -> FleetNode? {
        guard let store else { return nil }
        let configuration = FleetConfiguration(
            url: try StoreURL(store), password: try StorePassword.resolve(file: storePasswordFile),
            leaseDuration: TimeInterval(storeLease), catchUpInterval: TimeInterval(storeCatchUp))
        return try FleetNode(configuration: configuration, logger: logger)
    }
}
