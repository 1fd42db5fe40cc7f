/// Plain-text tables for an 80-column terminal: columns as wide as their content; when a row is too
/// wide, the widest column that may shrink is cut (with `…`) until it fits. Ids and other values an
/// operator copies are kept whole by leaving them out of `shrinkable`.
struct Table {
    var headers: [String]
    var rows: [[String]]
    /// Columns that may be cut; by default every column but the first.
    var shrinkable: Set<Int>? = nil
    var width = 80

    func render() -> String {
        let columns = headers.count
        let mayShrink = shrinkable ?? Set(1..<max(1, columns))
        var widths = (0..<columns).map { column in ([headers[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0 }
        let gaps = 2 * max(0, columns - 1)
        while widths.reduce(0, +) + gaps > width,
            let widest = mayShrink.filter({ widths[$0] > 4 }).max(by: { widths[$0] < widths[$1] })
        {
            widths[widest] -= 1
        }
        return ([headers] + rows).map { row in
            row.enumerated().map { column, cell in
                let fitted = cell.count > widths[column] ? String(cell.prefix(widths[column] - 1)) + "…" : cell
                return column == columns - 1 ? fitted : fitted.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

/// `label:    text`, wrapped at word boundaries to 80 columns with continuation lines under the text.
enum Field {
    static func line(_ label: String, _ text: String, width: Int = 80) -> String {
        let indent = 10
        var lines: [String] = []
        var current = (label + ":").padding(toLength: indent, withPad: " ", startingAt: 0)
        var empty = true
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if !empty, current.count + 1 + word.count > width {
                lines.append(current)
                current = String(repeating: " ", count: indent)
                empty = true
            }
            current += (empty ? "" : " ") + word
            empty = false
        }
        lines.append(current)
        return lines.joined(separator: "\n")
    }
}
