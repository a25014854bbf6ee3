import XCTest
final class PRemitClientTests: XCTestCase { func testNothing() {} }
