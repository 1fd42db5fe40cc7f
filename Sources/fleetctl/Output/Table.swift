/// Plain-text tables for an 80-column terminal: columns as wide as their content, and the widest
/// columns cut (with `…`) until the row fits.
struct Table {
    var headers: [String]
    var rows: [[String]]
    var width = 80

    func render() -> String {
        let columns = headers.count
        var widths = (0..<columns).map { column in ([headers[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0 }
        let gaps = 2 * max(0, columns - 1)
        while widths.reduce(0, +) + gaps > width, let widest = widths.indices.max(by: { widths[$0] < widths[$1] }), widths[widest] > 4 {
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
