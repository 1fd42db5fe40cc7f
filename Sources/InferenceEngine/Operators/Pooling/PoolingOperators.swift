/// Pooling: windowed (MaxPool, AveragePool, LpPool) and global reductions over spatial axes.
enum PoolingOperators {
    static let schemas: [OperatorSchema] = PoolOperator.schemas + GlobalPool.schemas + [MaxUnpoolOperator.schema]
}
