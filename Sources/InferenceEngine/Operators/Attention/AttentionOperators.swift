/// Attention-family operators: scaled dot-product attention with its KV cache, rotary position
/// embeddings, linear (recurrent-state) attention and the stateful causal convolution that
/// accompanies it in hybrid models.
enum AttentionOperators {
    static let schemas: [OperatorSchema] = [
        // Opset 24 added `nonpad_kv_seqlen`, 25 the sliding-window attributes; both are read by opset.
        OperatorSchema("Attention", since: 23) { try AttentionOperator($0) },
        OperatorSchema("RotaryEmbedding", since: 23) { try RotaryEmbeddingOperator($0) },
        OperatorSchema("LinearAttention", since: 27) { try LinearAttentionOperator($0) },
        OperatorSchema("CausalConvWithState", since: 27) { try CausalConvWithStateOperator($0) }
    ]
}
