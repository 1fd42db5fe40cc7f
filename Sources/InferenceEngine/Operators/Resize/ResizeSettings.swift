/// Resize's attributes, parsed once at load, with the defaults of the opset the model imports.
/// Upsample (opset 7–9) and Resize-10 are Resize with asymmetric coordinates and onnxruntime's
/// legacy nearest rounding.
struct ResizeSettings: Sendable {
    enum Mode: String, Sendable { case nearest, linear, cubic }
    enum CoordinateMode: String, Sendable {
        case halfPixel = "half_pixel"
        case halfPixelSymmetric = "half_pixel_symmetric"
        case pytorchHalfPixel = "pytorch_half_pixel"
        case alignCorners = "align_corners"
        case asymmetric
        case tfCropAndResize = "tf_crop_and_resize"
    }
    enum NearestMode: String, Sendable {
        case roundPreferFloor = "round_prefer_floor"
        case roundPreferCeil = "round_prefer_ceil"
        case floor, ceil
        /// Before opset 11: truncate when upsampling, round up when downsampling (onnxruntime).
        case legacy
    }
    enum AspectPolicy: String, Sendable {
        case stretch
        case notLarger = "not_larger"
        case notSmaller = "not_smaller"
    }

    var mode: Mode
    var coordinates: CoordinateMode
    var nearest: NearestMode
    var cubicA: Double = -0.75
    var excludeOutside = false
    var extrapolation: Double = 0
    var antialias = false
    var axes: [Int]?
    var aspectPolicy: AspectPolicy = .stretch

    /// Legacy settings: Upsample and Resize-10.
    init(legacyMode: String, context: OperatorBuildContext) throws {
        guard let mode = Mode(rawValue: legacyMode), mode != .cubic else {
            throw context.unsupported("mode '\(legacyMode)' (nearest and linear are defined before opset 11)")
        }
        self.init(mode: mode, coordinates: .asymmetric, nearest: .legacy)
    }

    private init(mode: Mode, coordinates: CoordinateMode, nearest: NearestMode) {
        self.mode = mode
        self.coordinates = coordinates
        self.nearest = nearest
    }

    /// Resize's settings at the model's opset.
    static func resize(_ context: OperatorBuildContext) throws -> ResizeSettings {
        let attributes = context.attributes
        let modeName = try attributes.string("mode", default: "nearest")
        if context.opset < 11 { return try ResizeSettings(legacyMode: modeName, context: context) }
        func parse<T: RawRepresentable<String>>(_ name: String, _ fallback: String) throws -> T {
            let value = try attributes.string(name, default: fallback)
            guard let parsed = T(rawValue: value) else { throw context.invalid("\(name) '\(value)' is not defined") }
            return parsed
        }
        var settings = ResizeSettings(
            mode: try parse("mode", "nearest"), coordinates: try parse("coordinate_transformation_mode", "half_pixel"),
            nearest: try parse("nearest_mode", "round_prefer_floor"))
        if settings.coordinates == .halfPixelSymmetric && context.opset < 19 {
            throw context.invalid("half_pixel_symmetric needs opset 19")
        }
        settings.cubicA = Double(try attributes.float("cubic_coeff_a", default: -0.75))
        settings.excludeOutside = try attributes.int("exclude_outside", default: 0) != 0
        settings.extrapolation = Double(try attributes.float("extrapolation_value", default: 0))
        if context.opset >= 18 {
            settings.antialias = try attributes.int("antialias", default: 0) != 0
            settings.axes = try attributes.ints("axes")
            settings.aspectPolicy = try parse("keep_aspect_ratio_policy", "stretch")
        }
        return settings
    }
}
