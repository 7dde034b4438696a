import ArgumentParser
import Foundation
import Logging
import StapleFleet

/// `--store` and its companions: a fleet of `staple serve` and `staple run` nodes sharing one
/// staple store on PostgreSQL, so that one node fetches per certificate and the others install
/// its staple when notified. `staple run` also reads `store:` and `store_password_file:` from its
/// YAML; the options override them.
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
        guard storeLease > 0, storeCatchUp > 0 else {
            throw ValidationError("--store-lease and --store-catch-up are seconds, more than 0")
        }
        guard let store else { return }
        do {
            _ = try StoreURL(store)
        } catch {
            throw ValidationError("--store \(error.message)")
        }
    }

    /// The fleet configuration for `url` (nil: no store) and its password, with these options' timings.
    ///
    /// - Throws: ``FleetError``: the URL, the password file, or a password file without a store
    ///   (unusable input).
    func configuration(url: String?, passwordFile: String?) throws(FleetError) -> FleetConfiguration? {
        guard let url else {
            if let passwordFile {
                throw FleetError(
                    .passwordFile, subject: passwordFile,
                    reason: "a store password file is given, but no store (--store, or store: in the configuration)")
            }
            return nil
        }
        return FleetConfiguration(
            url: try StoreURL(url), password: try StorePassword.resolve(file: passwordFile),
            leaseDuration: TimeInterval(storeLease), catchUpInterval: TimeInterval(storeCatchUp))
    }
}
