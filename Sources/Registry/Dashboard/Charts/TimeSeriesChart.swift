import FleetCore

/// Points over time, one colour per series (devices' p95 latency per version, at the time each reported).
struct TimeSeriesChart {
    struct Series {
        var name: String
        var points: [(at: Timestamp, value: Double)]
    }

    var title: String
    var series: [Series]
    var format: @Sendable (Double) -> String

    var svg: HTML {
        let points = series.flatMap(\.points)
        guard let first = points.map(\.at).min(), let last = points.map(\.at).max() else {
            return "<p class=\"muted\">No reports yet.</p>"
        }
        let width = 600.0
        let height = 220.0
        let left = 90.0
        let bottom = 30.0
        let top = 10.0
        let right = 10.0
        let maximum = max(points.map(\.value).max() ?? 0, 0.001) * 1.1
        let span = Double(max(last.secondsSinceEpoch - first.secondsSinceEpoch, 1))
        func x(_ at: Timestamp) -> String {
            let fraction = points.count == 1 ? 0.5 : Double(at.secondsSinceEpoch - first.secondsSinceEpoch) / span
            return ChartPalette.coordinate(left + (width - left - right) * fraction)
        }
        func y(_ value: Double) -> String { ChartPalette.coordinate(top + (height - top - bottom) * (1 - value / maximum)) }
        let dots = series.enumerated().map { index, line -> HTML in
            let sorted = line.points.sorted { $0.at < $1.at }
            let path: HTML =
                sorted.count > 1
                ? "<polyline fill=\"none\" stroke=\"\(ChartPalette.color(index))\" stroke-width=\"1.5\" points=\"\(sorted.map { "\(x($0.at)),\(y($0.value))" }.joined(separator: " "))\"/>"
                : ""
            let circles = sorted.map { point -> HTML in
                "<circle cx=\"\(x(point.at))\" cy=\"\(y(point.value))\" r=\"3.5\" fill=\"\(ChartPalette.color(index))\"><title>\(line.name) at \(point.at): \(format(point.value))</title></circle>"
            }
            return path + HTML(trusted: circles.map(\.description).joined())
        }
        let axisY = ChartPalette.coordinate(height - bottom)
        return """
            <svg class="chart" viewBox="0 0 \(ChartPalette.coordinate(width)) \(ChartPalette.coordinate(height))" role="img" aria-label="\(title) from \(first) to \(last)">\
            <title>\(title)</title>\
            <line x1="\(ChartPalette.coordinate(left))" y1="\(axisY)" x2="\(ChartPalette.coordinate(width - right))" y2="\(axisY)" stroke="#5b6575"/>\
            <line x1="\(ChartPalette.coordinate(left))" y1="\(ChartPalette.coordinate(top))" x2="\(ChartPalette.coordinate(left))" y2="\(axisY)" stroke="#5b6575"/>\
            <text x="\(ChartPalette.coordinate(left - 6))" y="\(ChartPalette.coordinate(top + 10))" text-anchor="end">\(format(maximum))</text>\
            <text x="\(ChartPalette.coordinate(left - 6))" y="\(axisY)" text-anchor="end">0</text>\
            <text x="\(ChartPalette.coordinate(left))" y="\(ChartPalette.coordinate(height - 8))">\(first)</text>\
            <text x="\(ChartPalette.coordinate(width - right))" y="\(ChartPalette.coordinate(height - 8))" text-anchor="end">\(last)</text>\
            \(dots)</svg>\(ChartPalette.legend(series.map(\.name)))
            """
    }
}
