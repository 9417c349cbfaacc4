//! Air benchmark (placeholder until the evaluator lands).

fn main() {}
