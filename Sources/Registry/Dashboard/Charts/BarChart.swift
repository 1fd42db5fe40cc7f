/// Vertical bars in pairs: for each category, a highlighted value against a full-height reference
/// (the bytes a device downloads to reach a version, against the version's whole stored size).
struct BarChart {
    struct Bar {
        var category: String
        var value: Double
        var reference: Double
    }

    var title: String
    var valueName: String
    var referenceName: String
    var bars: [Bar]
    /// How an axis value is spelt (bytes, milliseconds).
    var format: @Sendable (Double) -> String

    var svg: HTML {
        let width = 600.0
        let height = 220.0
        let left = 90.0
        let bottom = 36.0
        let top = 22.0
        let maximum = max(bars.map { max($0.value, $0.reference) }.max() ?? 0, 1)
        let plotHeight = height - bottom - top
        let slot = (width - left) / Double(max(bars.count, 1))
        let barWidth = min(40, slot * 0.35)
        func y(_ value: Double) -> Double { top + plotHeight * (1 - value / maximum) }
        let columns = bars.enumerated().map { index, bar -> HTML in
            let x = left + slot * Double(index) + slot / 2
            return """
                <rect x="\(ChartPalette.coordinate(x - barWidth))" y="\(ChartPalette.coordinate(y(bar.reference)))" width="\(ChartPalette.coordinate(barWidth))" height="\(ChartPalette.coordinate(plotHeight + top - y(bar.reference)))" fill="\(ChartPalette.color(6))"><title>\(bar.category) \(referenceName): \(format(bar.reference))</title></rect>\
                <rect x="\(ChartPalette.coordinate(x))" y="\(ChartPalette.coordinate(y(bar.value)))" width="\(ChartPalette.coordinate(barWidth))" height="\(ChartPalette.coordinate(plotHeight + top - y(bar.value)))" fill="\(ChartPalette.color(0))"><title>\(bar.category) \(valueName): \(format(bar.value))</title></rect>\
                <text x="\(ChartPalette.coordinate(x + barWidth / 2))" y="\(ChartPalette.coordinate(y(bar.value) - 4))" text-anchor="middle">\(format(bar.value))</text>\
                <text x="\(ChartPalette.coordinate(x))" y="\(ChartPalette.coordinate(height - bottom + 16))" text-anchor="middle">\(bar.category)</text>
                """
        }
        let label = "\(title): " + bars.map { "\($0.category) \(format($0.value)) of \(format($0.reference))" }.joined(separator: "; ")
        return """
            <svg class="chart" viewBox="0 0 \(ChartPalette.coordinate(width)) \(ChartPalette.coordinate(height))" role="img" aria-label="\(label)">\
            <title>\(title)</title>\
            <line x1="\(ChartPalette.coordinate(left))" y1="\(ChartPalette.coordinate(top + plotHeight))" x2="\(ChartPalette.coordinate(width))" y2="\(ChartPalette.coordinate(top + plotHeight))" stroke="#5b6575"/>\
            <text x="\(ChartPalette.coordinate(left - 6))" y="\(ChartPalette.coordinate(top + 10))" text-anchor="end">\(format(maximum))</text>\
            <text x="\(ChartPalette.coordinate(left - 6))" y="\(ChartPalette.coordinate(top + plotHeight))" text-anchor="end">0</text>\
            \(columns)</svg>\(ChartPalette.legend([referenceName, valueName], colors: [ChartPalette.color(6), ChartPalette.color(0)]))
            """
    }
}
