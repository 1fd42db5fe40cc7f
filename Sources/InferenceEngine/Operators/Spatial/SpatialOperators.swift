/// Sampling images at computed coordinates: GridSample and the grids that feed it (AffineGrid),
/// region pooling (RoiAlign) and deformable convolution.
enum SpatialOperators {
    static let schemas: [OperatorSchema] = [
        GridSampleOperator.schema, AffineGridOperator.schema, RoiAlignOperator.schema, DeformConvOperator.schema
    ]
}
