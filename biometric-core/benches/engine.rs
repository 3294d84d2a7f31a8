//! Placeholder until the engine benchmark lands.
fn main() {}
