import RemitClient
import RemitProtocol
import XCTest

extension XCTestCase {
    /// Polls GetTransfer until the transfer is paid, partly paid, refunded or reversed, or
    /// `seconds` have passed (then returns what it last read).
    func final(_ id: ID128, _ client: RemitClient, seconds: Int = 30) async throws -> TransferStatus {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while true {
            let status = try await client.transfer(id)
            if [.paid, .partiallyPaid, .refunded, .reversed].contains(status.state) || ContinuousClock.now > deadline {
                return status
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
