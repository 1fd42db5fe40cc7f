/// Series colours shared by the charts and their legends, distinguishable on screen and in print.
enum ChartPalette {
    static let colors = ["#1f5fbf", "#23833f", "#b26a00", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d", "#d35400"]

    static func color(_ index: Int) -> String { colors[index % colors.count] }

    /// A legend: one swatch and name per series, in series order (the palette's colours unless `colors` names them).
    static func legend(_ names: [String], colors: [String]? = nil) -> HTML {
        let items = names.enumerated().map { index, name -> HTML in
            // An SVG square, not a styled span: the pages' Content-Security-Policy allows no inline styles.
            "<li><svg class=\"swatch\" viewBox=\"0 0 10 10\" aria-hidden=\"true\"><rect width=\"10\" height=\"10\" fill=\"\(colors?[index] ?? color(index))\"/></svg>\(name)</li>"
        }
        return "<ul class=\"legend\">\(items)</ul>"
    }

    /// A number for an SVG attribute: two decimals at most, never an exponent.
    static func coordinate(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let hundredths = (value * 100).rounded()
        return hundredths.truncatingRemainder(dividingBy: 100) == 0 ? "\(Int(hundredths / 100))" : "\(hundredths / 100)"
    }
}
