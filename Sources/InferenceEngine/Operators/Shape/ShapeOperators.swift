/// Operators that move, view, join, cut and convert tensors without arithmetic on their values.
enum ShapeOperators {
    static let schemas: [OperatorSchema] =
        Views.schemas + Constants.schemas + Transpose.schemas + ConcatSplit.schemas
        + Slice.schemas + ExpandTile.schemas + Pad.schemas + CenterCropPad.schemas + Cast.schemas + [BitCastOperator.schema] + Dropout.schemas + Trilu.schemas
}
