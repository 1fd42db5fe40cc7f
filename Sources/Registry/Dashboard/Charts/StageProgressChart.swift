/// A rollout's stages as one bar: the share of its target reached so far, a mark at each stage's percentage.
struct StageProgressChart {
    var stages: [Int]
    /// Index of the reached stage.
    var stage: Int
    var state: String

    var svg: HTML {
        let width = 400.0
        let height = 38.0
        let bar = 18.0
        let reached = stages.indices.contains(stage) ? stages[stage] : 0
        let fill = state == "aborted" || state == "rolledBack" ? ChartPalette.color(4) : state == "paused" ? ChartPalette.color(2) : ChartPalette.color(1)
        let marks = stages.enumerated().map { index, percent -> HTML in
            let x = ChartPalette.coordinate(width * Double(percent) / 100)
            return """
                <line x1="\(x)" y1="0" x2="\(x)" y2="\(ChartPalette.coordinate(bar + 4))" stroke="#1d2430" stroke-width="1"/>\
                <text x="\(x)" y="\(ChartPalette.coordinate(height - 2))" text-anchor="\(index == stages.count - 1 ? "end" : "middle")">\(percent)%</text>
                """
        }
        let label = "stage \(stage + 1) of \(stages.count): \(reached)% of the target reached, \(state)"
        return """
            <svg class="chart" viewBox="0 0 \(ChartPalette.coordinate(width)) \(ChartPalette.coordinate(height))" role="img" aria-label="\(label)">\
            <title>\(label)</title>\
            <rect x="0" y="0" width="\(ChartPalette.coordinate(width))" height="\(ChartPalette.coordinate(bar))" fill="#e4e8ee"/>\
            <rect x="0" y="0" width="\(ChartPalette.coordinate(width * Double(reached) / 100))" height="\(ChartPalette.coordinate(bar))" fill="\(fill)"/>\
            \(marks)</svg>
            """
    }
}
