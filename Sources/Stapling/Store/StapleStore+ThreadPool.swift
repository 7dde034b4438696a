import Foundation
import NIOPosix
import OCSPCore
import X509

/// The store's blocking file I/O, run on `NIOThreadPool.singleton` so that the caller (the
/// refresher's actor) never blocks on the disk.
extension StapleStore {
    /// ``load(certificate:issuer:verifier:policy:now:)`` on the thread pool.
    func loadOffThread(
        certificate: Certificate, issuer: OCSPIssuer, verifier: OCSPVerifier, policy: RefreshPolicy, now: Date
    ) async -> LoadResult {
        await Self.offThread {
            load(certificate: certificate, issuer: issuer, verifier: verifier, policy: policy, now: now)
        }
    }

    /// ``save(_:for:)`` on the thread pool.
    func saveOffThread(_ staple: Staple, for key: CertificateKey) async throws(StoreError) {
        let result: Result<Void, StoreError> = await Self.offThread {
            do throws(StoreError) {
                try save(staple, for: key)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    /// ``remove(_:)`` on the thread pool.
    func removeOffThread(_ key: CertificateKey) async {
        await Self.offThread { remove(key) }
    }

    /// Runs `work` on the shared thread pool; inline if the pool is not running (it always is: it is
    /// the process-wide singleton).
    private static func offThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        do {
            return try await NIOThreadPool.singleton.runIfActive(work)
        } catch {
            return work()
        }
    }
}
