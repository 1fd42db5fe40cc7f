/// A parsed Einsum equation. Labels are small integers: letters map to 0..<52 in ASCII order
/// (so sorting labels sorts letters the way numpy's implicit output does), and the axes an
/// ellipsis stands for map to `ellipsisBase + i`, right-aligned across operands as broadcasting is.
struct EinsumEquation: Sendable {
    /// Each operand's subscripts; `nil` marks where its ellipsis stands.
    let inputs: [[Int?]]
    /// The explicit output subscripts, or nil for numpy's implicit output.
    let output: [Int?]?

    static let ellipsisBase = 1000

    init(_ text: String) throws {
        let compact = text.filter { !$0.isWhitespace }
        let sides = compact.split(separator: ">", omittingEmptySubsequences: false)
        guard sides.count <= 2, sides.count == 1 || sides[0].hasSuffix("-") else {
            throw OperatorFailure("equation '\(text)' must have at most one '->'")
        }
        let left = sides.count == 2 ? sides[0].dropLast() : sides[0]
        inputs = try left.split(separator: ",", omittingEmptySubsequences: false).map { try Self.subscripts(String($0), text) }
        output = sides.count == 2 ? try Self.subscripts(String(sides[1]), text) : nil
        if let output, Set(output.compactMap { $0 }).count != output.compactMap({ $0 }).count {
            throw OperatorFailure("equation '\(text)' repeats an output label")
        }
    }

    private static func subscripts(_ term: String, _ text: String) throws -> [Int?] {
        var result: [Int?] = []
        var characters = Substring(term)
        while let first = characters.first {
            if characters.hasPrefix("...") {
                guard !result.contains(where: { $0 == nil }) else { throw OperatorFailure("term '\(term)' of '\(text)' has two ellipses") }
                result.append(nil)
                characters = characters.dropFirst(3)
                continue
            }
            guard let ascii = first.asciiValue, first.isLetter else {
                throw OperatorFailure("equation '\(text)' holds '\(first)', not a letter")
            }
            result.append(ascii < 97 ? Int(ascii) - 65 : Int(ascii) - 97 + 26)
            characters = characters.dropFirst()
        }
        return result
    }

    /// Every operand's labels with its ellipsis expanded, the output labels, and the size of
    /// every label (size-1 axes broadcast).
    func resolve(shapes: [[Int]]) throws -> (inputs: [[Int]], output: [Int], sizes: [Int: Int]) {
        guard shapes.count == inputs.count else {
            throw OperatorFailure("equation has \(inputs.count) operands but \(shapes.count) inputs were given")
        }
        var ellipsisRanks: [Int] = []
        for (term, shape) in zip(inputs, shapes) {
            let letters = term.compactMap { $0 }.count
            let hasEllipsis = term.contains { $0 == nil }
            guard hasEllipsis ? shape.count >= letters : shape.count == letters else {
                throw OperatorFailure("operand of shape \(shape) does not match its \(letters) subscripts")
            }
            ellipsisRanks.append(shape.count - letters)
        }
        let ellipsisRank = ellipsisRanks.max() ?? 0
        let ellipsisLabels = (0..<ellipsisRank).map { Self.ellipsisBase + $0 }
        var expanded: [[Int]] = []
        var sizes: [Int: Int] = [:]
        for (index, term) in inputs.enumerated() {
            var labels: [Int] = []
            for label in term {
                if let label { labels.append(label) } else { labels += ellipsisLabels.suffix(ellipsisRanks[index]) }
            }
            for (label, size) in zip(labels, shapes[index]) {
                if let known = sizes[label], known != size {
                    guard known == 1 || size == 1 else {
                        throw OperatorFailure("label sizes \(known) and \(size) conflict in the einsum operands \(shapes)")
                    }
                    sizes[label] = max(known, size)
                } else if sizes[label] == nil {
                    sizes[label] = size
                }
            }
            expanded.append(labels)
        }
        var outputLabels: [Int] = []
        if let output {
            for label in output {
                if let label {
                    guard sizes[label] != nil else { throw OperatorFailure("output label \(label) appears in no operand") }
                    outputLabels.append(label)
                } else {
                    outputLabels += ellipsisLabels
                }
            }
        } else {
            var counts: [Int: Int] = [:]
            for labels in expanded { for label in labels where label < Self.ellipsisBase { counts[label, default: 0] += 1 } }
            outputLabels = ellipsisLabels + counts.filter { $0.value == 1 }.keys.sorted()
        }
        return (expanded, outputLabels, sizes)
    }
}
