import Testing

@testable import FleetHTTP

@Suite struct LibcurlInfoTests {
    @Test func linksAgainstALibcurlThatSpeaksHTTP() {
        #expect(LibcurlInfo.version.hasPrefix("libcurl/"))
        #expect(LibcurlInfo.protocols.contains("http"))
        #expect(LibcurlInfo.protocols.contains("https"))
    }
}
