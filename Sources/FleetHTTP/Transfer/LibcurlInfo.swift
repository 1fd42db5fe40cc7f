import CCurl

/// Facts about the libcurl this process runs against, for `--version` output and device profiles.
public enum LibcurlInfo {
    /// libcurl's own version string, e.g. `libcurl/7.88.1 OpenSSL/3.0.15 zlib/1.2.13`.
    public static var version: String {
        guard let text = curl_version() else { return "libcurl (unknown version)" }
        return String(cString: text)
    }

    /// The protocols this libcurl was built with (the agent needs at least `http` and `https`).
    public static var protocols: [String] {
        guard let info = modelfleet_curl_version_info(), var cursor = info.pointee.protocols else { return [] }
        var names: [String] = []
        while let name = cursor.pointee {
            names.append(String(cString: name))
            cursor += 1
        }
        return names
    }
}
