import RemitClient
import RemitProtocol
import XCTest

/// The gateway's Error for a request that must be refused; nil (and a failure for anything but
/// a server error) otherwise.
func refusal(file: StaticString = #filePath, line: UInt = #line, _ body: () async throws -> Void) async -> ErrorMessage? {
    do {
        try await body()
        return nil
    } catch RemitClientError.server(let error) {
        return error
    } catch {
        XCTFail("\(error)", file: file, line: line)
        return nil
    }
}
