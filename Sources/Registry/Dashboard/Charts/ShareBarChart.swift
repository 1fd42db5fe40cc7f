/// Parts of a whole as one stacked bar (versions of a model by share of the fleet's devices).
struct ShareBarChart {
    var title: String
    /// Name and share (0…1) of each part, drawn left to right; what they leave is drawn empty.
    var parts: [(name: String, share: Double)]

    var svg: HTML {
        let width = 600.0
        let height = 22.0
        var x = 0.0
        let rects = parts.enumerated().map { index, part -> HTML in
            let w = width * max(0, min(1, part.share))
            defer { x += w }
            return """
                <rect x="\(ChartPalette.coordinate(x))" y="0" width="\(ChartPalette.coordinate(w))" height="\(ChartPalette.coordinate(height))" fill="\(ChartPalette.color(index))"><title>\(part.name): \(DashboardFormat.percent(part.share))</title></rect>
                """
        }
        let label = "\(title): " + parts.map { "\($0.name) \(DashboardFormat.percent($0.share))" }.joined(separator: ", ")
        return """
            <svg class="chart" viewBox="0 0 \(ChartPalette.coordinate(width)) \(ChartPalette.coordinate(height))" role="img" aria-label="\(label)">\
            <rect x="0" y="0" width="\(ChartPalette.coordinate(width))" height="\(ChartPalette.coordinate(height))" fill="#e4e8ee"/>\(rects)</svg>\
            \(ChartPalette.legend(parts.map { "\($0.name) (\(DashboardFormat.percent($0.share)))" }))
            """
    }
}
