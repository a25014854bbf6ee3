import XCTest
final class PRemitDomainTests: XCTestCase { func testNothing() {} }
